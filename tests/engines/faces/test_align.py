"""Alignment: exact recovery of a similarity transform, landmarks land on the template, bad landmarks."""

from __future__ import annotations

import numpy as np
import pytest

from engines.faces import align_face, alignment_matrix, box_crop
from engines.faces.align import TEMPLATE5, similarity_transform
from tests.face_factory import astronaut


def test_similarity_transform_recovers_a_known_one():
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 100, (5, 2))
    angle, scale, shift = 0.3, 1.7, np.array([12.0, -5.0])
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = src @ rot.T + shift
    m = similarity_transform(src, dst)
    assert np.allclose(m[:, :2], rot, atol=1e-9) and np.allclose(m[:, 2], shift, atol=1e-9)


def test_degenerate_landmarks_are_refused():
    with pytest.raises(ValueError):
        similarity_transform(np.ones((5, 2)), TEMPLATE5)


def test_aligned_landmarks_land_on_the_template():
    rng = np.random.default_rng(1)
    size, margin = 128, 0.35
    template = (0.5 + (TEMPLATE5 - 0.5) / (1 + margin)) * size
    # Landmarks = the template rotated, scaled and moved in a larger image (+ small noise).
    a = 0.4
    rot = 2.5 * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    five = template @ rot.T + [200, 150] + rng.normal(0, 0.5, (5, 2))
    m = alignment_matrix(five, size, margin)
    mapped = five @ m[:, :2].T + m[:, 2]
    assert np.abs(mapped - template).max() < 1.0


def test_crops_have_the_requested_size():
    img = astronaut()
    five = np.array([[204, 102], [247, 105], [224, 131], [202, 139], [246, 143]], np.float32)
    crop = align_face(img, five, 96)
    assert crop.shape == (96, 96, 3) and crop.dtype == np.uint8
    # The aligned crop's centre column runs through the nose: skin, not background.
    assert crop[40:70, 40:56].mean() > 90
    assert box_crop(img, np.array([175, 75, 275, 178]), 64).shape == (64, 64, 3)
