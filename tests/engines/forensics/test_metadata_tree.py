"""Metadata analysis: nested JSON tree, flattened rows, GPS in decimal degrees."""

from __future__ import annotations

import json

from engines.forensics.registry import Subject, get_analysis, run_analysis
from tests.engines.media._metadata_fixtures import camera_jpeg, jpeg_bytes, sample_xmp, smooth_image, xmp_segment

IMAGE = smooth_image(64, 80)


def _names(nodes):
    for item in nodes:
        yield item["name"]
        yield from _names(item["children"])


def test_tree_rows_and_gps(tmp_path):
    path = tmp_path / "gps.jpg"
    xmp = xmp_segment(sample_xmp("Snapseed 2.0"))
    path.write_bytes(camera_jpeg(IMAGE, gps=(40.6892, -74.0445), extra_segments=(xmp,)))
    finding = run_analysis("metadata", Subject(image=IMAGE, path=path))
    assert get_analysis("metadata").group == "Metadata"
    tree = finding.details["tree"]
    assert {"name", "value", "children"} == set(tree[0])
    names = set(_names(tree))
    assert {"EXIF", "IFD0", "Exif", "GPS", "XMP", "xmp:CreatorTool", "Make"} <= names
    assert abs(finding.details["gps"]["latitude"] - 40.6892) < 1e-6
    assert abs(finding.details["gps"]["longitude"] + 74.0445) < 1e-6
    assert "GPS 40.689200, -74.044500" in finding.summary
    rows = dict(finding.table)
    assert rows["XMP / xmp:CreatorTool"] == "Snapseed 2.0"
    assert rows["EXIF / IFD0 / Model"] == "Canon EOS 5D"
    json.loads(json.dumps(finding.to_json()))


def test_file_without_metadata(tmp_path):
    path = tmp_path / "plain.jpg"
    path.write_bytes(jpeg_bytes(IMAGE))
    finding = run_analysis("metadata", Subject(image=IMAGE, path=path))
    assert finding.details["gps"] is None
    assert finding.details["sections"] == ["JPEG quantization"]
