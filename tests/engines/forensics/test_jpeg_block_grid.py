"""Block artifact grid: a piece of another JPEG pasted with a shifted grid is bright; untouched JPEGs are quiet."""

import numpy as np
import pytest

from engines.evaluation.metrics import pixel_auc
from engines.forensics.block_grid import border_strength, misalignment, phase_profiles, second_differences
from engines.forensics.registry import Subject, run_analysis
from tests.engines.forensics._jpeg_forgeries import natural_image, shifted_grid_splice, single_jpeg

# Measured on these 384×384 forgeries (default 64-px window): AUC 0.97 for a (3, 5) shift at q75, 0.95 for (0, 4),
# 0.89 at q90 where the blocking is faint. Bound stated: 0.9 at q75 and below.
AUC_BOUND = 0.9


def _grid(image, **params):
    return run_analysis("block_grid", Subject(image=image), params)


@pytest.mark.parametrize(("quality", "shift"), [(75, (3, 5)), (75, (0, 4)), (60, (3, 5))])
def test_shifted_grid_region_is_bright(quality, shift):
    image, mask = shifted_grid_splice(quality, quality, shift)
    finding = _grid(image)
    assert finding.details["grid"] == [0, 0]
    assert finding.heatmap.shape == mask.shape and finding.heatmap.dtype == np.float32
    assert 0.0 <= finding.heatmap.min() and finding.heatmap.max() <= 1.0
    assert pixel_auc(finding.heatmap, mask) >= AUC_BOUND
    untouched = _grid(single_jpeg(quality)[0])
    assert finding.heatmap[mask].mean() > 3 * untouched.heatmap.mean()


def test_untouched_jpeg_is_quiet():
    finding = _grid(single_jpeg(75)[0])
    assert float((finding.heatmap > 0.5).mean()) < 0.02
    assert float((finding.heatmap > 0.75).mean()) < 0.005


def test_grid_position_follows_a_crop():
    image = single_jpeg(70, (400, 400))[0][5:, 2:]  # blocks now start at (3, 6)
    assert _grid(image).details["grid"] == [3, 6]


def test_never_compressed_image_has_no_grid():
    finding = _grid(natural_image())
    assert "No JPEG blocking grid" in finding.summary
    assert float(finding.heatmap.max()) == 0.0


def test_phase_profile_of_a_synthetic_block_grid():
    # flat 8×8 blocks of alternating level: every block border is a step, between columns 7|8, 15|16, …
    rows_index, cols_index = np.indices((64, 64))
    levels = ((rows_index // 8 + cols_index // 8) % 2 * 4).astype(np.float32)
    horizontal, vertical = second_differences(levels, cap=100.0)
    columns = phase_profiles(horizontal, axis=1).sum(axis=(0, 1))
    rows = phase_profiles(vertical, axis=0).sum(axis=(0, 1))
    assert int(np.argmax(border_strength(columns))) == 0 and int(np.argmax(border_strength(rows))) == 0
    assert misalignment(border_strength(columns), 0) < 0 < misalignment(border_strength(columns), 3)


def test_cap_limits_edges():
    step = np.zeros((8, 8), np.float32)
    step[:, 4:] = 200
    horizontal, _ = second_differences(step, cap=6.0)
    assert horizontal.max() == 6.0


@pytest.mark.parametrize(
    "image",
    [np.zeros((8, 8, 3), np.uint8), np.full((64, 64, 3), 128, np.uint8), np.zeros((40, 400, 3), np.uint8)],
    ids=["tiny", "flat", "strip"],
)
def test_bad_input_gives_an_empty_map(image):
    finding = _grid(image)
    assert finding.heatmap.shape == image.shape[:2]
    assert float(finding.heatmap.max()) == 0.0
