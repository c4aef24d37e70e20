"""Metadata tree: EXIF/GPS/XMP/IPTC/ICC known answers, PNG via Pillow, malformed parts become warnings."""

from __future__ import annotations

import io
import json
from fractions import Fraction

import cv2
import pytest
from PIL import Image, ImageCms

from engines.media.exif_tree import dms_to_decimal, gps_fix, maker_note_signature, read_exif_bytes
from engines.media.jpeg_quant import LUMA_BASE, ijg_quality, ijg_table
from engines.media.meta_nodes import find_values, flatten, format_value
from engines.media.metadata import read_metadata
from engines.media.xmp import parse_xmp
from tests.engines.media._metadata_fixtures import (
    camera_jpeg,
    exif_segment,
    icc_segment,
    insert_segments,
    iptc_segment,
    jpeg_bytes,
    png_bytes,
    sample_xmp,
    smooth_image,
    tiff_bytes,
    xmp_segment,
)


def _srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def test_dms_to_decimal_known_answers():
    assert dms_to_decimal((Fraction(48), Fraction(51), Fraction(3024, 100)), "N") == pytest.approx(48.8584, abs=1e-9)
    assert dms_to_decimal((Fraction(2), Fraction(17), Fraction(402, 10)), "W") == pytest.approx(-2.2945, abs=1e-9)
    assert dms_to_decimal((33.0, 30.0, 0.0), b"S\x00") == -33.5
    with pytest.raises(ValueError):
        dms_to_decimal((1.0, 2.0, 3.0, 4.0), "N")


def test_gps_fix_range_and_altitude():
    fix = gps_fix({1: "S", 2: (10.0, 0.0, 0.0), 3: "E", 4: (20.0, 30.0, 0.0), 5: b"\x01", 6: 12.5})
    assert (fix.latitude, fix.longitude, fix.altitude) == (-10.0, 20.5, -12.5)
    assert gps_fix({1: "N"}) is None
    with pytest.raises(ValueError):
        gps_fix({2: (95.0, 0.0, 0.0), 4: (0.0, 0.0, 0.0)})


def test_camera_jpeg_full_tree(tmp_path):
    img = smooth_image()
    thumb = cv2.resize(img, (40, 32), interpolation=cv2.INTER_AREA)
    extra = (
        xmp_segment(sample_xmp("Adobe Photoshop 25.0 (Windows)", ("Adobe Photoshop 25.0",))),
        icc_segment(_srgb_icc()),
        iptc_segment({(2, 5): b"Headline here", (2, 25): b"one", (2, 116): b"(c) Test"}),
    )
    data = camera_jpeg(img, software="Ver.1.0", gps=(-33.8568, 151.2153), thumbnail=thumb, extra_segments=extra)
    path = tmp_path / "camera.jpg"
    path.write_bytes(data)
    report = read_metadata(path)
    assert report.warnings == []
    assert report.format == "jpeg"
    assert report.exif.fields["Make"] == "Canon"
    assert report.exif.fields["DateTimeOriginal"] == "2024:05:06 07:08:09"
    assert report.gps.latitude == pytest.approx(-33.8568, abs=1e-6)
    assert report.gps.longitude == pytest.approx(151.2153, abs=1e-6)
    assert report.thumbnail is not None and Image.open(io.BytesIO(report.thumbnail)).size == (40, 32)
    assert report.xmp_values("xmp:CreatorTool") == ["Adobe Photoshop 25.0 (Windows)"]
    assert report.xmp_values("stEvt:softwareAgent") == ["Adobe Photoshop 25.0"]
    assert report.icc_description == "sRGB built-in"
    rows = dict(report.rows())
    assert rows["EXIF / GPS / Position (decimal)"] == "-33.856800, 151.215300"
    assert rows["IPTC / ObjectName"] == "Headline here"
    assert rows["IPTC / CopyrightNotice"] == "(c) Test"
    assert rows["ICC profile / Description"] == "sRGB built-in"
    assert ijg_quality(report.quantization) == 90
    assert [n["name"] for n in report.tree] == [
        "File",
        "EXIF",
        "XMP",
        "Photoshop",
        "IPTC",
        "ICC profile",
        "JPEG quantization",
    ]
    json.dumps(report.tree)  # JSON-able


def test_png_metadata_via_pillow(tmp_path):
    path = tmp_path / "x.png"
    exif = Image.Exif()
    exif[0x0131] = "GIMP 2.10.36"
    path.write_bytes(png_bytes(smooth_image(32, 32), icc_profile=_srgb_icc(), exif=exif.tobytes()))
    report = read_metadata(path)
    assert report.format == "png"
    assert report.exif.fields["Software"] == "GIMP 2.10.36"
    assert report.icc_description == "sRGB built-in"
    assert report.quantization is None


def test_plain_pillow_jpeg_has_no_exif(tmp_path):
    path = tmp_path / "plain.jpg"
    path.write_bytes(jpeg_bytes(smooth_image(32, 32), quality=75))
    report = read_metadata(path)
    assert not report.has_exif and report.thumbnail is None and report.gps is None
    assert ijg_quality(report.quantization) == 75


def test_non_image_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"just text")
    report = read_metadata(path)
    assert report.format is None
    assert report.warnings and report.warnings[0].startswith("Pillow")


def test_malformed_sections_become_warnings(tmp_path):
    bad_tiff = b"II*\x00" + (200).to_bytes(4, "little")  # IFD0 offset past the end
    doctype = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    data = insert_segments(
        jpeg_bytes(smooth_image(32, 32)),
        [exif_segment(bad_tiff), xmp_segment(doctype), icc_segment(b"\x00" * 64)],
    )
    path = tmp_path / "bad.jpg"
    path.write_bytes(data)
    report = read_metadata(path)
    joined = " | ".join(report.warnings)
    assert "XMP" in joined and "DOCTYPE" in joined
    assert "ICC profile" in joined


def test_thumbnail_pointer_outside_block_is_a_warning():
    tiff = tiff_bytes({0x010F: "Canon"}, thumbnail=b"\xff\xd8\xff\xd9")
    broken = tiff[:-2]  # thumbnail now runs past the end
    data = read_exif_bytes(broken)
    assert data.thumbnail is None
    assert any("thumbnail" in w for w in data.warnings)


def test_xmp_tree_and_history():
    nodes = parse_xmp(sample_xmp("GIMP 2.10", ("Lightroom", "Snapseed")).encode())
    assert find_values(nodes, "xmp:CreatorTool") == ["GIMP 2.10"]
    assert sorted(find_values(nodes, "stEvt:softwareAgent")) == ["Lightroom", "Snapseed"]
    rows = dict(flatten(nodes))
    assert rows["dc:title / [x-default]"] == "Test title"
    with pytest.raises(ValueError):
        parse_xmp(b"no xml at all")


def test_format_value_and_maker_signature():
    assert format_value(b"\x02\x03\x00\x00") == "2 3 0 0"
    assert format_value(b"0232") == "0232"
    assert format_value(b"\x00" * 40) == "<40 bytes>"
    assert format_value((Fraction(1, 2), 3)) == "0.5, 3"
    assert format_value(float("nan")) == "undefined"
    assert maker_note_signature(b"Nikon\x00\x02\x10") == "Nikon"
    assert maker_note_signature(b"\x00\x01") == ""


def test_ijg_tables():
    assert ijg_table(LUMA_BASE, 50)[0] == 16
    assert ijg_table(LUMA_BASE, 100).max() == 1
    custom = {0: [2] * 64, 1: [3] * 64}
    assert ijg_quality(custom) is None


def test_heif_exif_through_pillow_heif(tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 15"
    path = tmp_path / "x.heic"
    Image.fromarray(smooth_image(64, 64)).save(path, "HEIF", exif=exif.tobytes(), quality=80)
    report = read_metadata(path)
    assert report.format == "heif"
    assert (report.exif.fields["Make"], report.exif.fields["Model"]) == ("Apple", "iPhone 15")
    assert report.warnings == []
