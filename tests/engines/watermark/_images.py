"""Test pictures for the watermark tests: scikit-image's bundled photos and generated ones (no shared data)."""

from __future__ import annotations

import numpy as np
from skimage import data


def astronaut() -> np.ndarray:
    """512×512 RGB photo bundled with scikit-image."""
    return np.ascontiguousarray(data.astronaut())


def coffee() -> np.ndarray:
    """400×600 RGB photo bundled with scikit-image."""
    return np.ascontiguousarray(data.coffee())


def busy_texture(size: int = 448, seed: int = 0) -> np.ndarray:
    """A strongly textured RGB picture (1/f noise with sharp edges): the hardest host for a mark."""
    gen = np.random.default_rng(seed)
    f = np.fft.fftfreq(size)
    radius = np.hypot(*np.meshgrid(f, f, indexing="ij"))
    radius[0, 0] = 1.0
    channels = []
    for _ in range(3):
        spec = (gen.normal(size=(size, size)) + 1j * gen.normal(size=(size, size))) / radius
        plane = np.fft.ifft2(spec).real
        channels.append((plane - plane.mean()) / plane.std())
    img = np.stack(channels, axis=-1) * 45 + 128
    img += np.where(gen.random((size // 16, size // 16)) > 0.5, 25, -25).repeat(16, 0).repeat(16, 1)[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


def moving_frames(n: int = 6, size: int = 256) -> list[np.ndarray]:
    """``n`` frames of a slowly panning crop of the astronaut photo (an animation or video)."""
    base = astronaut()
    return [np.ascontiguousarray(base[8 * i: 8 * i + size, 4 * i: 4 * i + size]) for i in range(n)]
