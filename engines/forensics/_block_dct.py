"""Shared helpers for the JPEG analyses: JPEG luma, 8×8 block DCT on a chosen grid, block maps to pixels."""

from __future__ import annotations

import cv2
import numpy as np

_LUMA_WEIGHTS = np.array([[0.299, 0.587, 0.114]], np.float32)


def jpeg_luma(image: np.ndarray) -> np.ndarray:
    """JPEG (BT.601 full-range) luminance of an RGB uint8 image as float32, centred on 0 (Y − 128)."""
    if image.ndim == 2:
        return np.asarray(image, np.float32) - 128.0
    luma = cv2.transform(np.ascontiguousarray(image).astype(np.float32), _LUMA_WEIGHTS)
    luma -= 128.0
    return luma


def dct_matrix() -> np.ndarray:
    """The orthonormal 8-point DCT-II matrix used by JPEG (row u = basis function u)."""
    n = np.arange(8)
    mat = np.cos((2 * n[None, :] + 1) * n[:, None] * np.pi / 16) * np.sqrt(2 / 8)
    mat[0] /= np.sqrt(2)
    return mat.astype(np.float32)


_D = dct_matrix()
_D2 = np.kron(_D, _D)  # acts on a row-major flattened 8×8 block: vec(D·B·Dᵀ) = (D ⊗ D)·vec(B)


def block_dct(channel: np.ndarray, offset: tuple[int, int] = (0, 0)) -> np.ndarray:
    """DCT of every whole 8×8 block of ``channel`` on the grid starting at ``offset`` (row, column).

    Returns float32 (block rows, block columns, 8, 8); ``out[..., u, v]`` is the map of coefficient (u, v).
    Empty in the block dimensions when the image is too small. One large matrix product (fast and steady
    on a busy machine, unlike many small ones).
    """
    dy, dx = offset
    rows = max(0, (channel.shape[0] - dy) // 8)
    cols = max(0, (channel.shape[1] - dx) // 8)
    if rows == 0 or cols == 0:
        return np.zeros((rows, cols, 8, 8), np.float32)
    crop = np.asarray(channel[dy : dy + 8 * rows, dx : dx + 8 * cols], dtype=np.float32)
    flat = np.ascontiguousarray(crop.reshape(rows, 8, cols, 8).transpose(0, 2, 1, 3)).reshape(-1, 64)
    coeffs = cv2.gemm(flat, _D2, 1.0, None, 0.0, flags=cv2.GEMM_2_T)
    return coeffs.reshape(rows, cols, 8, 8)


def clipped_blocks(image: np.ndarray, offset: tuple[int, int] = (0, 0), margin: int = 2) -> np.ndarray:
    """Bool (block rows, block columns): blocks on the grid at ``offset`` with any channel within ``margin`` of
    0 or 255. Rounding at the clip limits breaks the quantisation traces the JPEG analyses read."""
    src = np.ascontiguousarray(image)
    inside = (
        cv2.inRange(src, (margin,) * 3, (255 - margin,) * 3)
        if src.ndim == 3
        else cv2.inRange(src, margin, 255 - margin)
    )
    dy, dx = offset
    rows, cols = (src.shape[0] - dy) // 8, (src.shape[1] - dx) // 8
    if rows <= 0 or cols <= 0:
        return np.zeros((max(rows, 0), max(cols, 0)), bool)
    crop = inside[dy : dy + 8 * rows, dx : dx + 8 * cols]
    return crop.reshape(rows, 8, cols, 8).min(axis=(1, 3)) == 0


def blocks_to_pixels(
    block_map: np.ndarray, shape: tuple[int, int], offset: tuple[int, int] = (0, 0), block: int = 8, fill: float = 0.0
) -> np.ndarray:
    """Spread a per-block map (one value per ``block``×``block`` cell from ``offset``) over an image of ``shape``.

    Pixels the whole blocks do not cover (borders) take the nearest block's value, or ``fill`` if there is no block.
    """
    h, w = shape
    rows, cols = block_map.shape
    dy, dx = offset
    bottom, right = h - dy - rows * block, w - dx - cols * block
    if rows == 0 or cols == 0 or min(bottom, right) < 0:
        return np.full((h, w), fill, np.float32)
    big = np.repeat(np.repeat(block_map.astype(np.float32), block, axis=0), block, axis=1)
    return cv2.copyMakeBorder(big, dy, bottom, dx, right, cv2.BORDER_REPLICATE)
