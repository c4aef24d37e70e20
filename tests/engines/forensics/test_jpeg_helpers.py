"""Shared helpers of the JPEG analyses: tables, block DCT, grid scan, last-step estimate, file tables."""

import cv2
import numpy as np
import pytest

from engines.forensics._block_dct import block_dct, blocks_to_pixels, clipped_blocks, jpeg_luma
from engines.forensics._jpeg_file import NotJpeg, read_jpeg_tables
from engines.forensics._jpeg_grid import estimate_steps, scan_grids
from engines.forensics._jpeg_tables import IJG_CHROMINANCE, IJG_LUMINANCE, ijg_scaled, zigzag_order
from tests.engines.forensics._jpeg_forgeries import (
    jpeg_bytes,
    natural_image,
    nonaligned_double_splice,
    recompress,
    single_jpeg,
)


def test_ijg_scaling_known_points():
    assert np.array_equal(ijg_scaled(IJG_LUMINANCE, 50), IJG_LUMINANCE)
    assert np.all(ijg_scaled(IJG_CHROMINANCE, 100) == 1)
    assert ijg_scaled(IJG_LUMINANCE, 90)[0, 0] == 3  # 16 · 20 / 100 = 3.2 → 3
    assert ijg_scaled(IJG_LUMINANCE, 1).max() == 255  # baseline clamp


def test_zigzag_is_the_jpeg_order():
    order = zigzag_order()
    assert order[:10] == [(0, 0), (0, 1), (1, 0), (2, 0), (1, 1), (0, 2), (0, 3), (1, 2), (2, 1), (3, 0)]
    assert sorted(order) == [(r, c) for r in range(8) for c in range(8)]
    assert order[-1] == (7, 7)


def test_block_dct_matches_opencv_per_block_at_an_offset():
    rng = np.random.default_rng(0)
    plane = rng.uniform(-128, 127, (37, 45)).astype(np.float32)
    coeffs = block_dct(plane, (3, 5))
    assert coeffs.shape == (4, 5, 8, 8)
    for r, c in [(0, 0), (3, 4), (2, 1)]:
        block = plane[3 + 8 * r : 11 + 8 * r, 5 + 8 * c : 13 + 8 * c]
        np.testing.assert_allclose(coeffs[r, c], cv2.dct(block), atol=1e-3)


def test_block_dct_of_too_small_input_is_empty():
    assert block_dct(np.zeros((7, 30), np.float32)).shape == (0, 3, 8, 8)


def test_blocks_to_pixels_places_blocks_and_extends_borders():
    cells = np.array([[0.0, 1.0], [0.5, 0.25]], np.float32)
    out = blocks_to_pixels(cells, (21, 22), offset=(2, 3))
    assert out.shape == (21, 22)
    assert out[2, 3] == 0.0 and out[2, 11] == 1.0 and out[10, 3] == 0.5
    assert out[0, 0] == 0.0 and out[20, 21] == 0.25  # replicated into the uncovered borders
    assert np.all(blocks_to_pixels(np.zeros((0, 0)), (5, 5), fill=0.3) == np.float32(0.3))


def test_clipped_blocks_flags_saturated_blocks():
    image = np.full((16, 24, 3), 128, np.uint8)
    image[9, 17, 1] = 255
    flags = clipped_blocks(image)
    assert flags.shape == (2, 3)
    assert flags.sum() == 1 and flags[1, 2]


def test_grid_scan_finds_last_grid_crop_offset_and_earlier_shifted_grid():
    single, _ = single_jpeg(75)
    scan = scan_grids(jpeg_luma(single))
    assert scan.last_grid == (0, 0) and scan.last_grid_contrast > 0.1
    cropped = single[3:, 6:]  # grid now starts at (8 − 3, 8 − 6)
    assert scan_grids(jpeg_luma(cropped)).last_grid == (5, 2)
    never = scan_grids(jpeg_luma(natural_image()))
    assert never.last_grid_contrast < 0.02
    image, _, _ = nonaligned_double_splice(70, 90, (3, 5))
    grid, contrast = scan_grids(jpeg_luma(image)).earlier_grid()
    assert grid == (3, 5) and contrast > 0.1
    assert scan.earlier_grid()[1] < 0.05  # a single save leaves no second grid


@pytest.mark.parametrize("quality", [60, 75, 85])
def test_last_steps_are_recovered_from_pixels(quality):
    image, _ = single_jpeg(quality)
    blocks = block_dct(jpeg_luma(image))[~clipped_blocks(image)]
    positions = zigzag_order()[1:11]
    steps = estimate_steps(blocks, positions)
    truth = ijg_scaled(IJG_LUMINANCE, quality)
    assert [steps[p] for p in positions] == [int(truth[p]) for p in positions]


def test_last_steps_unknown_without_data():
    steps = estimate_steps(np.zeros((0, 8, 8), np.float32), [(0, 1)])
    assert steps == {(0, 1): 0}


def test_read_jpeg_tables_and_non_jpeg(tmp_path):
    path = tmp_path / "a.jpg"
    path.write_bytes(jpeg_bytes(natural_image(size=(64, 64)), 80))
    tables = read_jpeg_tables(path)
    assert np.array_equal(tables.table_for(0), ijg_scaled(IJG_LUMINANCE, 80))
    assert tables.components == (("Y", 0), ("Cb", 1), ("Cr", 1))
    png = tmp_path / "a.png"
    cv2.imwrite(str(png), recompress(natural_image(size=(16, 16)), 90))
    with pytest.raises(NotJpeg, match="not a JPEG"):
        read_jpeg_tables(png)
    with pytest.raises(NotJpeg, match="cannot read"):
        read_jpeg_tables(tmp_path / "missing.jpg")
