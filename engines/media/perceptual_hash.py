"""64-bit perceptual hashes of an RGB image: average (aHash), difference (dHash) and DCT (pHash)."""

from __future__ import annotations

import cv2
import numpy as np


def _gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image.astype(np.float32)
    return cv2.cvtColor(np.ascontiguousarray(image[:, :, :3]), cv2.COLOR_RGB2GRAY).astype(np.float32)


def _shrink(gray: np.ndarray, width: int, height: int) -> np.ndarray:
    return cv2.resize(gray, (width, height), interpolation=cv2.INTER_AREA)


def bits_to_hex(bits: np.ndarray) -> str:
    """Row-major boolean bits (first bit = most significant) as lowercase hex, 4 bits per digit."""
    flat = np.asarray(bits, dtype=bool).ravel()
    value = 0
    for bit in flat:
        value = (value << 1) | int(bit)
    return f"{value:0{len(flat) // 4}x}"


def average_hash(image: np.ndarray) -> str:
    """aHash: 8×8 grey thumbnail, each bit set where the pixel is brighter than the mean."""
    small = _shrink(_gray(image), 8, 8)
    return bits_to_hex(small > small.mean())


def difference_hash(image: np.ndarray) -> str:
    """dHash: 9×8 grey thumbnail, each bit set where a pixel is darker than its right neighbour."""
    small = _shrink(_gray(image), 9, 8)
    return bits_to_hex(small[:, :-1] < small[:, 1:])


def dct_hash(image: np.ndarray) -> str:
    """pHash: 2-D DCT of a 32×32 grey thumbnail; bits of the 8×8 lowest frequencies above their median.

    The median is taken without the DC term, which only carries overall brightness.
    """
    small = _shrink(_gray(image), 32, 32)
    low = cv2.dct(small)[:8, :8]
    median = np.median(low.ravel()[1:])
    return bits_to_hex(low > median)


def perceptual_hashes(image: np.ndarray) -> dict[str, str]:
    """All three hashes keyed "ahash", "dhash", "phash"."""
    return {"ahash": average_hash(image), "dhash": difference_hash(image), "phash": dct_hash(image)}


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two equal-length hex hashes."""
    if len(a) != len(b):
        raise ValueError("hashes of different lengths")
    return bin(int(a, 16) ^ int(b, 16)).count("1")
