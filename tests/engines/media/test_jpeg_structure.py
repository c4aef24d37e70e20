"""JPEG marker walk: known segment lists, trailing bytes, embedded images, truncation."""

from __future__ import annotations

import itertools

import cv2
import numpy as np

from engines.media.jpeg_structure import app_identifier, find_embedded_jpegs, marker_name, trailing_bytes, walk_jpeg
from tests.engines.media._metadata_fixtures import (
    app_segment,
    camera_jpeg,
    icc_segment,
    insert_segments,
    iptc_segment,
    jpeg_bytes,
    smooth_image,
    xmp_segment,
)

PILLOW_MARKERS = ["SOI", "APP0", "DQT", "DQT", "SOF0", "DHT", "DHT", "DHT", "DHT", "SOS", "EOI"]


def test_marker_names():
    assert [marker_name(m) for m in (0xC0, 0xC2, 0xC4, 0xDB, 0xDA, 0xE1, 0xEF, 0xFE, 0xD3, 0xD9)] == [
        "SOF0",
        "SOF2",
        "DHT",
        "DQT",
        "SOS",
        "APP1",
        "APP15",
        "COM",
        "RST3",
        "EOI",
    ]


def test_pillow_jpeg_marker_list_is_known():
    data = jpeg_bytes(smooth_image(64, 96), quality=85)
    structure = walk_jpeg(data)
    assert [s.name for s in structure.segments] == PILLOW_MARKERS
    assert structure.segments[1].identifier == "JFIF"
    assert structure.end == len(data)
    assert (structure.width, structure.height) == (96, 64)
    assert structure.warnings == ()
    assert trailing_bytes(data, structure) == 0
    sos = structure.segments[-2]
    assert sos.end + sos.scan_bytes == structure.segments[-1].offset


def test_offsets_and_lengths_are_consistent():
    data = jpeg_bytes(smooth_image(32, 32))
    segs = walk_jpeg(data).segments
    for seg, nxt in itertools.pairwise(segs):
        assert nxt.offset == (seg.end if seg.length else seg.offset + 2) + seg.scan_bytes


def test_trailing_bytes_counted_exactly():
    data = jpeg_bytes(smooth_image(32, 32)) + b"hidden payload!" * 3 + b"xy"
    structure = walk_jpeg(data)
    assert trailing_bytes(data, structure) == 47


def test_app_identifiers_of_common_segments():
    img = smooth_image()
    extra = (
        xmp_segment("<x/>"),
        icc_segment(b"\x00" * 200),
        iptc_segment({(2, 5): b"t"}),
        app_segment(2, b"MPF\x00II"),
    )
    data = camera_jpeg(img, extra_segments=extra)
    ids = [s.identifier for s in walk_jpeg(data).app_segments()]
    assert ids == ["Exif", "http://ns.adobe.com/xap/1.0/", "ICC_PROFILE", "Photoshop 3.0", "MPF", "JFIF"]
    assert app_identifier(b"\x01\x02\x03binary") == ""


def test_embedded_exif_thumbnail_found():
    img = smooth_image()
    data = camera_jpeg(img, thumbnail=cv2.resize(img, (40, 32)))
    structure = walk_jpeg(data)
    embedded = find_embedded_jpegs(data, structure)
    assert len(embedded) == 1
    thumb = embedded[0]
    assert (thumb.width, thumb.height) == (40, 32)
    assert thumb.location == "APP1 (Exif)"
    assert data[thumb.offset : thumb.offset + 2] == b"\xff\xd8"
    assert data[thumb.offset + thumb.length - 2 : thumb.offset + thumb.length] == b"\xff\xd9"


def test_appended_jpeg_after_eoi():
    main = jpeg_bytes(smooth_image(64, 64))
    extra = jpeg_bytes(smooth_image(16, 24, seed=3))
    data = main + extra
    structure = walk_jpeg(data)
    assert trailing_bytes(data, structure) == len(extra)
    embedded = find_embedded_jpegs(data, structure)
    assert [(e.offset, e.length, e.location, e.width) for e in embedded] == [(len(main), len(extra), "after EOI", 24)]


def test_progressive_jpeg_has_several_scans():
    data = jpeg_bytes(smooth_image(64, 64), progressive=True)
    structure = walk_jpeg(data)
    assert sum(s.name == "SOS" for s in structure.segments) > 1
    assert structure.end == len(data)
    assert any(s.name == "SOF2" for s in structure.segments)


def test_every_truncation_is_reported_not_raised():
    data = camera_jpeg(smooth_image(32, 32), thumbnail=np.zeros((8, 8, 3), np.uint8))
    for cut in range(0, len(data) - 1, 7):
        structure = walk_jpeg(data[:cut])
        assert structure.end is None
        if cut >= 2:
            assert structure.warnings


def test_declared_length_beyond_file():
    data = insert_segments(jpeg_bytes(smooth_image(16, 16)), [b"\xff\xe1\xff\xff" + b"Exif\x00\x00"])
    structure = walk_jpeg(data)
    assert structure.end is None
    assert "beyond the end" in structure.warnings[0]


def test_not_a_jpeg():
    structure = walk_jpeg(b"\x89PNG\r\n\x1a\n")
    assert structure.segments == () and structure.warnings
