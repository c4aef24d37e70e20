"""Tamper map from the ownership mark: a generated splice is found; benign processing stays (almost) clean."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engines.evaluation.metrics import f1_score
from engines.watermark import attacks, detect, embed, make_payload
from engines.watermark.ownership import IDENTITY
from engines.watermark.tamper import overlay, tamper_map
from tests.engines.watermark._images import astronaut, coffee

KEY = "tamper key"
PAYLOAD = make_payload("Alice")


@pytest.fixture(scope="module")
def marked() -> np.ndarray:
    return embed(astronaut(), PAYLOAD, KEY)


def _splice(marked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Paste an ellipse of another (unmarked) photo into the marked one, then save as JPEG 90."""
    mask = np.zeros(marked.shape[:2], np.uint8)
    cv2.ellipse(mask, (300, 200), (90, 70), 0, 0, 360, 1, -1)
    donor = cv2.resize(coffee(), marked.shape[1::-1])
    return attacks.jpeg(90)(np.where(mask[..., None] > 0, donor, marked)), mask.astype(bool)


def test_splice_is_localised(marked):
    fake, truth = _splice(marked)
    found = detect(fake, KEY)
    assert found.payload == PAYLOAD  # the rest of the picture still proves ownership
    result = tamper_map(fake, KEY, found)
    assert result.flagged.shape == truth.shape
    assert f1_score(result.flagged, truth) >= 0.4
    assert result.flagged[truth].mean() > 0.4 and result.flagged[~truth].mean() < 0.05
    assert result.score[truth].mean() > result.score[~truth].mean() + 0.2


@pytest.mark.parametrize("name", ["jpeg80", "jpeg75", "resize"])
def test_benign_processing_is_hardly_flagged(marked, name):
    attack = {"jpeg80": attacks.jpeg(80), "jpeg75": attacks.jpeg(75),
              "resize": lambda x: cv2.resize(attacks.rescale(0.9)(x), (512, 512))}[name]
    processed = attack(marked)
    result = tamper_map(processed, KEY, detect(processed, KEY))
    assert result.flagged_share <= 0.08


def test_copy_move_inside_the_picture_is_flagged(marked):
    moved = marked.copy()
    moved[300:420, 60:200] = marked[40:160, 300:440]  # out of phase with the tiled mark
    truth = np.zeros(marked.shape[:2], bool)
    truth[300:420, 60:200] = True
    result = tamper_map(moved, KEY, detect(moved, KEY))
    assert result.flagged[truth].mean() > 0.3 and result.flagged[~truth].mean() < 0.05


def test_needs_a_verified_mark_and_draws_an_overlay(marked):
    with pytest.raises(ValueError):
        tamper_map(marked, "other key", detect(marked, "other key"))
    result = tamper_map(marked, KEY, detect(marked, KEY))
    picture = overlay(marked, result)
    assert picture.shape == marked.shape and picture.dtype == np.uint8


@pytest.fixture(scope="module")
def layered() -> np.ndarray:
    return embed(astronaut(), PAYLOAD, KEY, fragile=True)


def test_semi_fragile_layer_keeps_fidelity_and_ownership(layered):
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    host = astronaut()
    assert peak_signal_noise_ratio(host, layered) >= 40.0
    assert structural_similarity(host, layered, channel_axis=2) >= 0.98
    for attack in (attacks.jpeg(50), attacks.crop_area(0.7), attacks.rotate(5.0)):
        assert detect(attack(layered), KEY).payload == PAYLOAD


def test_splice_map_with_and_without_the_semi_fragile_layer(marked, layered):
    scores = {}
    for name, picture in (("mark only", marked), ("with layer", layered)):
        fake, truth = _splice(picture)
        result = tamper_map(fake, KEY, detect(fake, KEY))
        scores[name] = f1_score(result.flagged, truth)
    assert "semi-fragile" in result.source
    assert scores["with layer"] >= 0.55 and scores["mark only"] >= 0.55
    for attack in (attacks.jpeg(80), attacks.jpeg(75)):
        processed = attack(layered)
        result = tamper_map(processed, KEY, detect(processed, KEY))
        assert "semi-fragile" in result.source and result.flagged_share <= 0.04


def test_semi_fragile_layer_is_keyed(layered):
    from engines.watermark import fragile, geometry

    y = geometry.working_luma(layered)
    ones = np.ones(y.shape, np.float32)
    right = fragile.check(y, ones, KEY, IDENTITY, 0, 0.0, 0.0)
    wrong = fragile.check(y, ones, "someone else", IDENTITY, 0, 0.0, 0.0)
    assert right.present and right.off_share < 0.02
    assert not wrong.present and wrong.off_share > 0.3
