"""Resampling detection: an enlarged, pasted region is found; an untouched texture stays quiet."""

from __future__ import annotations

import numpy as np
import pytest

from engines.evaluation.metrics import pixel_auc
from engines.forensics import Subject, get_analysis, run_analysis
from engines.forensics.resampling import (
    FIXED_WEIGHTS,
    block_periodicity,
    em_weights,
    null_ratio,
    probability_map,
)
from tests.engines.forensics._noise_forgeries import (
    edge_case_images,
    natural_image,
    paste_resampled,
    smooth_texture,
)

TEXTURE = smooth_texture((384, 384), blur=1.5, noise=2.0)
BOX = (96, 96, 192, 192)


def test_registered_in_detail_group():
    assert get_analysis("resampling").output == "map"


def test_white_noise_blocks_match_the_null_ratio():
    pmap = np.random.default_rng(5).random((256, 256)).astype(np.float32)
    ratios, rows, _ = block_periodicity(pmap, 64)
    assert ratios.shape == (7, 7) and rows[0] == pytest.approx(31.5)
    assert np.median(ratios) / null_ratio(64) == pytest.approx(1.0, abs=0.25)


def test_periodic_map_has_a_large_ratio():
    x = np.mgrid[0:128, 0:128][1]
    pmap = (0.5 + 0.4 * np.cos(2 * np.pi * x / 3)).astype(np.float32)
    ratios, _, _ = block_periodicity(pmap, 64)
    assert ratios.min() > 20 * null_ratio(64)


def test_jpeg_grid_frequencies_can_be_ignored():
    x = np.arange(256)[None, :].repeat(256, axis=0)
    noise = np.random.default_rng(6).random((256, 256)) * 0.5
    pmap = (noise + 0.1 * np.cos(2 * np.pi * x / 8)).astype(np.float32)  # period 8 = JPEG grid
    plain, _, _ = block_periodicity(pmap, 64)
    ignored, _, _ = block_periodicity(pmap, 64, ignore_grid=True)
    assert plain.min() > 10 * null_ratio(64) and ignored.max() < 2.5 * null_ratio(64)
    period3 = (noise + 0.1 * np.cos(2 * np.pi * x / 3)).astype(np.float32)  # not on the grid: still seen
    kept, _, _ = block_periodicity(period3, 64, ignore_grid=True)
    assert kept.min() > 10 * null_ratio(64)


def test_pasted_enlarged_region_on_texture():
    clean = run_analysis("resampling", Subject(TEXTURE))
    assert clean.mask.mean() <= 0.01
    forged, truth = paste_resampled(TEXTURE, BOX, 1.5)
    finding = run_analysis("resampling", Subject(forged))
    assert finding.heatmap.shape == truth.shape and finding.heatmap.dtype == np.float32
    assert pixel_auc(finding.heatmap, truth) >= 0.95
    assert finding.mask[truth].mean() >= 0.6
    assert finding.mask[~truth].mean() <= 0.05


def test_pasted_enlarged_region_on_photo():
    photo = natural_image("astronaut")
    forged, truth = paste_resampled(photo, (128, 128, 256, 256), 1.5)
    finding = run_analysis("resampling", Subject(forged))
    assert pixel_auc(finding.heatmap, truth) >= 0.85


def test_combined_predictor_also_finds_twofold_enlargement():
    forged, truth = paste_resampled(TEXTURE, BOX, 2.0)
    finding = run_analysis("resampling", Subject(forged), {"predictor": "combined"})
    assert pixel_auc(finding.heatmap, truth) >= 0.9


def test_em_predictor_finds_the_region():
    forged, truth = paste_resampled(TEXTURE, BOX, 1.5)
    finding = run_analysis("resampling", Subject(forged), {"predictor": "em"})
    assert pixel_auc(finding.heatmap, truth) >= 0.9


def test_em_weights_learn_a_smooth_predictor():
    kernel, sigma = em_weights(smooth_texture((128, 128), blur=2.0, noise=0.5)[:, :, 1].astype(np.float32))
    assert kernel.shape == (3, 3) and kernel[1, 1] == 0.0
    assert kernel.sum() == pytest.approx(1.0, abs=0.05)  # predicting a smooth image preserves the mean level
    assert 0.25 <= sigma < 3.0


def test_probability_map_is_one_where_the_prediction_is_exact():
    ramp = np.tile(np.arange(32, dtype=np.float32), (32, 1))
    pmap = probability_map(ramp, FIXED_WEIGHTS, 1.0)
    assert np.allclose(pmap[1:-1, 1:-1], 1.0)


@pytest.mark.parametrize("predictor", ["fixed", "difference", "combined", "em"])
def test_edge_cases_do_not_crash(predictor):
    for img in edge_case_images():
        finding = run_analysis("resampling", Subject(img), {"predictor": predictor})
        assert finding.heatmap.shape == img.shape[:2] and finding.mask.shape == img.shape[:2]
        assert np.isfinite(finding.heatmap).all()
