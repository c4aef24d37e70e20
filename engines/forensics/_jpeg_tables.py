"""Standard JPEG quantisation tables (ITU-T T.81 Annex K) and the IJG/libjpeg quality scaling."""

from __future__ import annotations

import numpy as np

from engines.media.jpeg_quant import CHROMA_BASE, LUMA_BASE, ijg_table

# Annex K.1 example tables as 8×8 arrays (one definition, in engines.media.jpeg_quant).
IJG_LUMINANCE = LUMA_BASE.reshape(8, 8).astype(np.int32)
IJG_CHROMINANCE = CHROMA_BASE.reshape(8, 8).astype(np.int32)


def ijg_scaled(base: np.ndarray, quality: int) -> np.ndarray:
    """The table libjpeg writes for ``quality`` in 1..100 (baseline: entries clamped to 1..255)."""
    return ijg_table(np.asarray(base, dtype=np.int64), quality).astype(np.int32)


def zigzag_order() -> list[tuple[int, int]]:
    """(row, column) positions of an 8×8 block in JPEG zig-zag order (DC first)."""

    def key(rc: tuple[int, int]) -> tuple[int, int]:
        diagonal = rc[0] + rc[1]
        return diagonal, rc[1] if diagonal % 2 == 0 else rc[0]

    return sorted(((r, c) for r in range(8) for c in range(8)), key=key)
