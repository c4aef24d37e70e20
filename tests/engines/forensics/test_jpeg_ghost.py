"""JPEG ghosts: a region saved earlier at a lower quality is found at that quality; untouched images stay quiet."""

import numpy as np
import pytest

from engines.evaluation.metrics import pixel_auc
from engines.forensics.jpeg_ghost import luma_roundtrip, qualities
from engines.forensics.registry import Subject, run_analysis
from tests.engines.forensics._jpeg_forgeries import ghost_splice, single_jpeg

# Measured on these 384×384 forgeries: AUC 0.98 (60→90), 0.97 (80→90), 0.97 (70→85). Bound stated: 0.9.
AUC_BOUND = 0.9


def _ghost(image, **params):
    return run_analysis("jpeg_ghost", Subject(image=image), params)


@pytest.mark.parametrize(("q_region", "q_final"), [(60, 90), (80, 90), (70, 85)])
def test_ghost_region_is_found_at_its_first_quality(q_region, q_final):
    image, mask, _ = ghost_splice(q_region, q_final)
    finding = _ghost(image)
    assert finding.heatmap.shape == mask.shape and finding.heatmap.dtype == np.float32
    assert 0.0 <= finding.heatmap.min() and finding.heatmap.max() <= 1.0
    assert pixel_auc(finding.heatmap, mask) >= AUC_BOUND
    assert finding.details["shown_quality"] == q_region
    assert f"Ghost at quality {q_region}" in finding.summary
    assert finding.score is not None and finding.score > 0.8


def test_untouched_single_save_stays_quiet():
    image, _ = single_jpeg(90)
    finding = _ghost(image)
    assert float((finding.heatmap > 0.5).mean()) < 0.01
    assert finding.score < 0.5
    assert "No clear ghost" in finding.summary
    forged = _ghost(ghost_splice(60, 90)[0])
    assert forged.heatmap.mean() > 3 * finding.heatmap.mean()


def test_curves_and_last_save_quality():
    image, _ = single_jpeg(85)
    finding = _ghost(image, q_min=50, q_max=95, q_step=5)
    curve = finding.plots[0]
    assert list(curve.x) == qualities(50, 95, 5)
    assert curve.x[int(np.argmin(curve.y))] == 85  # re-saving at the last quality changes least
    assert "quality ≈ 85" in finding.summary


def test_chosen_quality_is_shown():
    image, mask, _ = ghost_splice(60, 90)
    shown = _ghost(image, show_quality=61)  # nearest sweep quality is used
    assert shown.details["shown_quality"] == 60
    assert pixel_auc(shown.heatmap, mask) >= AUC_BOUND
    other = _ghost(image, show_quality=75)
    assert other.details["shown_quality"] == 75
    assert pixel_auc(other.heatmap, mask) < pixel_auc(shown.heatmap, mask)


def test_quality_sweep_helper():
    assert qualities(50, 95, 5) == [50, 55, 60, 65, 70, 75, 80, 85, 90, 95]
    assert qualities(50, 93, 10) == [50, 60, 70, 80, 90, 93]


def test_luma_roundtrip_is_lossy_but_close():
    plane = single_jpeg(90)[0][..., 1].copy()
    out = luma_roundtrip(plane, 50)
    assert out.shape == plane.shape and out.dtype == np.uint8
    assert 0 < np.abs(out.astype(int) - plane).mean() < 10


@pytest.mark.parametrize(
    "image",
    [np.zeros((8, 8, 3), np.uint8), np.full((64, 64, 3), 128, np.uint8), np.zeros((20, 300, 3), np.uint8)],
    ids=["tiny", "flat", "thin"],
)
def test_bad_input_gives_an_empty_map(image):
    finding = _ghost(image)
    assert finding.heatmap.shape == image.shape[:2]
    assert float(finding.heatmap.max()) == 0.0


def test_inverted_range_is_an_error():
    with pytest.raises(ValueError, match="q_min"):
        _ghost(np.zeros((64, 64, 3), np.uint8), q_min=90, q_max=60)
