"""CFA traces: a demosaiced image with a pasted non-demosaiced or blurred region; the Bayer layout is recovered."""

from __future__ import annotations

import numpy as np
import pytest

from engines.evaluation.metrics import pixel_auc
from engines.forensics import Subject, get_analysis, run_analysis
from engines.forensics.cfa import cfa_trace
from tests.engines.forensics._noise_forgeries import (
    bayer_demosaic,
    edge_case_images,
    natural_image,
    paste_blurred,
    smooth_texture,
)

SOURCE = smooth_texture((384, 384), blur=1.5, noise=2.0)
DEMOSAICED = bayer_demosaic(SOURCE)
BOX = (96, 96, 192, 192)


def test_registered_in_detail_group():
    assert get_analysis("cfa").group == "Detail and colour"


@pytest.mark.parametrize(
    ("rows", "cols", "pattern"),
    [(0, 0, "RGGB"), (0, 1, "GRBG"), (1, 0, "GBRG"), (1, 1, "BGGR")],
)
def test_bayer_layout_is_recovered(rows, cols, pattern):
    assert cfa_trace(DEMOSAICED[rows:, cols:]).pattern == pattern


def test_authentic_demosaiced_image_is_quiet():
    finding = run_analysis("cfa", Subject(DEMOSAICED))
    assert finding.details["median_trace"] > 2.0
    assert finding.mask.mean() <= 0.01 and finding.score <= 0.3


def test_pasted_non_demosaiced_region():
    forged, truth = paste_blurred(DEMOSAICED, BOX, SOURCE)
    finding = run_analysis("cfa", Subject(forged))
    assert finding.heatmap.shape == truth.shape and finding.heatmap.dtype == np.float32
    assert pixel_auc(finding.heatmap, truth) >= 0.95
    assert finding.mask[truth].mean() >= 0.9
    assert finding.mask[~truth].mean() <= 0.1  # the block grid spills a little across the border
    assert finding.score >= 0.9


def test_blurred_region():
    forged, truth = paste_blurred(DEMOSAICED, BOX, DEMOSAICED, blur=1.0)
    finding = run_analysis("cfa", Subject(forged))
    assert pixel_auc(finding.heatmap, truth) >= 0.95


def test_photo_with_pasted_region():
    photo = natural_image("astronaut")
    demosaiced = bayer_demosaic(photo)
    forged, truth = paste_blurred(demosaiced, (128, 128, 256, 256), photo)
    finding = run_analysis("cfa", Subject(forged))
    assert pixel_auc(finding.heatmap, truth) >= 0.9


def test_image_without_any_trace_is_reported_not_mapped():
    finding = run_analysis("cfa", Subject(SOURCE))
    assert finding.details["median_trace"] < 0.5
    assert "No demosaicing trace" in finding.summary
    assert finding.score == 0.0 and not finding.mask.any()


def test_edge_cases_do_not_crash():
    for img in edge_case_images():
        finding = run_analysis("cfa", Subject(img))
        assert finding.heatmap.shape == img.shape[:2]
        assert np.isfinite(finding.heatmap).all()
