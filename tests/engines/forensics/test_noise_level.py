"""Local noise level: known sigma on synthetic noise, a noisier pasted region lights up, edge cases survive."""

from __future__ import annotations

import numpy as np
import pytest
import pywt

from engines.evaluation.metrics import pixel_auc
from engines.forensics import Subject, get_analysis, run_analysis
from engines.forensics.noise_level import (
    global_noise_sigma,
    haar_diagonal,
    image_noise_sigma,
    local_noise_sigma,
)
from tests.engines.forensics._noise_forgeries import (
    add_noise_region,
    edge_case_images,
    natural_image,
    smooth_texture,
)


def test_registered_in_noise_group():
    assert get_analysis("noise_level").group == "Noise"


def test_haar_diagonal_matches_pywavelets():
    x = np.random.default_rng(0).normal(100, 20, (34, 50)).astype(np.float32)
    expected = pywt.dwt2(x, "haar")[1][2]
    assert np.allclose(np.abs(haar_diagonal(x)), np.abs(expected), atol=1e-4)


@pytest.mark.parametrize("method", ["wavelet", "laplacian"])
def test_known_sigma_of_gaussian_noise(method):
    rng = np.random.default_rng(1)
    noisy = (128.0 + rng.normal(0.0, 5.0, (256, 256))).astype(np.float32)
    assert global_noise_sigma(noisy, method) == pytest.approx(5.0, rel=0.08)
    grid = local_noise_sigma(noisy, 32, method)
    assert np.median(grid.sigma) == pytest.approx(5.0, rel=0.1)
    assert grid.sigma.min() > 3.5 and grid.sigma.max() < 6.5


def test_flat_image_has_zero_noise():
    flat = np.full((64, 64, 3), 90, np.uint8)
    grid = image_noise_sigma(flat)
    assert np.all(grid.sigma == 0)


@pytest.mark.parametrize(
    ("image", "bound"),
    [(smooth_texture((384, 384)), 0.97), (natural_image("astronaut"), 0.9)],
    ids=["texture", "astronaut"],
)
def test_noisier_region_lights_up(image, bound):
    h, w = image.shape[:2]
    forged, mask = add_noise_region(image, (h // 4, w // 4, h // 3, w // 3), sigma=8.0)
    finding = run_analysis("noise_level", Subject(forged))
    assert finding.heatmap.shape == mask.shape and finding.heatmap.dtype == np.float32
    assert 0.0 <= finding.heatmap.min() and finding.heatmap.max() <= 1.0
    auc = pixel_auc(finding.heatmap, mask)
    assert auc >= bound, auc


def test_summary_reports_global_sigma_and_spread():
    rng = np.random.default_rng(2)
    img = np.clip(128 + rng.normal(0, 4.0, (128, 128, 3)), 0, 255).astype(np.uint8)
    finding = run_analysis("noise_level", Subject(img), {"method": "laplacian"})
    assert finding.details["global_sigma"] == pytest.approx(4.0, rel=0.15)
    assert finding.details["spread_ratio_p90_p10"] < 1.5
    assert "sigma" in finding.summary


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="unknown noise method"):
        local_noise_sigma(np.zeros((16, 16), np.float32), 8, "fft")
    with pytest.raises(ValueError):
        run_analysis("noise_level", Subject(np.zeros((16, 16, 3), np.uint8)), {"method": "fft"})


@pytest.mark.parametrize("channels", ["rgb", "luminance"])
@pytest.mark.parametrize("method", ["wavelet", "laplacian"])
def test_edge_cases_do_not_crash(method, channels):
    for img in edge_case_images():
        finding = run_analysis("noise_level", Subject(img), {"method": method, "channels": channels})
        assert finding.heatmap.shape == img.shape[:2]
        assert np.isfinite(finding.heatmap).all()


def test_rejects_non_rgb_input():
    with pytest.raises(ValueError, match="RGB"):
        run_analysis("noise_level", Subject(np.zeros((16, 16), np.uint8)))
