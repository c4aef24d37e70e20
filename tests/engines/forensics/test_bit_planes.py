"""Bit planes return exactly the requested bit of the requested channel."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engines.forensics import Subject, get_analysis, run_analysis
from engines.forensics.bit_planes import bit_plane
from tests.engines.forensics._noise_forgeries import edge_case_images

IMAGE = np.random.default_rng(11).integers(0, 256, (24, 40, 3), dtype=np.uint8)


def test_registered_in_detail_group():
    assert get_analysis("bit_planes").group == "Detail and colour"


@pytest.mark.parametrize("bit", range(8))
@pytest.mark.parametrize(("channel", "index"), [("red", 0), ("green", 1), ("blue", 2)])
def test_exact_bit_of_each_channel(channel, index, bit):
    finding = run_analysis("bit_planes", Subject(IMAGE), {"channel": channel, "bit": bit})
    expected = ((IMAGE[:, :, index] >> bit) & 1).astype(np.float32)
    assert finding.heatmap.dtype == np.float32
    assert np.array_equal(finding.heatmap, expected)


@pytest.mark.parametrize("bit", [0, 3, 7])
def test_luma_bit(bit):
    finding = run_analysis("bit_planes", Subject(IMAGE), {"channel": "luma", "bit": bit})
    luma = cv2.cvtColor(IMAGE, cv2.COLOR_RGB2GRAY)
    assert np.array_equal(finding.heatmap, ((luma >> bit) & 1).astype(np.float32))


def test_known_values():
    values = np.array([[0, 1, 2, 255, 128]], np.uint8)
    assert bit_plane(values, 0).tolist() == [[False, True, False, True, False]]
    assert bit_plane(values, 7).tolist() == [[False, False, False, True, True]]


def test_out_of_range_bit_and_channel_are_refused():
    with pytest.raises(ValueError):
        bit_plane(IMAGE[:, :, 0], 8)
    with pytest.raises(ValueError):
        run_analysis("bit_planes", Subject(IMAGE), {"bit": 8})
    with pytest.raises(ValueError):
        run_analysis("bit_planes", Subject(IMAGE), {"channel": "alpha"})


def test_edge_cases_do_not_crash():
    for img in edge_case_images():
        finding = run_analysis("bit_planes", Subject(img), {"bit": 7})
        assert finding.heatmap.shape == img.shape[:2]
