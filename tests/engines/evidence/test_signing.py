"""Ed25519 key pair on first use (mode 0600), signature documents and tamper detection."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from engines.evidence import SignatureInvalid
from engines.evidence.paths import keys_dir
from engines.evidence.signing import (
    PRIVATE_KEY_NAME,
    fingerprint,
    load_or_create_key,
    local_fingerprint,
    sign_document,
    verify_document,
)


def test_key_is_created_once_with_private_permissions():
    assert local_fingerprint() is None
    key = load_or_create_key()
    path = keys_dir() / PRIVATE_KEY_NAME
    if sys.platform != "win32":
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = load_or_create_key()
    assert fingerprint(again.public_key()) == fingerprint(key.public_key()) == local_fingerprint()
    assert [p.name for p in keys_dir().iterdir() if p.name.startswith(".")] == []


def test_signature_document_round_trip_and_tampering():
    doc = sign_document({"subject": {"file": "r.html", "size": 3, "sha256": "00" * 32}, "note": "x"})
    check = verify_document(doc)
    assert check.local_key and check.fingerprint == doc["key_fingerprint"]
    assert verify_document(doc, expected_fingerprint=check.fingerprint[:16]).fingerprint == check.fingerprint
    with pytest.raises(SignatureInvalid, match="at least 16"):
        verify_document(doc, expected_fingerprint="abcd")
    with pytest.raises(SignatureInvalid, match="not the expected key"):
        verify_document(doc, expected_fingerprint="0" * 64)
    for field, value in (("note", "y"), ("subject", {"file": "r.html", "size": 4, "sha256": "00" * 32}),
                         ("signed_at", "2000-01-01T00:00:00Z")):
        with pytest.raises(SignatureInvalid, match="altered"):
            verify_document({**doc, field: value})
    with pytest.raises(SignatureInvalid, match="malformed"):
        verify_document({**doc, "signature": "***"})
    with pytest.raises(SignatureInvalid, match="not a TrueLens"):
        verify_document({"format": "other"})


def test_a_different_key_is_flagged_as_not_local(tmp_path):
    other = load_or_create_key(tmp_path / "other-keys")
    doc = sign_document({"x": 1}, key=other)
    check = verify_document(doc)
    assert not check.local_key and check.fingerprint == fingerprint(other.public_key())
