"""Block-based copy-move detector: translated copies in low-texture areas, clean originals, degenerate input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from skimage import data

from engines.evaluation.metrics import f1_score, pixel_auc
from engines.forensics import copy_move_blocks
from engines.forensics.ela import jpeg_roundtrip
from engines.forensics.registry import Subject, get_analysis, run_analysis
from engines.runtime.jobs import Cancelled, JobContext
from tests.engines.forensics._copy_move_forgeries import (
    low_texture_image,
    rotated_scaled_copy,
    textured_image,
    translated_copy,
)

# Measured with the defaults: F1 0.96-0.99 on lossless copies, 0.93 after JPEG quality 90.
F1_BOUND = 0.8


def _low_texture_forgery(seed: int = 1, noise: float = 2.0):
    return translated_copy(low_texture_image(seed=seed, noise=noise), (60, 60, 80, 70), (301, 187))


def _strongest_shift(finding):
    assert finding.details["shifts"], finding.summary
    return tuple(max(finding.details["shifts"], key=lambda s: s["votes"])["shift"])


@pytest.mark.parametrize("noise", [1.0, 2.0, 4.0])
def test_finds_translated_copy_of_a_low_texture_region(noise):
    forgery = _low_texture_forgery(noise=noise)
    finding = run_analysis("copy_move_blocks", Subject(forgery.image))
    assert f1_score(finding.mask, forgery.union) >= F1_BOUND
    assert pixel_auc(finding.heatmap, forgery.union) >= 0.9
    assert _strongest_shift(finding) == (301, 187)
    assert finding.score >= 0.5
    assert finding.summary.startswith("Copy-move found")


def test_keypoints_miss_the_low_texture_copy_that_blocks_find():
    forgery = _low_texture_forgery()
    assert not run_analysis("copy_move", Subject(forgery.image)).mask.any()
    assert run_analysis("copy_move_blocks", Subject(forgery.image)).mask.any()


def test_heatmap_marks_the_upper_copy_as_one_side_and_the_lower_as_the_other():
    forgery = _low_texture_forgery()
    finding = run_analysis("copy_move_blocks", Subject(forgery.image))
    # shifts are reported pointing down (or right), so the lower region is the 1.0 side
    assert float(np.median(finding.heatmap[forgery.source])) == 0.5
    assert float(np.median(finding.heatmap[forgery.target])) == 1.0
    assert finding.heatmap.dtype == np.float32 and finding.mask.dtype == bool


@pytest.mark.parametrize(
    ("image", "box", "shift"),
    [
        (data.astronaut(), (20, 20, 80, 80), (377, 221)),  # dark, nearly flat background
        (textured_image(), (60, 60, 80, 70), (301, 187)),
    ],
    ids=["astronaut", "textured"],
)
def test_finds_translated_copy_in_other_content(image, box, shift):
    forgery = translated_copy(image, box, shift)
    finding = run_analysis("copy_move_blocks", Subject(forgery.image))
    assert f1_score(finding.mask, forgery.union) >= F1_BOUND
    assert _strongest_shift(finding) == shift


def test_survives_jpeg_recompression():
    forgery = _low_texture_forgery()
    finding = run_analysis("copy_move_blocks", Subject(jpeg_roundtrip(forgery.image, 90)))
    assert f1_score(finding.mask, forgery.union) >= F1_BOUND


def test_large_image_is_shrunk_then_refined_at_full_size():
    image = low_texture_image(900, 1200, seed=4, noise=2.0)
    forgery = translated_copy(image, (150, 120, 200, 170), (757, 561))
    finding = run_analysis("copy_move_blocks", Subject(forgery.image))
    assert finding.details["working_scale"] < 0.5
    assert finding.mask.shape == forgery.union.shape
    assert f1_score(finding.mask, forgery.union) >= F1_BOUND
    assert _strongest_shift(finding) == (757, 561)  # exact although found on a copy shrunk ~2.3x


@pytest.mark.parametrize(
    "image",
    [data.astronaut(), data.coffee(), data.chelsea(), low_texture_image(seed=10), textured_image(seed=5)],
    ids=["astronaut", "coffee", "chelsea", "low-texture", "textured"],
)
def test_untouched_original_gives_empty_mask_and_low_score(image):
    finding = run_analysis("copy_move_blocks", Subject(image))
    assert finding.mask.mean() <= 0.001
    assert finding.score <= 0.1
    assert finding.summary.startswith("No copy-move found")


def test_strict_vote_count_rejects_the_copy():
    forgery = _low_texture_forgery()
    finding = run_analysis("copy_move_blocks", Subject(forgery.image), {"min_votes": 100000})
    assert not finding.mask.any()
    assert finding.score == 0.0


def test_not_rotation_invariant():
    forgery = rotated_scaled_copy(low_texture_image(seed=2), (120, 120), (380, 260), 50, 15.0, 1.1)
    finding = run_analysis("copy_move_blocks", Subject(forgery.image))
    assert f1_score(finding.mask, forgery.union) < 0.3  # documented limitation: translation only


def _smooth_gradient(height: int, width: int) -> np.ndarray:
    ramp = (
        np.linspace(20, 235, width, dtype=np.float32)[None, :] + np.linspace(0, 15, height, dtype=np.float32)[:, None]
    )
    return np.repeat(ramp[:, :, None], 3, axis=2).astype(np.uint8)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((1, 1, 3), np.uint8),
        np.full((20, 24, 3), 90, np.uint8),
        np.full((256, 320, 3), 128, np.uint8),
        _smooth_gradient(256, 320),
    ],
    ids=["one-pixel", "tiny", "flat-grey", "smooth-gradient"],
)
def test_featureless_images_give_no_finding(image):
    finding = run_analysis("copy_move_blocks", Subject(image))
    assert finding.mask.shape == image.shape[:2]
    assert not finding.mask.any()
    assert finding.score == 0.0
    assert finding.summary.startswith("No copy-move found")
    json.dumps(finding.to_json())


def test_smooth_gradient_matches_are_rejected_by_the_detail_check():
    # every block of a clean gradient matches blocks along its iso-lines; only the detail check stops them
    finding = run_analysis("copy_move_blocks", Subject(_smooth_gradient(256, 320)))
    assert finding.details["rejected_shifts"] > 0
    assert not finding.mask.any()


def test_block_features_see_a_copied_block_as_identical():
    grey = low_texture_image(seed=3)[:, :, 1].astype(np.float32)
    grey[100:116, 200:216] = grey[10:26, 30:46]
    features, positions, _ = copy_move_blocks.block_features(grey, 16, 1)
    index = {tuple(p): i for i, p in enumerate(positions.tolist())}
    assert np.allclose(features[index[(200, 100)]], features[index[(30, 10)]], atol=1e-3)
    assert not np.allclose(features[index[(201, 100)]], features[index[(30, 10)]], atol=1e-3)


def test_cancellation_is_honoured():
    context = JobContext()
    context.cancel()
    analysis = get_analysis("copy_move_blocks")
    with pytest.raises(Cancelled):
        analysis.run(context, Subject(_low_texture_forgery().image), {p.name: p.default for p in analysis.params})
