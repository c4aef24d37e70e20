"""Helpers shared by the noise and detail analyses: input checks, luminance, contrast stretch, block grids."""

from __future__ import annotations

import cv2
import numpy as np

_MAX_SAMPLES = 1_000_000


def check_rgb(image: np.ndarray) -> np.ndarray:
    """Return ``image`` as a contiguous RGB uint8 (H, W, 3) array or raise ValueError."""
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"expected an RGB image of shape (H, W, 3), got {arr.shape}")
    if arr.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels, got {arr.dtype}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError("the image is empty")
    return np.ascontiguousarray(arr)


def luminance(image: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of an RGB uint8 image as float32 (0..255), without rounding."""
    return cv2.cvtColor(check_rgb(image).astype(np.float32), cv2.COLOR_RGB2GRAY)


def luminance_u8(image: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of an RGB uint8 image, rounded to uint8."""
    return cv2.cvtColor(check_rgb(image), cv2.COLOR_RGB2GRAY)


def sample(values: np.ndarray, max_samples: int = _MAX_SAMPLES) -> np.ndarray:
    """A regular-grid subsample of a 2-D map (all of it when small), flattened."""
    arr = np.asarray(values)
    if arr.size <= max_samples or arr.ndim != 2:
        return arr.ravel()
    step = int(np.ceil(np.sqrt(arr.size / max_samples)))
    return arr[::step, ::step].ravel()


def stretch(values: np.ndarray, low_pct: float = 1.0, high_pct: float = 99.0, floor: float = 1e-6) -> np.ndarray:
    """Map ``values`` linearly so that the given percentiles become 0 and 1, clipped: float32 in [0, 1].

    A map whose spread is below ``floor`` becomes all zeros. Percentiles are taken on a subsample for speed.
    """
    arr = np.asarray(values, dtype=np.float32)
    if arr.size == 0:
        return arr
    finite = sample(arr)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return np.zeros(arr.shape, np.float32)
    lo, hi = (float(v) for v in np.percentile(finite, (low_pct, high_pct)))
    if hi - lo < floor:
        hi = float(finite.max())
        if hi - lo < floor:
            return np.zeros(arr.shape, np.float32)
    out = (arr - np.float32(lo)) * np.float32(1.0 / (hi - lo))
    np.clip(out, 0.0, 1.0, out=out)
    out[~np.isfinite(out)] = 0.0
    return out


def block_starts(length: int, block: int, stride: int) -> np.ndarray:
    """Start offsets of blocks of ``block`` px every ``stride`` px covering ``length`` (last block flush to the end)."""
    if length <= block:
        return np.zeros(1, dtype=np.int64)
    starts = np.arange(0, length - block + 1, stride, dtype=np.int64)
    if starts[-1] != length - block:
        starts = np.append(starts, length - block)
    return starts


def block_centres(length: int, block: int, stride: int) -> np.ndarray:
    """Centre positions (px) of the blocks that ``block_starts`` lays out."""
    return block_starts(length, block, stride).astype(np.float32) + min(block, length) / 2.0 - 0.5


def grid_to_map(
    grid: np.ndarray, row_centres: np.ndarray, col_centres: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """Spread a per-block grid whose cells sit at the given centres (px) over an image of ``shape``.

    Values are bilinearly interpolated between block centres and held constant beyond the outer centres.
    """
    h, w = shape
    g = np.ascontiguousarray(grid, dtype=np.float32)
    if g.shape != (len(row_centres), len(col_centres)):
        raise ValueError(f"grid {g.shape} does not match {len(row_centres)}x{len(col_centres)} centres")
    row_pos = _fractional_index(np.arange(h, dtype=np.float32), np.asarray(row_centres, np.float32))
    col_pos = _fractional_index(np.arange(w, dtype=np.float32), np.asarray(col_centres, np.float32))
    map_x = np.ascontiguousarray(np.broadcast_to(col_pos[None, :], (h, w)))
    map_y = np.ascontiguousarray(np.broadcast_to(row_pos[:, None], (h, w)))
    return cv2.remap(g, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _fractional_index(positions: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Fractional grid index of each pixel position given the (increasing) block centres."""
    if centres.size == 1:
        return np.zeros_like(positions)
    return np.interp(positions, centres, np.arange(centres.size, dtype=np.float32)).astype(np.float32)
