"""Face pictures for the face-mark tests, built from scikit-image's astronaut (no shared data)."""

from __future__ import annotations

import numpy as np
from skimage import data

__all__ = ["one_face", "two_faces"]


def one_face() -> np.ndarray:
    """512×512 RGB photo with one face (eye distance about 42 px)."""
    return np.ascontiguousarray(data.astronaut())


def two_faces() -> np.ndarray:
    """512×1024 canvas: the astronaut and her mirror image side by side (two faces)."""
    photo = one_face()
    return np.ascontiguousarray(np.concatenate([photo, photo[:, ::-1]], axis=1))
