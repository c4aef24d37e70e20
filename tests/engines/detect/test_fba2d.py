"""FBA²D-style attack on a toy hard-label detector whose decision depends only on the mean brightness:
reachable through the lowest DCT band, unreachable through a high band; queries are counted and capped."""

from __future__ import annotations

import numpy as np
from scipy.fft import dctn

from engines.detect.fba2d import attack, band_mask


def brightness_label(images: np.ndarray) -> np.ndarray:
    return (images.mean(axis=(1, 2, 3)) > 0.5).astype(int)


def test_band_mask_partitions_the_spectrum():
    low, high = band_mask(32, 32, (0.0, 0.25)), band_mask(32, 32, (0.25, 1.01))
    assert low[0, 0] and not high[0, 0] and not (low & high).any() and (low | high).all()


def test_low_band_attack_flips_a_brightness_detector():
    x = np.full((32, 32, 3), 0.47)
    result = attack(x, brightness_label, band=(0.0, 0.1), budget=400, epsilon=0.045)
    assert result.success and result.queries <= 400
    assert brightness_label(result.adversarial[None])[0] == 1
    # The perturbation lives in the low band: almost no energy outside it.
    delta = (result.adversarial - x).mean(axis=2)
    coeffs = dctn(delta, norm="ortho")
    outside = ~band_mask(32, 32, (0.0, 0.1))
    assert (coeffs[outside] ** 2).sum() < 0.05 * (coeffs**2).sum()


def test_a_narrower_band_needs_fewer_queries():
    x = np.full((32, 32, 3), 0.47)
    narrow = attack(x, brightness_label, band=(0.0, 0.06), budget=600, epsilon=0.045)
    wide = attack(x, brightness_label, band=(0.0, 0.25), budget=600, epsilon=0.045)
    assert narrow.success and narrow.queries < wide.queries


def test_high_band_cannot_change_the_mean_and_respects_the_budget():
    x = np.full((32, 32, 3), 0.47)
    calls = []

    def counted(images):
        calls.append(len(images))
        return brightness_label(images)

    result = attack(x, counted, band=(0.3, 1.01), budget=120, epsilon=0.06)
    assert not result.success and result.adversarial is None
    assert sum(calls) <= 120 and result.queries == sum(calls)
