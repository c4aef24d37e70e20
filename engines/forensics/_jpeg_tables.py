"""Standard JPEG quantisation tables (ITU-T T.81 Annex K) and the IJG/libjpeg quality scaling."""

from __future__ import annotations

import numpy as np

# Annex K.1 example tables in natural (row-major) order; libjpeg scales these by its quality setting.
IJG_LUMINANCE = np.array(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ],
    dtype=np.int32,
)

IJG_CHROMINANCE = np.full((8, 8), 99, dtype=np.int32)
IJG_CHROMINANCE[:4, :4] = [[17, 18, 24, 47], [18, 21, 26, 66], [24, 26, 56, 99], [47, 66, 99, 99]]


def ijg_scaled(base: np.ndarray, quality: int) -> np.ndarray:
    """The table libjpeg writes for ``quality`` in 1..100 (baseline: entries clamped to 1..255)."""
    q = min(100, max(1, int(quality)))
    scale = 5000 // q if q < 50 else 200 - 2 * q
    return np.clip((base.astype(np.int64) * scale + 50) // 100, 1, 255).astype(np.int32)


def zigzag_order() -> list[tuple[int, int]]:
    """(row, column) positions of an 8×8 block in JPEG zig-zag order (DC first)."""

    def key(rc: tuple[int, int]) -> tuple[int, int]:
        diagonal = rc[0] + rc[1]
        return diagonal, rc[1] if diagonal % 2 == 0 else rc[0]

    return sorted(((r, c) for r in range(8) for c in range(8)), key=key)
