"""JPEG error levels: low where the image was last saved at that quality, high in a foreign region."""

from __future__ import annotations

import numpy as np

from engines.localize.features import ERROR_LEVEL_CLIP, error_levels
from tests.engines.localize._fixtures import _jpeg, photo


def test_foreign_region_stands_out_at_the_images_own_quality():
    image = _jpeg(photo("astronaut", (192, 256)), 70)
    patch = photo("coffee", (192, 256))
    noisy = np.clip(patch + np.random.default_rng(0).normal(0, 3, patch.shape), 0, 255).astype(np.uint8)
    image[64:128, 96:192] = noisy[64:128, 96:192]  # never JPEG-compressed
    levels = error_levels(image, (70, 95))
    assert levels.shape == (192, 256, 2) and levels.dtype == np.float32
    assert 0 <= levels.min() and levels.max() <= ERROR_LEVEL_CLIP
    inside = levels[72:120, 104:184, 0].mean()
    outside = np.concatenate([levels[:56, :, 0].ravel(), levels[136:, :, 0].ravel()]).mean()
    assert inside > 2.5 * outside


def test_no_qualities_gives_no_channels():
    assert error_levels(photo("chelsea", (32, 32)), ()).shape == (32, 32, 0)
