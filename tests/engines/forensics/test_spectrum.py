"""Frequency spectrum: interpolation leaves a peak at the right frequency; an untouched texture has none."""

from __future__ import annotations

import numpy as np
import pytest

from engines.forensics import Subject, get_analysis, run_analysis
from engines.forensics.spectrum import Peak, high_pass_residuals, radial_average, tile_corners
from tests.engines.forensics._noise_forgeries import edge_case_images, smooth_texture, upsample

TEXTURE = smooth_texture((512, 512), seed=3)


def _peaks(finding):
    return [(p["fx"], p["fy"]) for p in finding.details["peaks"]]


def test_registered_as_plot():
    analysis = get_analysis("spectrum")
    assert analysis.group == "Detail and colour" and analysis.output == "plot"


def test_original_texture_has_no_peak():
    finding = run_analysis("spectrum", Subject(TEXTURE))
    assert finding.details["peaks"] == []
    assert finding.score == 0.0


def test_twice_upsampled_texture_peaks_at_nyquist():
    finding = run_analysis("spectrum", Subject(upsample(TEXTURE[:256, :256], 2.0)))
    peaks = _peaks(finding)
    assert (0.5, 0.0) in peaks and (0.0, 0.5) in peaks
    assert finding.score > 0.8
    assert "period 2" in finding.details["peaks"][0]["cause"]


def test_one_and_a_half_upsampling_peaks_at_one_third():
    finding = run_analysis("spectrum", Subject(upsample(TEXTURE[:342, :342], 1.5)))
    strongest = finding.details["peaks"][0]
    assert max(abs(strongest["fx"]), abs(strongest["fy"])) == pytest.approx(1 / 3, abs=0.01)
    assert strongest["period"] == pytest.approx(3.0, abs=0.1)


def test_heatmap_and_plot_shapes():
    finding = run_analysis("spectrum", Subject(TEXTURE), {"tile": 256})
    assert finding.heatmap.shape == (256, 256) and finding.heatmap.dtype == np.float32
    assert finding.heatmap.min() >= 0 and finding.heatmap.max() <= 1
    # the centre (DC, lowest frequencies) of a smooth texture is the brightest part
    assert finding.heatmap[128, 128] > 0.9
    (plot,) = finding.plots
    assert len(plot.x) == len(plot.y) and 0 < plot.x[0] < plot.x[-1] <= 0.5
    assert plot.y[0] > plot.y[-1]  # smooth texture: energy falls with frequency


def test_radial_average_of_white_power_is_flat():
    freq, mean = radial_average(np.ones((64, 64), np.float32), bins=8)
    assert len(freq) == 8 and np.allclose(mean, 1.0)


def test_tile_corners_stay_inside_and_are_capped():
    corners = tile_corners((1000, 700), 256, max_tiles=4)
    assert len(corners) == 4
    assert all(0 <= y <= 1000 - 256 and 0 <= x <= 700 - 256 for y, x in corners)


def test_high_pass_residuals_of_a_ramp():
    ramp = np.tile(np.arange(10, dtype=np.float32) * 3.0, (10, 1))[None]  # one 8×8 tile with 1 px of context
    dx, dy, lap = high_pass_residuals(ramp)
    assert dx.shape == (1, 8, 8)
    assert np.all(dx == 3.0) and np.all(dy == 0.0) and np.all(lap == 0.0)


def test_peak_cause_labels():
    assert "JPEG" in Peak(0.125, 0.0, 100.0).cause()
    assert "period 2" in Peak(0.5, 0.5, 100.0).cause()
    assert "resampling" in Peak(1 / 3, 0.0, 100.0).cause()


def test_edge_cases_do_not_crash():
    for img in edge_case_images():
        finding = run_analysis("spectrum", Subject(img))
        assert finding.summary
    flat = run_analysis("spectrum", Subject(np.full((128, 128, 3), 60, np.uint8)))
    assert flat.details["peaks"] == [] and flat.score == 0.0
