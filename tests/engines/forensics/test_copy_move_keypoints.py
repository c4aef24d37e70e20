"""Keypoint copy-move detector: known rotated and scaled copies, clean originals, degenerate input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from skimage import data

from engines.evaluation.metrics import f1_score, pixel_auc
from engines.forensics import copy_move_keypoints
from engines.forensics._copy_move_regions import working_grey
from engines.forensics.registry import Subject, get_analysis, run_analysis
from engines.runtime.jobs import Cancelled, JobContext
from tests.engines.forensics._copy_move_forgeries import rotated_scaled_copy, textured_image, translated_copy

# Measured with the defaults (SIFT): F1 0.96 / 0.85 / 0.96, rotation within 0.1°, scale within 0.001.
F1_BOUND = 0.7
AUC_BOUND = 0.85
ROTATION_TOLERANCE = 3.0
SCALE_TOLERANCE = 0.05

FORGERIES = {
    "astronaut": lambda: rotated_scaled_copy(data.astronaut(), (130, 380), (400, 120), 55, 15.0, 1.1),
    "coffee": lambda: rotated_scaled_copy(data.coffee(), (360, 290), (90, 120), 45, 15.0, 1.1),
    "textured": lambda: rotated_scaled_copy(textured_image(), (120, 120), (380, 260), 60, 15.0, 1.1),
}


def _strongest(finding):
    confirmed = [t for t in finding.details["transforms"] if t["confirmed"]]
    assert confirmed, finding.summary
    return max(confirmed, key=lambda t: t["inliers"])


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_finds_rotated_and_scaled_copy(name):
    forgery = FORGERIES[name]()
    finding = run_analysis("copy_move", Subject(forgery.image))
    assert f1_score(finding.mask, forgery.union) >= F1_BOUND
    assert pixel_auc(finding.heatmap, forgery.union) >= AUC_BOUND
    strongest = _strongest(finding)
    assert abs(strongest["rotation_deg"] - 15.0) <= ROTATION_TOLERANCE
    assert abs(strongest["scale"] - 1.1) <= SCALE_TOLERANCE
    assert finding.score >= 0.5
    assert finding.summary.startswith("Copy-move found")


def test_orb_detector_also_recovers_the_transform():
    forgery = FORGERIES["astronaut"]()
    finding = run_analysis("copy_move", Subject(forgery.image), {"detector": "ORB"})
    assert finding.details["ratio"] == 0.75  # automatic ratio for binary descriptors
    assert f1_score(finding.mask, forgery.union) >= F1_BOUND
    strongest = _strongest(finding)
    assert abs(strongest["rotation_deg"] - 15.0) <= ROTATION_TOLERANCE
    assert abs(strongest["scale"] - 1.1) <= SCALE_TOLERANCE


def test_heatmap_separates_the_two_sides_and_matrix_matches_truth():
    forgery = FORGERIES["textured"]()
    finding = run_analysis("copy_move", Subject(forgery.image))
    # an enlarging transform is reported source -> target, so the copy is the 1.0 side
    assert float(np.median(finding.heatmap[forgery.target])) == 1.0
    assert float(np.median(finding.heatmap[forgery.source])) == 0.5
    assert finding.heatmap.dtype == np.float32 and finding.mask.dtype == bool
    matrix = np.array(_strongest(finding)["matrix"])
    assert np.allclose(matrix[:, :2], forgery.matrix[:, :2], atol=0.03)
    assert np.allclose(matrix[:, 2], forgery.matrix[:, 2], atol=4.0)


def test_reported_transform_is_in_original_pixels_when_working_on_a_shrunk_copy():
    image = textured_image(800, 1000, seed=3)
    forgery = rotated_scaled_copy(image, (220, 230), (760, 540), 120, 15.0, 1.1)
    finding = run_analysis("copy_move", Subject(forgery.image), {"max_side": 500})
    assert finding.details["working_scale"] == pytest.approx(0.5)
    assert finding.mask.shape == forgery.source.shape
    assert f1_score(finding.mask, forgery.union) >= F1_BOUND
    matrix = np.array(_strongest(finding)["matrix"])
    assert np.allclose(matrix[:, :2], forgery.matrix[:, :2], atol=0.03)
    assert np.allclose(matrix[:, 2], forgery.matrix[:, 2], atol=6.0)


def test_two_copies_give_two_transforms():
    image = textured_image(seed=7)
    first = rotated_scaled_copy(image, (90, 90), (420, 300), 50, 30.0, 1.0)
    second = translated_copy(first.image, (300, 40, 90, 70), (-260, 250))
    finding = run_analysis("copy_move", Subject(second.image))
    truth = first.union | second.union
    assert f1_score(finding.mask, truth) >= F1_BOUND
    rotations = sorted(round(t["rotation_deg"]) for t in finding.details["transforms"] if t["confirmed"])
    assert len(rotations) == 2
    assert abs(rotations[0]) <= ROTATION_TOLERANCE and abs(abs(rotations[1]) - 30) <= ROTATION_TOLERANCE
    assert any(label.startswith("Transform 2") for label, _ in finding.table)


@pytest.mark.parametrize("detector", ["SIFT", "ORB"])
@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea"])
def test_untouched_original_gives_empty_mask_and_low_score(name, detector):
    finding = run_analysis("copy_move", Subject(getattr(data, name)()), {"detector": detector})
    assert finding.mask.mean() <= 0.001
    assert finding.score <= 0.1
    assert finding.summary.startswith("No copy-move found")


def test_strict_inlier_count_rejects_the_copy():
    forgery = FORGERIES["coffee"]()
    finding = run_analysis("copy_move", Subject(forgery.image), {"min_inliers": 400})
    assert not finding.mask.any()
    assert finding.score == 0.0


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((1, 1, 3), np.uint8),
        np.full((12, 9, 3), 200, np.uint8),
        np.full((256, 320, 3), 128, np.uint8),
        np.repeat(np.linspace(0, 255, 320, dtype=np.float32)[None, :, None], 3, axis=2)
        .repeat(256, axis=0)
        .astype(np.uint8),
    ],
    ids=["one-pixel", "tiny", "flat-grey", "smooth-gradient"],
)
def test_images_without_keypoints_give_no_finding(image):
    finding = run_analysis("copy_move", Subject(image))
    assert finding.mask.shape == image.shape[:2]
    assert not finding.mask.any()
    assert finding.score == 0.0
    assert finding.summary.startswith("No copy-move found")
    json.dumps(finding.to_json())


def test_finding_is_json_serialisable_with_transforms():
    forgery = FORGERIES["astronaut"]()
    payload = json.loads(json.dumps(run_analysis("copy_move", Subject(forgery.image)).to_json()))
    transform = payload["details"]["transforms"][0]
    assert len(transform["matrix"]) == 2 and len(transform["matrix"][0]) == 3
    assert {"rotation_deg", "scale", "translation", "inliers"} <= set(transform)


def test_g2nn_accepts_every_neighbour_before_the_first_big_jump():
    # descriptor 0 has two near-identical twins (1, 2) and otherwise only distant neighbours
    rng = np.random.default_rng(0)
    base = rng.normal(0, 1, 128).astype(np.float32)
    twins = [base + rng.normal(0, 0.01, 128).astype(np.float32) for _ in range(2)]
    others = [rng.normal(0, 1, 128).astype(np.float32) * 5 for _ in range(10)]
    pairs = copy_move_keypoints.g2nn_pairs(np.stack([base, *twins, *others]), 0.5, binary=False)
    assert {(0, 1), (0, 2), (1, 2)} <= {tuple(p) for p in pairs.tolist()}
    assert all(p[0] <= 2 and p[1] <= 2 for p in pairs.tolist())


def test_cancellation_is_honoured():
    context = JobContext()
    context.cancel()
    analysis = get_analysis("copy_move")
    with pytest.raises(Cancelled):
        analysis.run(context, Subject(FORGERIES["astronaut"]().image), {p.name: p.default for p in analysis.params})


def test_non_rgb_input_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="RGB uint8"):
        working_grey(np.zeros((32, 32), np.uint8), 512)
