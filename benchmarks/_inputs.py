"""Synthetic benchmark inputs made from scikit-image's bundled (public-domain/CC0) images."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def photo_12mp(folder: Path, name: str = "photo_12mp.jpg") -> Path:
    """A 4000 × 3000 JPEG (q90) with mild sensor-like noise."""
    import cv2
    from skimage import data

    big = cv2.resize(data.astronaut(), (4000, 3000), interpolation=cv2.INTER_CUBIC)
    rng = np.random.default_rng(0)
    big = np.clip(big + rng.normal(0, 4, big.shape), 0, 255).astype(np.uint8)
    path = folder / name
    cv2.imwrite(str(path), big[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90])
    return path
