"""Perceptual hashes: known answers on synthetic images, robustness to re-encoding, separation of content."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engines.media.perceptual_hash import (
    average_hash,
    bits_to_hex,
    dct_hash,
    difference_hash,
    hamming,
    perceptual_hashes,
)
from tests.engines.media._metadata_fixtures import smooth_image


def test_bits_to_hex():
    assert bits_to_hex(np.array([1, 0, 0, 0, 1, 1, 1, 1], bool)) == "8f"
    assert bits_to_hex(np.ones(64, bool)) == "f" * 16


def test_average_hash_of_half_black_half_white():
    img = np.zeros((64, 64, 3), np.uint8)
    img[:, 32:] = 255
    assert average_hash(img) == "0f" * 8


def test_difference_hash_of_horizontal_ramp():
    ramp = np.tile(np.linspace(0, 255, 90, dtype=np.float32), (80, 1)).astype(np.uint8)
    img = np.repeat(ramp[:, :, None], 3, axis=2)
    assert difference_hash(img) == "f" * 16
    assert difference_hash(img[:, ::-1].copy()) == "0" * 16


def test_hashes_are_64_bit_hex():
    hashes = perceptual_hashes(smooth_image())
    assert set(hashes) == {"ahash", "dhash", "phash"}
    for value in hashes.values():
        assert len(value) == 16
        int(value, 16)


def test_robust_to_recompression_and_resize_but_separate_content():
    img = smooth_image(256, 256, seed=1)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 60])
    assert ok
    recoded = cv2.resize(cv2.imdecode(buf, cv2.IMREAD_COLOR), (200, 200), interpolation=cv2.INTER_AREA)
    noise = np.random.default_rng(5).random((8, 8, 3)).astype(np.float32)
    other = (cv2.resize(noise, (256, 256), interpolation=cv2.INTER_CUBIC).clip(0, 1) * 255).astype(np.uint8)
    for fn in (average_hash, difference_hash, dct_hash):
        assert hamming(fn(img), fn(recoded)) <= 6
        assert hamming(fn(img), fn(other)) >= 14


def test_hamming():
    assert hamming("ff00", "0f00") == 4
    with pytest.raises(ValueError):
        hamming("ff", "fff")
