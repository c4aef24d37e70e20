"""Error level sweep: a never-compressed region in a JPEG stands out; the curve's minimum is the last quality."""

import numpy as np
import pytest

from engines.evaluation.metrics import pixel_auc
from engines.forensics.ela import error_level
from engines.forensics.ela_sweep import error_level_fast
from engines.forensics.registry import Subject, run_analysis
from tests.engines.forensics._jpeg_forgeries import fresh_region_splice, ghost_splice, single_jpeg

# Measured on these 384×384 forgeries: 'max' AUC 0.83 (70→95 fresh region), 'variability' AUC 0.82 (60→90 ghost).
# ELA stays texture-bound, so the bound is lower than for the other JPEG analyses: 0.75.
AUC_BOUND = 0.75


def _sweep(image, **params):
    return run_analysis("ela_sweep", Subject(image=image), params)


def test_fast_error_level_equals_ela_error_level():
    image, _ = single_jpeg(80)
    np.testing.assert_array_equal(error_level_fast(image, 75), error_level(image, 75, 1.0))


def test_fresh_region_stands_out_under_max():
    image, mask, _ = fresh_region_splice(70, 95)
    finding = _sweep(image)
    assert finding.heatmap.shape == mask.shape and finding.heatmap.dtype == np.float32
    assert 0.0 <= finding.heatmap.min() and finding.heatmap.max() <= 1.0
    assert pixel_auc(finding.heatmap, mask) >= AUC_BOUND
    untouched = _sweep(single_jpeg(95)[0])
    assert finding.heatmap[mask].mean() > 2.5 * untouched.heatmap.mean()


def test_ghost_region_stands_out_under_variability():
    image, mask, _ = ghost_splice(60, 90)
    finding = _sweep(image, reduce="variability")
    assert pixel_auc(finding.heatmap, mask) >= AUC_BOUND
    untouched = _sweep(single_jpeg(90)[0], reduce="variability")
    assert finding.heatmap[mask].mean() > 1.5 * untouched.heatmap.mean()
    assert float((untouched.heatmap > 0.5).mean()) < 0.1


@pytest.mark.parametrize("quality", [75, 90])
def test_error_curve_is_lowest_at_the_last_save_quality(quality):
    image, _ = single_jpeg(quality)
    finding = _sweep(image, q_min=70, q_max=95, q_step=5)
    (plot,) = finding.plots
    assert list(plot.x) == [70, 75, 80, 85, 90, 95]
    assert plot.x[int(np.argmin(plot.y))] == quality
    assert f"quality {quality}" in finding.summary


@pytest.mark.parametrize(
    "image",
    [np.zeros((8, 8, 3), np.uint8), np.full((64, 64, 3), 128, np.uint8), np.zeros((1, 40, 3), np.uint8)],
    ids=["tiny", "flat", "one-row"],
)
@pytest.mark.parametrize("reduce", ["max", "variability"])
def test_bad_input_does_not_crash(image, reduce):
    finding = _sweep(image, reduce=reduce)
    assert finding.heatmap.shape == image.shape[:2]
    assert np.isfinite(finding.heatmap).all()


def test_inverted_range_is_an_error():
    with pytest.raises(ValueError, match="q_min"):
        _sweep(np.zeros((64, 64, 3), np.uint8), q_min=95, q_max=70)
