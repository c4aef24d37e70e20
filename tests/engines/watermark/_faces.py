"""Face pictures for the face-mark tests, built from scikit-image's astronaut (no shared data)."""

from __future__ import annotations

import cv2
import numpy as np
from skimage import data


def one_face() -> np.ndarray:
    """512×512 RGB photo with one face (eye distance about 42 px)."""
    return np.ascontiguousarray(data.astronaut())


def two_faces() -> np.ndarray:
    """512×1024 canvas: the astronaut and her mirror image side by side (two faces)."""
    photo = one_face()
    return np.ascontiguousarray(np.concatenate([photo, photo[:, ::-1]], axis=1))


def pull(rgb: np.ndarray, centre: np.ndarray, shift: tuple[float, float], sigma: float) -> np.ndarray:
    """Warp ``rgb`` so the content around ``centre`` (x, y) moves by ``shift`` (x, y) pixels, fading with a
    Gaussian of ``sigma`` pixels (a local expression edit such as an opened or lowered mouth)."""
    h, w = rgb.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    weight = np.exp(-((xs - centre[0]) ** 2 + (ys - centre[1]) ** 2) / (2.0 * sigma**2))
    return cv2.remap(rgb, xs - shift[0] * weight, ys - shift[1] * weight, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT)
