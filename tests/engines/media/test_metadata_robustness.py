"""Property-based robustness: random bytes in APP1 (Exif, XMP) and APP2 (ICC) segments and truncated files.

Every parser and every File/Metadata analysis must return a result (possibly with warnings), never raise.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import cv2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engines.findings import Finding
from engines.forensics.registry import Subject, run_analysis
from engines.media.c2pa_reader import read_credentials
from engines.media.exif_tree import read_exif_bytes
from engines.media.jpeg_structure import find_embedded_jpegs, walk_jpeg
from engines.media.metadata import read_metadata
from engines.media.png_structure import walk_png
from tests.engines.media._metadata_fixtures import (
    app_segment,
    camera_jpeg,
    insert_segments,
    jpeg_bytes,
    png_bytes,
    sample_xmp,
    smooth_image,
    xmp_segment,
)

IMAGE = smooth_image(32, 40)
BASE_JPEG = jpeg_bytes(IMAGE)
RICH_JPEG = camera_jpeg(
    IMAGE,
    software="Adobe Photoshop",
    gps=(1.5, 2.5),
    thumbnail=cv2.resize(IMAGE, (20, 16)),
    extra_segments=(xmp_segment(sample_xmp("GIMP", ("Lightroom",))),),
)
ANALYSES = ("file_hashes", "file_structure", "metadata", "metadata_consistency", "thumbnail", "c2pa")
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SIGNATURES = {
    "exif": (1, b"Exif\x00\x00"),
    "xmp": (1, b"http://ns.adobe.com/xap/1.0/\x00"),
    "icc": (2, b"ICC_PROFILE\x00\x01\x01"),
}


def _check_all(data: bytes, suffix: str = ".jpg") -> None:
    walk_png(data)
    structure = walk_jpeg(data)
    find_embedded_jpegs(data, structure)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        report = read_metadata(path)
        assert isinstance(report.rows(), list)
        assert read_credentials(path).state in ("none", "unsupported", "error", "invalid", "valid", "untrusted")
        for analysis_id in ANALYSES:
            finding = run_analysis(analysis_id, Subject(image=IMAGE, path=path))
            assert isinstance(finding, Finding)
            finding.to_json()


def _tiff_like():
    """Random bytes, often behind a valid TIFF header so Pillow goes deeper into the IFDs."""
    header = st.sampled_from([b"", b"II*\x00\x08\x00\x00\x00", b"MM\x00*\x00\x00\x00\x08"])
    return st.tuples(header, st.binary(max_size=600)).map(lambda t: t[0] + t[1])


@FUZZ
@given(kind=st.sampled_from(sorted(SIGNATURES)), body=st.binary(max_size=600), tiff=_tiff_like())
def test_random_app_segments_never_crash(kind, body, tiff):
    n, signature = SIGNATURES[kind]
    payload = signature + (tiff if kind == "exif" else body)
    _check_all(insert_segments(BASE_JPEG, [app_segment(n, payload)]))


@FUZZ
@given(tiff=_tiff_like())
def test_exif_parser_on_random_tiff(tiff):
    data = read_exif_bytes(b"Exif\x00\x00" + tiff)
    assert isinstance(data.warnings, list)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=len(RICH_JPEG)))
def test_truncated_rich_jpeg_never_crashes(cut):
    _check_all(RICH_JPEG[:cut] or b"\xff")


@FUZZ
@given(position=st.integers(min_value=2, max_value=len(RICH_JPEG) - 1), value=st.integers(0, 255))
def test_single_byte_corruption_never_crashes(position, value):
    data = bytearray(RICH_JPEG)
    data[position] = value
    _check_all(bytes(data))


@settings(max_examples=30, deadline=None)
@given(cut=st.integers(min_value=1, max_value=400))
def test_truncated_png_never_crashes(cut):
    data = png_bytes(IMAGE)
    _check_all(data[: min(cut, len(data))], ".png")
