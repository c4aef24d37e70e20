"""Ed25519 signing with this installation's key pair, and detached signature documents.

The key pair is created on first use in ``<data>/keys`` (private key PEM, mode 0600, not
passphrase-protected: protect the account that holds it). A signature document is JSON:
everything except ``signature`` is signed as canonical JSON, and it names the SHA-256 and
size of the signed file, so it covers every byte of that file.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from engines.evidence.canonical import canonical_json, sha256_hex, utc_now
from engines.evidence.errors import SignatureInvalid
from engines.evidence.paths import keys_dir

ALGORITHM = "Ed25519"
SIGNATURE_FORMAT = "truelens-signature/1"
PRIVATE_KEY_NAME = "ed25519-private.pem"
PUBLIC_KEY_NAME = "ed25519-public.pem"


@dataclasses.dataclass(frozen=True)
class SignatureCheck:
    """A verified signature: who signed (key fingerprint) and whether it is this installation's key."""

    fingerprint: str
    signed_at: str
    local_key: bool


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex."""
    return sha256_hex(public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def load_or_create_key(folder: Path | None = None) -> Ed25519PrivateKey:
    """This installation's private key, created (mode 0600) on first use; safe if two processes race."""
    folder = folder or keys_dir()
    private_path = folder / PRIVATE_KEY_NAME
    if not private_path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)
        _create_key(folder, private_path)
    try:
        key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SignatureInvalid(f"cannot read the signing key {private_path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureInvalid(f"{private_path} is not an Ed25519 key")
    return key


def _create_key(folder: Path, private_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd, tmp = tempfile.mkstemp(prefix=".key.", dir=folder)  # mkstemp creates the file with mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, private_path)  # fails if another process created the key first: keep theirs
        except FileExistsError:
            return
        except OSError:
            if private_path.exists():
                return
            os.replace(tmp, private_path)
            tmp = ""
        public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
        (folder / PUBLIC_KEY_NAME).write_bytes(public_pem)
    finally:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def local_fingerprint(folder: Path | None = None) -> str | None:
    """Fingerprint of this installation's key, or ``None`` if no key exists yet."""
    path = (folder or keys_dir()) / PRIVATE_KEY_NAME
    if not path.exists():
        return None
    return fingerprint(load_or_create_key(folder).public_key())


def sign_document(payload: dict[str, Any], key: Ed25519PrivateKey | None = None) -> dict[str, Any]:
    """``payload`` plus format, algorithm, public key, fingerprint, signing time and signature."""
    key = key or load_or_create_key()
    public = key.public_key()
    doc = dict(payload)
    doc.update({
        "format": SIGNATURE_FORMAT,
        "algorithm": ALGORITHM,
        "public_key": base64.b64encode(
            public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode("ascii"),
        "key_fingerprint": fingerprint(public),
        "signed_at": utc_now(),
    })
    doc.pop("signature", None)
    doc["signature"] = base64.b64encode(key.sign(canonical_json(doc))).decode("ascii")
    return doc


def verify_document(doc: dict[str, Any], expected_fingerprint: str | None = None) -> SignatureCheck:
    """Check a signature document; raises ``SignatureInvalid`` with the reason."""
    if not isinstance(doc, dict) or doc.get("format") != SIGNATURE_FORMAT:
        raise SignatureInvalid("not a TrueLens signature document")
    if doc.get("algorithm") != ALGORITHM:
        raise SignatureInvalid(f"unsupported signature algorithm {doc.get('algorithm')!r}")
    try:
        raw_key = base64.b64decode(str(doc["public_key"]), validate=True)
        signature = base64.b64decode(str(doc["signature"]), validate=True)
        public = Ed25519PublicKey.from_public_bytes(raw_key)
    except (KeyError, ValueError, binascii.Error) as exc:
        raise SignatureInvalid(f"malformed signature document: {exc}") from None
    body = {k: v for k, v in doc.items() if k != "signature"}
    try:
        public.verify(signature, canonical_json(body))
    except InvalidSignature:
        raise SignatureInvalid("signature does not match the signed data (altered after signing)") from None
    actual = fingerprint(public)
    if doc.get("key_fingerprint") != actual:
        raise SignatureInvalid("the key fingerprint does not match the public key")
    if expected_fingerprint is not None:
        wanted = expected_fingerprint.strip().lower()
        if len(wanted) < 16:
            raise SignatureInvalid("give at least 16 hex digits of the expected key fingerprint")
        if not actual.startswith(wanted):
            raise SignatureInvalid(f"signed by key {actual[:16]}…, not the expected key {wanted[:16]}…")
    try:
        local = actual == local_fingerprint()
    except SignatureInvalid:
        local = False
    return SignatureCheck(actual, str(doc.get("signed_at", "")), local)


def file_subject(path: Path) -> dict[str, Any]:
    """What a detached signature says about the signed file: name, size and SHA-256."""
    data = path.read_bytes()
    return {"file": path.name, "size": len(data), "sha256": sha256_hex(data)}
