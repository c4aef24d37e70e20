"""Thumbnail mismatch: an edited region lights up; a faithful thumbnail does not; no thumbnail is normal."""

from __future__ import annotations

import json

import cv2
import numpy as np

from engines.forensics.registry import Subject, get_analysis, run_analysis
from engines.forensics.thumbnail import fit_thumbnail, trim_borders
from tests.engines.media._metadata_fixtures import camera_jpeg, jpeg_bytes, smooth_image

H, W = 192, 256
ORIGINAL = smooth_image(H, W, seed=4)
TH, TW = 120, 160


def _thumb(image: np.ndarray) -> np.ndarray:
    return cv2.resize(image, (TW, TH), interpolation=cv2.INTER_AREA)


def _run(tmp_path, main: np.ndarray, thumb: np.ndarray | None, **params):
    path = tmp_path / "t.jpg"
    path.write_bytes(camera_jpeg(main, thumbnail=thumb, quality=95))
    return run_analysis("thumbnail", Subject(image=main, path=path), params)


def test_edited_region_lights_up(tmp_path):
    edited = ORIGINAL.copy()
    edited[20:80, 150:230] = (250, 20, 20)  # pasted red block after the thumbnail was written
    finding = _run(tmp_path, edited, _thumb(ORIGINAL))
    assert get_analysis("thumbnail").output == "map"
    heat = finding.heatmap
    assert heat.shape == (H, W) and heat.dtype == np.float32
    inside = heat[25:75, 155:225].mean()
    outside = np.concatenate([heat[100:, :].ravel(), heat[:, :130].ravel()]).mean()
    assert inside > 0.8 and outside < 0.1
    assert finding.mask[30:70, 160:220].mean() > 0.9
    assert finding.mask[110:, :].mean() < 0.01
    assert finding.score == 1.0
    assert finding.details["thumbnail_size"] == [TW, TH]
    json.dumps(finding.to_json())


def test_faithful_thumbnail_scores_low(tmp_path):
    finding = _run(tmp_path, ORIGINAL, _thumb(ORIGINAL))
    assert finding.score < 0.1
    assert finding.mask.mean() < 0.005
    assert finding.details["mean_difference"] < 8.0


def test_no_thumbnail_is_normal(tmp_path):
    finding = _run(tmp_path, ORIGINAL, None)
    assert finding.score is None and finding.heatmap is None
    assert finding.summary.startswith("No embedded EXIF thumbnail")
    assert finding.details["has_thumbnail"] is False


def test_letterboxed_thumbnail_is_trimmed(tmp_path):
    wide = np.zeros((TW, TW, 3), np.uint8)  # square thumbnail with black bars above and below
    top = (TW - TH) // 2
    wide[top : top + TH] = _thumb(ORIGINAL)
    fitted, note = fit_thumbnail(wide, ORIGINAL.shape)
    assert fitted.shape[:2] == (TH, TW) and "letterbox" in note
    finding = _run(tmp_path, ORIGINAL, wide)
    assert finding.score < 0.1


def test_cropped_image_reports_aspect_change(tmp_path):
    cropped = np.ascontiguousarray(ORIGINAL[:, : W // 2])
    finding = _run(tmp_path, cropped, _thumb(ORIGINAL))
    assert "aspect ratio differs" in finding.summary
    assert finding.score >= 0.5


def test_trim_borders_on_all_black():
    black = np.zeros((10, 10, 3), np.uint8)
    assert trim_borders(black).shape == black.shape


def test_undecodable_thumbnail(tmp_path):
    from tests.engines.media._metadata_fixtures import exif_segment, insert_segments, tiff_bytes

    tiff = tiff_bytes({0x010F: "Canon"}, thumbnail=b"\xff\xd8\xff\xe0garbage\xff\xd9")
    path = tmp_path / "bad.jpg"
    path.write_bytes(insert_segments(jpeg_bytes(ORIGINAL), [exif_segment(tiff)]))
    finding = run_analysis("thumbnail", Subject(image=ORIGINAL, path=path))
    assert "cannot be decoded" in finding.summary
    assert finding.score is None
