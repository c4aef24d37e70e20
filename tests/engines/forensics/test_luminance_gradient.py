"""Luminance gradient colours follow the sign and direction of synthetic ramps."""

from __future__ import annotations

import numpy as np
import pytest

from engines.forensics import Subject, get_analysis, run_analysis
from engines.forensics.luminance_gradient import gradient_colours, sobel_gradient
from tests.engines.forensics._noise_forgeries import edge_case_images


def _ramp(direction: str, size: int = 64) -> np.ndarray:
    ramp = np.linspace(20, 230, size, dtype=np.float32)
    plane = np.tile(ramp, (size, 1)) if direction == "x" else np.tile(ramp[:, None], (1, size))
    return np.repeat(np.rint(plane)[:, :, None], 3, axis=2).astype(np.uint8)


def _interior(img: np.ndarray) -> np.ndarray:
    return img[4:-4, 4:-4].reshape(-1, 3).astype(int)


def test_registered_in_detail_group():
    assert get_analysis("luminance_gradient").group == "Detail and colour"


def test_rightward_ramp_is_red_above_mid_green_at_mid():
    finding = run_analysis("luminance_gradient", Subject(_ramp("x")))
    heat = finding.heatmap
    assert heat.dtype == np.uint8 and heat.shape == (64, 64, 3)
    px = _interior(heat)
    assert np.all(px[:, 0] > 128 + 20)
    assert np.all(px[:, 1] == 128)
    assert np.all(px[:, 2] > 20)


def test_leftward_ramp_is_red_below_mid():
    finding = run_analysis("luminance_gradient", Subject(_ramp("x")[:, ::-1].copy()))
    px = _interior(finding.heatmap)
    assert np.all(px[:, 0] < 128 - 20) and np.all(px[:, 1] == 128)


def test_downward_and_upward_ramps_drive_green():
    down = _interior(run_analysis("luminance_gradient", Subject(_ramp("y"))).heatmap)
    up = _interior(run_analysis("luminance_gradient", Subject(_ramp("y")[::-1].copy())).heatmap)
    assert np.all(down[:, 1] > 148) and np.all(down[:, 0] == 128)
    assert np.all(up[:, 1] < 108) and np.all(up[:, 0] == 128)


def test_colour_encoding_known_answer():
    gx = np.array([[1.0, -1.0, 0.0]], np.float32)
    gy = np.array([[0.0, 0.0, -0.5]], np.float32)
    rgb = gradient_colours(gx, gy, scale=1.0)
    assert rgb[0, 0].tolist() == [255, 128, 255]
    assert rgb[0, 1].tolist() == [0, 128, 255]
    assert rgb[0, 2].tolist() == [128, 64, 128]


def test_sobel_sign_convention():
    gx, gy = sobel_gradient(np.tile(np.arange(10, dtype=np.float32), (10, 1)))
    assert np.all(gx[2:-2, 2:-2] > 0) and np.all(gy == 0)


def test_flat_image_is_mid_grey_with_no_blue():
    finding = run_analysis("luminance_gradient", Subject(np.full((32, 32, 3), 90, np.uint8)))
    assert np.all(finding.heatmap == np.array([128, 128, 0], np.uint8))


def test_bad_kernel_is_refused():
    with pytest.raises(ValueError, match="Sobel kernel"):
        run_analysis("luminance_gradient", Subject(_ramp("x")), {"kernel": 4})


def test_edge_cases_do_not_crash():
    for img in edge_case_images():
        finding = run_analysis("luminance_gradient", Subject(img))
        assert finding.heatmap.shape == (*img.shape[:2], 3)
