"""Standard IJG (libjpeg) quantization tables: recognise a table set that is exactly libjpeg's at some quality."""

from __future__ import annotations

import numpy as np

# ITU-T T.81 Annex K tables in natural (row-major) order.
LUMA_BASE = np.array(
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
    dtype=np.int64,
).ravel()
CHROMA_BASE = np.full((8, 8), 99, dtype=np.int64)
CHROMA_BASE[:4, :4] = [[17, 18, 24, 47], [18, 21, 26, 66], [24, 26, 56, 99], [47, 66, 99, 99]]
CHROMA_BASE = CHROMA_BASE.ravel()


def ijg_table(base: np.ndarray, quality: int) -> np.ndarray:
    """libjpeg's scaling of a base table to ``quality`` (1–100), clamped to baseline range 1..255."""
    quality = min(100, max(1, int(quality)))
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return np.clip((base * scale + 50) // 100, 1, 255)


def ijg_quality(tables: dict[int, list[int]]) -> int | None:
    """The quality whose standard IJG tables equal ``tables`` exactly (natural order), else None.

    Table 0 is compared with the luminance table and table 1 (when present) with the chrominance table.
    """
    if not tables or 0 not in tables or len(tables[0]) != 64:
        return None
    luma = np.asarray(tables[0], dtype=np.int64)
    chroma = np.asarray(tables[1], dtype=np.int64) if 1 in tables and len(tables[1]) == 64 else None
    for quality in range(100, 0, -1):
        if not np.array_equal(luma, ijg_table(LUMA_BASE, quality)):
            continue
        if chroma is None or np.array_equal(chroma, ijg_table(CHROMA_BASE, quality)):
            return quality
    return None
