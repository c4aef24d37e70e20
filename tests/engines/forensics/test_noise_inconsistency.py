"""Noise inconsistency: a region with extra noise is flagged, untouched images stay quiet."""

from __future__ import annotations

import numpy as np
import pytest

from engines.evaluation.metrics import pixel_auc
from engines.forensics import Subject, get_analysis, run_analysis
from engines.forensics.noise_inconsistency import largest_region_fraction, robust_z
from tests.engines.forensics._noise_forgeries import (
    add_noise_region,
    edge_case_images,
    natural_image,
    smooth_texture,
)


def test_registered_with_mask_output():
    analysis = get_analysis("noise_inconsistency")
    assert analysis.group == "Noise" and analysis.output == "mask"


def test_robust_z_known_answer():
    values = np.log(np.array([2.0, 2.0, 2.0, 2.2, 1.8, 8.0]))
    z, centre, spread = robust_z(values, min_spread=0.0)
    assert centre == pytest.approx(np.log(2.0))
    # absolute deviations sorted: 0, 0, 0, ln 1.1, ln(1/0.9), ln 4 → median = ln(1.1) / 2
    assert spread == pytest.approx(1.4826 * np.log(1.1) / 2)
    assert z[-1] > 10 and np.all(np.abs(z[:3]) < 1e-6)
    # a uniform image gets the floor spread instead of dividing by zero
    z, _, spread = robust_z(np.zeros(10))
    assert spread > 0 and np.all(z == 0)


def test_largest_region_fraction():
    mask = np.zeros((10, 10), bool)
    mask[0:2, 0:2] = True
    mask[5:9, 5:9] = True
    assert largest_region_fraction(mask) == pytest.approx(0.16)
    assert largest_region_fraction(np.zeros((4, 4), bool)) == 0.0


def test_texture_with_noisy_region_is_found_and_clean_texture_is_quiet():
    texture = smooth_texture((384, 384))
    clean = run_analysis("noise_inconsistency", Subject(texture))
    assert clean.mask.mean() <= 0.01
    assert clean.score <= 0.3

    forged, truth = add_noise_region(texture, (96, 96, 128, 128), sigma=8.0)
    finding = run_analysis("noise_inconsistency", Subject(forged))
    assert finding.heatmap.dtype == np.float32 and finding.mask.dtype == bool
    assert pixel_auc(finding.heatmap, truth) >= 0.97
    assert finding.mask[truth].mean() >= 0.8  # recall
    assert finding.mask[~truth].mean() <= 0.02  # false alarms
    assert finding.score >= 0.9


def test_photo_with_noisy_region():
    photo = natural_image("astronaut")
    clean = run_analysis("noise_inconsistency", Subject(photo))
    assert clean.mask.mean() <= 0.08  # measured 0.04: textured and clipped areas are the residue
    forged, truth = add_noise_region(photo, (128, 128, 170, 170), sigma=8.0)
    finding = run_analysis("noise_inconsistency", Subject(forged))
    assert pixel_auc(finding.heatmap, truth) >= 0.85
    noisier = run_analysis("noise_inconsistency", Subject(forged), {"direction": "noisier"})
    assert pixel_auc(noisier.heatmap, truth) >= 0.9


def test_direction_cleaner_ignores_a_noisier_region():
    forged, truth = add_noise_region(smooth_texture((256, 256)), (64, 64, 96, 96), sigma=8.0)
    finding = run_analysis("noise_inconsistency", Subject(forged), {"direction": "cleaner"})
    assert finding.mask[truth].mean() == 0.0


def test_clipped_areas_are_not_flagged():
    img = smooth_texture((256, 256))
    img[:, :96] = 0  # a black, clipped band has no measurable noise
    finding = run_analysis("noise_inconsistency", Subject(img))
    assert finding.mask[:, :80].mean() == 0.0


def test_threshold_controls_the_mask():
    forged, _ = add_noise_region(natural_image("astronaut"), (128, 128, 170, 170), sigma=8.0)
    loose = run_analysis("noise_inconsistency", Subject(forged), {"threshold": 1.5})
    strict = run_analysis("noise_inconsistency", Subject(forged), {"threshold": 6.0})
    assert loose.mask.mean() > strict.mask.mean()
    assert np.all(strict.mask <= loose.mask)


def test_edge_cases_do_not_crash():
    for img in edge_case_images():
        finding = run_analysis("noise_inconsistency", Subject(img))
        assert finding.mask.shape == img.shape[:2]
        assert 0.0 <= finding.score <= 1.0
    flat = run_analysis("noise_inconsistency", Subject(np.full((64, 64, 3), 128, np.uint8)))
    assert not flat.mask.any()
