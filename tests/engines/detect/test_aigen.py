"""AI-generated score pieces: canonical form, spectral features, probe fitting and cross-validation,
JSON round trip, and the shipped probe's integrity."""

from __future__ import annotations

import numpy as np
import pytest

from engines.detect.aigen import CANON, AigenProbe, canonical, radial_spectrum, spectral_features
from engines.detect.aigen_probe import cross_validate, fit_logistic, fit_probe


@pytest.mark.parametrize("shape", [(300, 500, 3), (1200, 900, 3), (256, 256, 3), (100, 140, 3)])
def test_canonical_form_is_always_the_same_size(shape):
    img = np.random.default_rng(0).integers(0, 255, shape, dtype=np.uint8)
    out = canonical(img)
    assert out.shape == (CANON, CANON, 3) and out.dtype == np.uint8


def test_radial_spectrum_separates_noise_from_smooth_images():
    rng = np.random.default_rng(0)
    noise = rng.normal(128, 30, (256, 256))
    yy, xx = np.mgrid[:256, :256]
    smooth = 128 + 60 * np.sin(xx / 40.0) * np.cos(yy / 50.0)
    flat_profile, smooth_profile = radial_spectrum(noise), radial_spectrum(smooth)
    # White noise: flat spectrum. A smooth image: power falls steeply with frequency.
    assert np.ptp(flat_profile[2:]) < 2.0
    assert smooth_profile[0] - smooth_profile[-1] > 10.0
    assert spectral_features(np.zeros((256, 256, 3), np.uint8)).shape == (48,)


def test_logistic_fit_separates_separable_data():
    rng = np.random.default_rng(1)
    x = np.vstack([rng.normal(-2, 1, (30, 3)), rng.normal(2, 1, (30, 3))])
    y = np.array([0] * 30 + [1] * 30)
    w, b = fit_logistic(x, y, l2=0.01)
    assert (((x @ w + b) > 0) == y).mean() > 0.95


def test_cross_validation_is_honest_on_random_labels():
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, (40, 20))
    informative = np.vstack([rng.normal(-1.5, 1, (20, 20)), rng.normal(1.5, 1, (20, 20))])
    y = np.array([0] * 20 + [1] * 20)
    assert cross_validate(informative, y, "spectral", 1.0, repeats=2)["auc_mean"] > 0.95
    assert abs(cross_validate(x, rng.permutation(y), "spectral", 1.0, repeats=4)["auc_mean"] - 0.5) < 0.2


def test_probe_json_round_trip():
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, (20, 5))
    y = np.array([0, 1] * 10)
    probe = fit_probe(x, y, "spectral", 1.0, cv_auc=0.7)
    again = AigenProbe.from_json(probe.to_json())
    assert np.allclose(again.score_features(x), probe.score_features(x)) and again.cv_auc == 0.7


def test_shipped_probe_scores_an_image():
    from engines.detect.aigen import shipped_probe

    probe = shipped_probe()
    assert 0.5 < probe.cv_auc <= 1.0
    score = probe.score(np.random.default_rng(4).integers(0, 255, (300, 400, 3), dtype=np.uint8))
    assert 0.0 <= score <= 1.0
