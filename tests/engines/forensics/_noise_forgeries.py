"""Generated test images and forgeries with known masks for the noise / detail / colour analyses."""

from __future__ import annotations

import cv2
import numpy as np
from skimage import data

Box = tuple[int, int, int, int]  # top, left, height, width


def smooth_texture(
    shape: tuple[int, int] = (256, 256), seed: int = 0, blur: float = 3.0, noise: float = 1.0
) -> np.ndarray:
    """RGB uint8 texture: low-pass filtered white noise (no resampling involved) plus mild sensor-like noise."""
    rng = np.random.default_rng(seed)
    h, w = shape
    base = rng.standard_normal((h, w, 3)).astype(np.float32)
    smooth = cv2.GaussianBlur(base, (0, 0), blur)
    smooth = smooth / max(float(smooth.std()), 1e-6)
    mix = np.array([[1.0, 0.6, 0.3], [0.2, 1.0, 0.5], [0.1, 0.4, 1.0]], dtype=np.float32)
    colour = smooth @ mix.T
    img = 128.0 + 35.0 * colour + rng.normal(0.0, noise, (h, w, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def natural_image(name: str = "astronaut") -> np.ndarray:
    """One of scikit-image's bundled photos as RGB uint8 (astronaut, chelsea, coffee)."""
    img = getattr(data, name)()
    return np.ascontiguousarray(img[:, :, :3]).astype(np.uint8)


def box_mask(shape: tuple[int, int], box: Box) -> np.ndarray:
    """Boolean mask of a rectangular region."""
    top, left, hgt, wid = box
    mask = np.zeros(shape, dtype=bool)
    mask[top : top + hgt, left : left + wid] = True
    return mask


def add_noise_region(image: np.ndarray, box: Box, sigma: float = 8.0, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Add Gaussian noise of ``sigma`` grey levels inside ``box``; returns (forgery, mask)."""
    rng = np.random.default_rng(seed)
    mask = box_mask(image.shape[:2], box)
    out = image.astype(np.float32)
    out[mask] += rng.normal(0.0, sigma, (int(mask.sum()), 3)).astype(np.float32)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8), mask


def upsample(image: np.ndarray, factor: float) -> np.ndarray:
    """Bilinear resize by ``factor``."""
    h, w = image.shape[:2]
    size = (round(w * factor), round(h * factor))
    return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)


def paste_resampled(
    image: np.ndarray, box: Box, factor: float = 1.5, source: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Paste into ``box`` a patch of ``source`` (default: the image) enlarged by ``factor``; returns (forgery, mask)."""
    src = image if source is None else source
    top, left, hgt, wid = box
    sh, sw = int(np.ceil(hgt / factor)) + 1, int(np.ceil(wid / factor)) + 1
    patch = upsample(src[:sh, :sw], factor)[:hgt, :wid]
    out = image.copy()
    out[top : top + hgt, left : left + wid] = patch
    return out, box_mask(image.shape[:2], box)


def bayer_demosaic(image: np.ndarray) -> np.ndarray:
    """Sample ``image`` on a BGGR-coded Bayer mosaic (OpenCV "BayerBG") and demosaic it bilinearly."""
    h, w = image.shape[:2]
    mosaic = np.empty((h, w), np.uint8)
    # OpenCV's BayerBG code names the second row's 2nd/3rd pixel pair: R at (0,0), G at (0,1)/(1,0), B at (1,1)
    mosaic[0::2, 0::2] = image[0::2, 0::2, 0]
    mosaic[0::2, 1::2] = image[0::2, 1::2, 1]
    mosaic[1::2, 0::2] = image[1::2, 0::2, 1]
    mosaic[1::2, 1::2] = image[1::2, 1::2, 2]
    return cv2.cvtColor(mosaic, cv2.COLOR_BayerBG2RGB)


def paste_blurred(image: np.ndarray, box: Box, source: np.ndarray, blur: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Paste the same region of ``source`` (optionally Gaussian-blurred) into ``image``; returns (forgery, mask)."""
    src = cv2.GaussianBlur(source, (0, 0), blur) if blur > 0 else source
    mask = box_mask(image.shape[:2], box)
    out = image.copy()
    out[mask] = src[mask]
    return out, mask


def gamma_correct(image: np.ndarray, gamma: float) -> np.ndarray:
    """Apply ``255 * (x / 255) ** gamma`` through an 8-bit lookup table."""
    lut = np.clip(np.rint(255.0 * (np.arange(256) / 255.0) ** gamma), 0, 255).astype(np.uint8)
    return lut[image]


def edge_case_images() -> list[np.ndarray]:
    """Images every analysis must survive: 1×1, 8×8, thin strips, flat grey, black and white."""
    rng = np.random.default_rng(7)
    return [
        rng.integers(0, 256, (1, 1, 3), dtype=np.uint8),
        rng.integers(0, 256, (8, 8, 3), dtype=np.uint8),
        rng.integers(0, 256, (3, 40, 3), dtype=np.uint8),
        rng.integers(0, 256, (40, 2, 3), dtype=np.uint8),
        np.full((64, 64, 3), 128, np.uint8),
        np.zeros((32, 48, 3), np.uint8),
        np.full((48, 32, 3), 255, np.uint8),
    ]
