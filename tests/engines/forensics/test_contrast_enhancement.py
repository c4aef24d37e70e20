"""Contrast enhancement: a gamma-adjusted 8-bit image scores far higher than the original."""

from __future__ import annotations

import numpy as np
import pytest

from engines.forensics import Subject, get_analysis, run_analysis
from engines.forensics.contrast_enhancement import high_frequency_share, histogram_stats
from tests.engines.forensics._noise_forgeries import edge_case_images, gamma_correct, natural_image


def test_registered_as_plot():
    analysis = get_analysis("contrast_enhancement")
    assert analysis.group == "Detail and colour" and analysis.output == "plot"


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "coffee"])
def test_gamma_corrected_image_scores_clearly_higher(name):
    original = natural_image(name)
    before = run_analysis("contrast_enhancement", Subject(original))
    after = run_analysis("contrast_enhancement", Subject(gamma_correct(original, 0.7)))
    assert before.score <= 0.3
    assert after.score >= 0.9
    assert after.details["green"]["gaps"] > before.details["green"]["gaps"] + 10


def test_gaps_and_peaks_known_answer():
    values = np.arange(50, 150, 2, dtype=np.uint8)  # only even levels from 50 to 148
    img = np.repeat(np.repeat(values[None, :], 20, axis=0)[:, :, None], 3, axis=2)
    stats = histogram_stats("test", img[:, :, 0])
    assert stats.occupied == 99 and stats.gaps == 49
    assert stats.histogram.sum() == img[:, :, 0].size

    smooth = np.repeat(np.arange(256, dtype=np.uint8), 10)
    doubled = np.concatenate([smooth, np.full(10, 100, np.uint8)])  # level 100 twice as common
    assert histogram_stats("d", doubled[None, :]).peaks == 1
    assert histogram_stats("s", smooth[None, :]).peaks == 0


def test_comb_histogram_has_more_high_frequency_than_a_smooth_one():
    smooth = np.exp(-0.5 * ((np.arange(256) - 128) / 40.0) ** 2)
    comb = smooth.copy()
    comb[1::2] = 0
    assert high_frequency_share(smooth) < 0.05
    assert high_frequency_share(comb) > 0.4


def test_plots_are_the_four_histograms():
    img = natural_image("astronaut")
    finding = run_analysis("contrast_enhancement", Subject(img))
    assert [p.title for p in finding.plots] == [
        "Luminance histogram",
        "Red histogram",
        "Green histogram",
        "Blue histogram",
    ]
    for plot in finding.plots:
        assert len(plot.x) == len(plot.y) == 256
        assert plot.y.sum() == img.shape[0] * img.shape[1]
    assert np.array_equal(finding.plots[1].y, np.bincount(img[:, :, 0].ravel(), minlength=256))


def test_flat_and_tiny_images_are_not_judged():
    for img in edge_case_images():
        finding = run_analysis("contrast_enhancement", Subject(img))
        assert finding.score is None or 0.0 <= finding.score <= 1.0
    flat = run_analysis("contrast_enhancement", Subject(np.full((32, 32, 3), 7, np.uint8)))
    assert flat.score is None and "too few" in flat.summary
