"""Noise residual: exact answers on simple images, a noisier region stands out, bad parameters are refused."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import engines.forensics.noise_residual as noise_residual_module
from engines.evaluation.metrics import pixel_auc
from engines.forensics import Subject, get_analysis, run_analysis
from engines.forensics.noise_residual import median_denoise, noise_residual, wavelet_denoise
from tests.engines.forensics._noise_forgeries import (
    add_noise_region,
    edge_case_images,
    natural_image,
    smooth_texture,
)


def test_registered_in_noise_group():
    assert get_analysis("noise_residual").group == "Noise"


@pytest.mark.parametrize("denoiser", ["median", "gaussian", "wavelet"])
def test_constant_image_has_zero_residual(denoiser):
    flat = np.full((40, 56), 77.0, np.float32)
    assert np.abs(noise_residual(flat, denoiser)).max() < 1e-3


def test_gaussian_residual_of_a_linear_ramp_is_zero_inside():
    ramp = np.tile(np.arange(64, dtype=np.float32) * 2.0, (32, 1))
    residual = noise_residual(ramp, "gaussian", sigma=1.0)
    assert np.abs(residual[:, 8:-8]).max() < 1e-3


def test_median_removes_an_isolated_spike():
    img = np.full((9, 9), 50.0, np.float32)
    img[4, 4] = 250.0
    residual = noise_residual(img, "median", kernel=3)
    assert residual[4, 4] == pytest.approx(200.0)
    assert np.count_nonzero(residual) == 1


@pytest.mark.parametrize("rule", ["bayes", "universal"])
def test_wavelet_denoiser_removes_most_of_white_noise(rule):
    rng = np.random.default_rng(3)
    clean = cv2.GaussianBlur(rng.normal(128, 30, (256, 256)).astype(np.float32), (0, 0), 4.0)
    noisy = clean + rng.normal(0, 6.0, clean.shape).astype(np.float32)
    denoised = wavelet_denoise(noisy, levels=3, rule=rule)
    assert np.std(denoised - clean) < 0.75 * np.std(noisy - clean)


def test_wavelet_strips_match_the_whole_image(monkeypatch):
    rng = np.random.default_rng(4)
    lum = cv2.resize(natural_image("coffee"), (640, 520))[:, :, 1].astype(np.float32)
    lum += rng.normal(0, 3.0, lum.shape).astype(np.float32)
    whole = wavelet_denoise(lum, levels=3)
    monkeypatch.setattr(noise_residual_module, "_STRIP_PIXELS", 40_000)
    assert len(noise_residual_module._strips(lum.shape, 8, 32)) > 3
    pieces = wavelet_denoise(lum, levels=3)
    assert pieces.shape == whole.shape
    assert np.abs(pieces - whole).max() < 0.5  # only the pooled thresholds differ slightly


def test_even_median_kernel_is_refused():
    with pytest.raises(ValueError, match="odd"):
        median_denoise(np.zeros((8, 8), np.float32), 4)
    with pytest.raises(ValueError, match="odd"):
        run_analysis("noise_residual", Subject(np.zeros((8, 8, 3), np.uint8)), {"kernel": 4})


def test_unknown_denoiser_and_rule_are_refused():
    with pytest.raises(ValueError, match="denoiser"):
        noise_residual(np.zeros((8, 8), np.float32), "bilateral")
    with pytest.raises(ValueError, match="threshold rule"):
        wavelet_denoise(np.zeros((8, 8), np.float32), rule="sure")


def test_noisier_region_on_texture():
    forged, truth = add_noise_region(smooth_texture((384, 384)), (96, 96, 128, 128), sigma=8.0)
    raw = run_analysis("noise_residual", Subject(forged))
    assert raw.heatmap.dtype == np.float32 and raw.heatmap.shape == truth.shape
    assert raw.heatmap.min() >= 0.0 and raw.heatmap.max() <= 1.0
    # single pixels of |noise| overlap a lot (half-normal distributions): the raw map is only moderately separable
    assert pixel_auc(raw.heatmap, truth) >= 0.7
    smoothed = run_analysis("noise_residual", Subject(forged), {"smoothing": 8})
    assert pixel_auc(smoothed.heatmap, truth) >= 0.97


@pytest.mark.parametrize("denoiser", ["median", "wavelet"])
def test_noisier_region_on_photo(denoiser):
    forged, truth = add_noise_region(natural_image("astronaut"), (128, 128, 170, 170), sigma=8.0)
    finding = run_analysis("noise_residual", Subject(forged), {"denoiser": denoiser, "smoothing": 8})
    assert pixel_auc(finding.heatmap, truth) >= 0.85


@pytest.mark.parametrize("denoiser", ["median", "gaussian", "wavelet"])
def test_edge_cases_do_not_crash(denoiser):
    for img in edge_case_images():
        finding = run_analysis("noise_residual", Subject(img), {"denoiser": denoiser, "kernel": 5})
        assert finding.heatmap.shape == img.shape[:2]
        assert np.isfinite(finding.heatmap).all()
