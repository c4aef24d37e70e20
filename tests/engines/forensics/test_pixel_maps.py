"""Helpers shared by the noise and detail analyses: input checks, contrast stretch, block grids."""

from __future__ import annotations

import numpy as np
import pytest

from engines.forensics import Subject, run_analysis
from engines.forensics._pixel_maps import (
    block_centres,
    block_starts,
    check_rgb,
    grid_to_map,
    luminance,
    stretch,
)
from engines.runtime.jobs import Cancelled, JobContext


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((8, 8), np.uint8),
        np.zeros((8, 8, 4), np.uint8),
        np.zeros((8, 8, 3), np.float32),
        np.zeros((0, 8, 3), np.uint8),
    ],
    ids=["grey", "rgba", "float", "empty"],
)
def test_check_rgb_refuses_bad_input(bad):
    with pytest.raises(ValueError):
        check_rgb(bad)


def test_luminance_is_rec601_without_rounding():
    img = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [1, 2, 2]]], np.uint8)
    assert np.allclose(luminance(img)[0], [0.299 * 255, 0.587 * 255, 0.114 * 255, 0.299 + 2 * 0.701], atol=1e-2)


def test_stretch_maps_percentiles_to_zero_and_one():
    values = np.arange(101, dtype=np.float32).reshape(1, -1)
    out = stretch(values, 10.0, 90.0)
    assert out.dtype == np.float32
    assert out[0, 10] == pytest.approx(0.0) and out[0, 90] == pytest.approx(1.0)
    assert out[0, 50] == pytest.approx(0.5) and out.min() == 0.0 and out.max() == 1.0


def test_stretch_of_a_constant_map_is_zero():
    assert np.all(stretch(np.full((5, 5), 3.0)) == 0.0)
    assert np.all(stretch(np.full((5, 5), np.nan)) == 0.0)


def test_block_starts_cover_the_length():
    assert block_starts(100, 32, 16).tolist() == [0, 16, 32, 48, 64, 68]
    assert block_starts(20, 32, 16).tolist() == [0]
    assert block_centres(64, 32, 32).tolist() == [15.5, 47.5]


def test_grid_to_map_hits_the_grid_at_block_centres():
    grid = np.array([[0.0, 1.0], [2.0, 3.0]], np.float32)
    rows = cols = np.array([15.5, 47.5], np.float32)
    out = grid_to_map(grid, rows, cols, (64, 64))
    assert out.shape == (64, 64)
    assert out[0, 0] == pytest.approx(0.0) and out[63, 63] == pytest.approx(3.0)  # held beyond the centres
    assert out[31, 31] == pytest.approx(1.5, abs=0.05)  # bilinear in between
    assert out[15, 63] == pytest.approx(1.0, abs=0.05)


def test_grid_to_map_refuses_mismatched_centres():
    with pytest.raises(ValueError, match="centres"):
        grid_to_map(np.zeros((2, 2)), np.zeros(3), np.zeros(2), (8, 8))


NOISE_AND_DETAIL = (
    "noise_residual",
    "noise_level",
    "noise_inconsistency",
    "luminance_gradient",
    "pca",
    "spectrum",
    "resampling",
    "cfa",
    "contrast_enhancement",
    "bit_planes",
)


@pytest.mark.parametrize("analysis_id", NOISE_AND_DETAIL)
def test_analyses_report_progress_and_honour_cancel(analysis_id):
    img = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    seen: list[float] = []
    finding = run_analysis(analysis_id, Subject(img), context=JobContext(lambda f, _m: seen.append(f)))
    assert finding.engine == analysis_id and finding.summary
    assert seen and all(0.0 <= f <= 1.0 for f in seen)
    cancelled = JobContext()
    cancelled.cancel()
    with pytest.raises(Cancelled):
        run_analysis(analysis_id, Subject(img), context=cancelled)
