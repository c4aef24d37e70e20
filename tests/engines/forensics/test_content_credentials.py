"""Content Credentials analysis on files signed inside the test: untrusted-valid, tampered-invalid, none."""

from __future__ import annotations

import json

import pytest

from engines.forensics.registry import Subject, get_analysis, run_analysis
from engines.media.c2pa_signer import create_test_credentials, sign_file
from tests.engines.media._metadata_fixtures import TEST_MANIFEST, camera_jpeg, smooth_image, tamper_scan_byte

IMAGE = smooth_image(64, 80)


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("c2pa")
    chain, key = create_test_credentials(folder / "creds")
    src = folder / "src.jpg"
    src.write_bytes(camera_jpeg(IMAGE))
    return sign_file(src, folder / "signed.jpg", TEST_MANIFEST, chain, key)


def _run(path):
    return run_analysis("c2pa", Subject(image=IMAGE, path=path))


def test_signed_file_is_valid_but_untrusted(signed):
    analysis = get_analysis("c2pa")
    assert (analysis.group, analysis.output, analysis.needs_file) == ("Metadata", "table", True)
    finding = _run(signed)
    rows = dict(finding.table)
    assert rows["State"] == "valid, but the signer is not on the trust list"
    assert rows["Claim generator"] == "TrueLens tests 0.1"
    assert rows["Actions"] == "c2pa.created"
    assert rows["Declared source type"] == "digitalCapture"
    assert finding.score == 0.0
    assert finding.details["state"] == "untrusted"
    assert [n["name"] for n in finding.details["tree"]][:2] == ["Validation", "Claim generator"]
    json.dumps(finding.to_json())


def test_tampered_file_is_invalid(signed, tmp_path):
    path = tmp_path / "tampered.jpg"
    path.write_bytes(tamper_scan_byte(signed.read_bytes()))
    finding = _run(path)
    assert finding.details["state"] == "invalid"
    assert finding.score == 1.0
    reasons = [value for label, value in finding.table if label == "Reason"]
    assert any("dataHash.mismatch" in r for r in reasons)


def test_file_without_credentials(tmp_path):
    path = tmp_path / "plain.jpg"
    path.write_bytes(camera_jpeg(IMAGE))
    finding = _run(path)
    assert finding.score is None
    assert finding.table == (("State", "no Content Credentials"),)
