"""The robust ownership mark on generated/bundled pictures: fidelity, every attack, wrong keys, re-embedding."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from engines.watermark import attacks, detect, embed, make_payload
from engines.watermark.payload import coded_bits
from tests.engines.watermark._images import astronaut, busy_texture, coffee

KEY = "correct horse battery staple"
PAYLOAD = make_payload("Alice Example", datetime.datetime(2026, 5, 1, 12, 30, tzinfo=datetime.UTC))


@pytest.fixture(scope="module")
def marked() -> np.ndarray:
    return embed(astronaut(), PAYLOAD, KEY)


@pytest.mark.parametrize("picture", [astronaut, coffee, busy_texture])
def test_mark_is_invisible_by_psnr_and_ssim(picture):
    host = picture()
    out = embed(host, PAYLOAD, KEY)
    assert out.shape == host.shape and out.dtype == np.uint8
    assert peak_signal_noise_ratio(host, out) >= 40.0
    assert structural_similarity(host, out, channel_axis=2) >= 0.98
    assert not np.array_equal(host, out)


def test_embedding_is_deterministic_and_keyed():
    host = coffee()
    assert np.array_equal(embed(host, PAYLOAD, KEY), embed(host, PAYLOAD, KEY))
    assert not np.array_equal(embed(host, PAYLOAD, KEY), embed(host, PAYLOAD, "other"))


@pytest.mark.parametrize("name", list(attacks.suite()))
def test_payload_survives_attack(marked, name):
    attacked = attacks.suite()[name](marked)
    found = detect(attacked, KEY)
    assert found.found, f"{name}: pilot z {found.pilot_z:.1f}"
    assert found.payload == PAYLOAD


def test_geometry_is_reported(marked):
    found = detect(attacks.rotate(5.0)(marked), KEY)
    assert found.found and abs(found.angle_deg - (-5.0)) < 0.5  # image y points down: +5° CCW is -5° here
    found = detect(attacks.screenshot(0.8)(marked), KEY)
    assert found.found and abs(found.scale - 0.8) < 0.02


def test_busy_texture_survives_jpeg_and_crop():
    out = embed(busy_texture(), PAYLOAD, KEY)
    for attack in (attacks.jpeg(50), attacks.crop_area(0.7)):
        assert detect(attack(out), KEY).payload == PAYLOAD


def test_unmarked_picture_has_no_watermark():
    found = detect(coffee(), KEY)
    assert not found.found and found.payload is None


def test_wrong_keys_never_give_an_owner(marked):
    for i in range(3):  # full search, every geometric hypothesis
        assert detect(marked, f"wrong-{i}").payload is None
    for i in range(60):  # the unmoved hypothesis, where a true mark is strongest
        assert detect(marked, f"guess-{i}", geometric=False).payload is None


def test_second_mark_under_another_key_keeps_the_first():
    first = embed(coffee(), PAYLOAD, KEY)
    other = make_payload("Mallory", datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC))
    both = embed(first, other, "mallory's key")
    a, b = detect(both, KEY), detect(both, "mallory's key")
    assert a.payload == PAYLOAD and b.payload == other
    raw = (a.soft_bits > 0).astype(np.uint8)
    assert np.mean(raw == coded_bits(PAYLOAD, KEY)) > 0.8


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        embed(np.zeros((32, 32, 3), np.uint8), PAYLOAD, KEY)
    with pytest.raises(ValueError):
        embed(np.zeros((128, 128), np.uint8), PAYLOAD, KEY)
    with pytest.raises(ValueError):
        embed(coffee(), PAYLOAD, "")
    with pytest.raises(ValueError):
        embed(coffee(), PAYLOAD, KEY, strength=0)
