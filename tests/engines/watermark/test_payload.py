"""Payload, MAC and convolutional code: known answers and the wrong-key guarantee at the bit level."""

from __future__ import annotations

import datetime

import numpy as np
import pytest

from engines.watermark import convcode
from engines.watermark.payload import (
    CODED_BITS,
    MESSAGE_BITS,
    Payload,
    coded_bits,
    decode_soft,
    make_payload,
    message_bits,
    owner_id,
)

WHEN = datetime.datetime(2026, 3, 14, 15, 9, tzinfo=datetime.UTC)


def test_owner_id_ignores_case_and_spacing_but_not_content():
    assert owner_id("  Alice   Example ") == owner_id("alice example")
    assert owner_id("Alice Example") != owner_id("Alice Exampel")
    with pytest.raises(ValueError):
        owner_id("   ")


def test_payload_round_trips_time_to_the_minute():
    payload = make_payload("Alice", WHEN)
    assert payload.timestamp == WHEN.replace(second=0)
    assert payload.watermark_id == f"{payload.owner_id:08x}-{payload.minutes:08x}"
    with pytest.raises(ValueError):
        make_payload("Alice", datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))


def test_clean_soft_bits_decode_to_the_payload():
    payload = make_payload("Alice", WHEN)
    bits = coded_bits(payload, "key")
    assert bits.size == CODED_BITS and message_bits(payload, "key").size == MESSAGE_BITS
    found, recoded = decode_soft(2.0 * bits - 1.0, "key")
    assert found == payload
    assert np.array_equal(recoded, bits)


def test_code_corrects_spread_errors_and_weak_bits():
    payload = make_payload("Bob", WHEN)
    bits = coded_bits(payload, "key")
    soft = 2.0 * bits - 1.0
    soft[::17] *= -1.0  # 12 hard errors spread over the block
    soft[5::23] *= 0.1  # and some weak bits
    assert decode_soft(soft, "key")[0] == payload


def test_wrong_key_fails_the_mac():
    payload = make_payload("Alice", WHEN)
    soft = 2.0 * coded_bits(payload, "right") - 1.0
    assert decode_soft(soft, "right")[0] == payload
    assert decode_soft(soft, "wrong")[0] is None


def test_random_soft_values_never_verify_under_many_keys():
    gen = np.random.default_rng(3)
    hits = sum(decode_soft(gen.normal(size=CODED_BITS), f"key-{i}")[0] is not None for i in range(400))
    assert hits == 0


def test_convolutional_code_known_answer():
    # K=7, generators 171/133 (octal): a single 1 followed by zeros gives the generators' impulse response.
    out = convcode.encode(np.array([1, 0, 0, 0, 0, 0, 0]))
    first = out.reshape(-1, 2)[:7]
    g1 = [int(c) for c in f"{0o171:07b}"]
    g2 = [int(c) for c in f"{0o133:07b}"]
    assert first[:, 0].tolist() == g1 and first[:, 1].tolist() == g2


def test_decode_rejects_wrong_length():
    with pytest.raises(ValueError):
        decode_soft(np.zeros(10), "key")
    assert isinstance(make_payload("x", WHEN), Payload)
