"""File structure analysis: marker list, trailing bytes, appended images, type/extension mismatch."""

from __future__ import annotations

import json

import cv2

from engines.forensics.registry import Subject, run_analysis
from tests.engines.media._metadata_fixtures import app_segment, camera_jpeg, jpeg_bytes, png_bytes, smooth_image

IMAGE = smooth_image(64, 80)


def _run(path):
    return run_analysis("file_structure", Subject(image=IMAGE, path=path))


def test_clean_pillow_jpeg(tmp_path):
    path = tmp_path / "clean.jpg"
    path.write_bytes(jpeg_bytes(IMAGE))
    finding = _run(path)
    assert finding.score == 0.0
    assert [s["marker"] for s in finding.details["segments"]] == [
        "SOI", "APP0", "DQT", "DQT", "SOF0", "DHT", "DHT", "DHT", "DHT", "SOS", "EOI"
    ]  # fmt: skip
    rows = dict(finding.table)
    assert rows["Bytes after EOI"] == "0"
    assert rows["Embedded JPEG images"] == "0"
    assert rows["@2 APP0"] == "length 16, JFIF"
    assert "unremarkable" in finding.summary
    json.dumps(finding.to_json())


def test_trailing_bytes_flagged(tmp_path):
    path = tmp_path / "tail.jpg"
    path.write_bytes(jpeg_bytes(IMAGE) + b"\x00secret" * 10)
    finding = _run(path)
    assert finding.details["trailing_bytes"] == 70
    assert finding.score >= 0.5
    assert "70 bytes after the end" in finding.summary


def test_appended_jpeg_without_and_with_mpf(tmp_path):
    extra = jpeg_bytes(smooth_image(16, 16, seed=9))
    path = tmp_path / "two.jpg"
    path.write_bytes(jpeg_bytes(IMAGE) + extra)
    finding = _run(path)
    assert finding.score == 0.4
    assert finding.details["embedded"][0]["location"] == "after EOI"
    with_mpf = tmp_path / "mpf.jpg"
    with_mpf.write_bytes(camera_jpeg(IMAGE, extra_segments=(app_segment(2, b"MPF\x00II*\x00"),)) + extra)
    assert _run(with_mpf).score == 0.1


def test_thumbnail_is_listed_but_not_flagged(tmp_path):
    path = tmp_path / "thumb.jpg"
    path.write_bytes(camera_jpeg(IMAGE, thumbnail=cv2.resize(IMAGE, (40, 32))))
    finding = _run(path)
    assert finding.score == 0.0
    assert [e["location"] for e in finding.details["embedded"]] == ["APP1 (Exif)"]


def test_extension_mismatch_and_png_chunks(tmp_path):
    path = tmp_path / "renamed.jpg"
    path.write_bytes(png_bytes(IMAGE))
    finding = _run(path)
    assert finding.score == 0.5
    assert finding.details["extension_ok"] is False
    assert "content is PNG" in finding.summary
    assert finding.details["chunks"][0]["type"] == "IHDR"
    assert dict(finding.table)["Bytes after IEND"] == "0"


def test_truncated_and_unknown_files(tmp_path):
    path = tmp_path / "cut.jpg"
    path.write_bytes(jpeg_bytes(IMAGE)[:-100])
    finding = _run(path)
    assert finding.score >= 0.3
    assert dict(finding.table)["Bytes after EOI"] == "unknown (no end marker)"
    other = tmp_path / "x.bin"
    other.write_bytes(b"\x00" * 50)
    assert "not recognised" in _run(other).summary
