"""C2PA signing and reading offline: local CA→leaf credentials, trusted/untrusted/invalid/none states."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from engines.media.c2pa_reader import read_credentials, report_from_store
from engines.media.c2pa_signer import (
    CHAIN_FILE,
    KEY_FILE,
    C2paSigningError,
    create_test_credentials,
    sign_file,
)
from tests.engines.media._metadata_fixtures import (
    TEST_MANIFEST,
    camera_jpeg,
    png_bytes,
    root_certificate,
    smooth_image,
    tamper_scan_byte,
)


@pytest.fixture(scope="module")
def es256_credentials(tmp_path_factory):
    return create_test_credentials(tmp_path_factory.mktemp("creds"), "es256")


@pytest.fixture()
def source_jpeg(tmp_path):
    path = tmp_path / "source.jpg"
    path.write_bytes(camera_jpeg(smooth_image(96, 128)))
    return path


def test_credentials_files_and_chain(tmp_path):
    chain, key = create_test_credentials(tmp_path / "c", "ed25519")
    assert chain.count(b"BEGIN CERTIFICATE") == 2
    assert b"PRIVATE KEY" in key
    assert (tmp_path / "c" / CHAIN_FILE).read_bytes() == chain
    assert stat.S_IMODE(os.stat(tmp_path / "c" / KEY_FILE).st_mode) == 0o600
    with pytest.raises(ValueError):
        create_test_credentials(tmp_path, "rsa1024")


@pytest.mark.parametrize("algorithm", ["es256", "ed25519"])
def test_sign_then_read_untrusted_and_trusted(tmp_path, source_jpeg, algorithm):
    chain, key = create_test_credentials(tmp_path / "creds", algorithm)
    before = hashlib.sha256(source_jpeg.read_bytes()).hexdigest()
    signed = sign_file(source_jpeg, tmp_path / "signed.jpg", TEST_MANIFEST, chain, key)
    assert hashlib.sha256(source_jpeg.read_bytes()).hexdigest() == before  # source untouched
    report = read_credentials(signed)
    assert report.state == "untrusted"
    assert report.reasons == []
    assert report.claim_generator == "TrueLens tests 0.1"
    assert "TrueLens local signer" in report.signer
    assert [a["action"] for a in report.actions] == ["c2pa.created"]
    assert report.manifest_count == 1
    trusted = read_credentials(signed, trust_anchors_pem=root_certificate(chain))
    assert trusted.state == "trusted"


def test_tampered_pixels_read_as_invalid(tmp_path, source_jpeg, es256_credentials):
    chain, key = es256_credentials
    signed = sign_file(source_jpeg, tmp_path / "signed.jpg", TEST_MANIFEST, chain, key)
    tampered = tmp_path / "tampered.jpg"
    tampered.write_bytes(tamper_scan_byte(signed.read_bytes()))
    report = read_credentials(tampered, trust_anchors_pem=root_certificate(chain))
    assert report.state == "invalid"
    assert any("dataHash.mismatch" in r for r in report.reasons)
    assert "invalid" in report.summary


def test_png_can_be_signed(tmp_path, es256_credentials):
    chain, key = es256_credentials
    src = tmp_path / "a.png"
    src.write_bytes(png_bytes(smooth_image(32, 32)))
    signed = sign_file(src, tmp_path / "b.png", TEST_MANIFEST, chain, key)
    assert read_credentials(signed).state == "untrusted"


def test_no_credentials_and_unreadable_inputs(tmp_path, source_jpeg):
    assert read_credentials(source_jpeg).state == "none"
    text = tmp_path / "t.txt"
    text.write_bytes(b"hello world, not an image")
    assert read_credentials(text).state in ("unsupported", "error", "none")


def test_sign_refuses_to_overwrite_source(source_jpeg, es256_credentials):
    chain, key = es256_credentials
    before = source_jpeg.read_bytes()
    with pytest.raises(C2paSigningError, match="source"):
        sign_file(source_jpeg, source_jpeg, TEST_MANIFEST, chain, key)
    assert source_jpeg.read_bytes() == before


def test_sign_errors_are_reported(tmp_path, source_jpeg, es256_credentials):
    chain, key = es256_credentials
    no_actions = {"claim_generator_info": [{"name": "x", "version": "1"}], "title": "t"}
    with pytest.raises(C2paSigningError, match="created or opened"):
        sign_file(source_jpeg, tmp_path / "o.jpg", no_actions, chain, key)
    assert not (tmp_path / "o.jpg").exists()
    with pytest.raises(C2paSigningError, match="private key"):
        sign_file(source_jpeg, tmp_path / "o.jpg", TEST_MANIFEST, chain, b"not a key")
    text = tmp_path / "t.txt"
    text.write_bytes(b"plain text")
    with pytest.raises(C2paSigningError, match="not supported"):
        sign_file(text, tmp_path / "o.txt", TEST_MANIFEST, chain, key)
    assert list(tmp_path.glob(".*.tmp")) == []


def test_report_from_store_states():
    untrusted = {"code": "signingCredential.untrusted", "explanation": "signing certificate untrusted"}
    mismatch = {"code": "assertion.dataHash.mismatch", "explanation": "hashes do not match"}
    store = {"active_manifest": "m", "manifests": {"m": {"claim_generator": "gen"}}, "validation_state": "Valid"}
    assert report_from_store({**store, "validation_status": [untrusted]}).state == "untrusted"
    assert report_from_store(store).state == "valid"
    invalid = report_from_store({**store, "validation_state": "Invalid", "validation_status": [untrusted, mismatch]})
    assert invalid.state == "invalid"
    assert invalid.reasons == ["assertion.dataHash.mismatch: hashes do not match"]
    assert report_from_store({**store, "validation_state": "Trusted"}).claim_generator == "gen"
