"""Metadata consistency: dates, editor traces, libjpeg tables on camera files, missing EXIF, overall score."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from engines.forensics.metadata_consistency import Check, check_dates, overall_score, parse_exif_datetime
from engines.forensics.registry import Subject, run_analysis
from tests.engines.media._metadata_fixtures import (
    camera_jpeg,
    exif_segment,
    insert_segments,
    jpeg_bytes,
    png_bytes,
    sample_xmp,
    smooth_image,
    tiff_bytes,
    xmp_segment,
)

IMAGE = smooth_image(64, 80)
CAMERA_TABLES = [[2] * 64, [3] * 64]  # not libjpeg's tables at any quality


def _camera_file(tmp_path, name="cam.jpg", **kwargs):
    """A camera-like JPEG: EXIF from the fixture builder, non-standard quantization tables."""
    path = tmp_path / name
    path.write_bytes(camera_jpeg(IMAGE, qtables=CAMERA_TABLES, **kwargs))
    return path


def _checks(path):
    finding = run_analysis("metadata_consistency", Subject(image=IMAGE, path=path))
    return finding, {c["name"]: c for c in finding.details["checks"]}


def test_consistent_camera_file_is_ok(tmp_path):
    finding, checks = _checks(_camera_file(tmp_path))
    assert {name: c["status"] for name, c in checks.items()} == {
        "Dates": "OK",
        "Editing software": "OK",
        "JPEG tables": "OK",
        "EXIF presence": "OK",
    }
    assert finding.score == 0.0
    assert "No metadata inconsistency" in finding.summary


def test_photoshop_software_tag_warns(tmp_path):
    finding, checks = _checks(_camera_file(tmp_path, software="Adobe Photoshop 25.0 (Windows)"))
    assert checks["Editing software"]["status"] == "warning"
    assert "Adobe Photoshop 25.0" in checks["Editing software"]["reason"]
    assert finding.score == pytest.approx(0.5)
    assert dict(finding.table)["Editing software"].startswith("warning:")


def test_xmp_history_agent_warns(tmp_path):
    xmp = xmp_segment(sample_xmp("", ("Adobe Lightroom Classic 13.0",)))
    _, checks = _checks(_camera_file(tmp_path, extra_segments=(xmp,)))
    assert checks["Editing software"]["status"] == "warning"
    assert "stEvt:softwareAgent" in checks["Editing software"]["reason"]


def test_camera_with_standard_ijg_tables_warns(tmp_path):
    path = tmp_path / "resaved.jpg"
    path.write_bytes(camera_jpeg(IMAGE, quality=87))
    _, checks = _checks(path)
    assert checks["JPEG tables"]["status"] == "warning"
    assert "quality 87" in checks["JPEG tables"]["reason"]


def test_date_inconsistencies(tmp_path):
    path = _camera_file(tmp_path, modified="2024:05:09 10:00:00", digitized="2024:05:06 07:10:09")
    _, checks = _checks(path)
    reason = checks["Dates"]["reason"]
    assert checks["Dates"]["status"] == "warning"
    assert "differ by 2 min" in reason
    assert "3.1 days after DateTimeOriginal" in reason


def test_capture_after_file_mtime_warns(tmp_path):
    path = _camera_file(tmp_path)
    old = dt.datetime(2020, 1, 1, tzinfo=dt.UTC).timestamp()
    os.utime(path, (old, old))
    _, checks = _checks(path)
    assert checks["Dates"]["status"] == "warning"
    assert "after the file's modification time" in checks["Dates"]["reason"]


def test_bad_date_text_warns():
    check = check_dates({"DateTimeOriginal": "yesterday"}, None)
    assert check.status == "warning" and "not a valid date" in check.reason
    assert check_dates({}, None).status == "n/a"
    assert parse_exif_datetime("2024-05-06T07:08:09+02:00") == dt.datetime(2024, 5, 6, 7, 8, 9)


def test_missing_exif_on_jpeg_but_not_png(tmp_path):
    jpg = tmp_path / "stripped.jpg"
    jpg.write_bytes(jpeg_bytes(IMAGE))
    _, checks = _checks(jpg)
    assert checks["EXIF presence"]["status"] == "warning"
    assert checks["JPEG tables"]["status"] == "n/a"
    png = tmp_path / "x.png"
    png.write_bytes(png_bytes(IMAGE))
    finding, checks = _checks(png)
    assert checks["EXIF presence"]["status"] == "n/a"
    assert finding.score == 0.0


def test_exif_without_camera_is_half_weight(tmp_path):
    path = tmp_path / "nomake.jpg"
    path.write_bytes(insert_segments(jpeg_bytes(IMAGE), [exif_segment(tiff_bytes({0x0112: 1}))]))
    _, checks = _checks(path)
    assert checks["EXIF presence"]["status"] == "warning"
    assert checks["EXIF presence"]["weight"] == pytest.approx(0.15)


def test_overall_score_combines_warnings():
    checks = [Check("a", "warning", "", 0.5), Check("b", "warning", "", 0.4), Check("c", "OK", "", 0.9)]
    assert overall_score(checks) == pytest.approx(1 - 0.5 * 0.6)
