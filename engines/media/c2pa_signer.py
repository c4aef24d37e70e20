"""Sign images with C2PA Content Credentials using a local key (ES256 or Ed25519), fully offline.

c2pa-rs refuses self-signed signing certificates, so ``create_test_credentials`` makes a two-level chain:
a local root CA (CA flag, keyCertSign) and a leaf (no CA flag, digitalSignature, EKU emailProtection +
documentSigning, subject/authority key identifiers). The chain PEM holds leaf first, then the root.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from engines.media.c2pa_reader import MIME_TYPES, OFFLINE_SETTINGS
from engines.media.sniff import sniff_format

CHAIN_FILE = "c2pa_chain.pem"
KEY_FILE = "c2pa_key.pem"
_DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


class C2paSigningError(Exception):
    """Signing failed; ``str(err)`` is a one-line reason."""


def _name(common_name: str) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TrueLens"),
    ]
    return x509.Name(attributes)


def _usage(ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _certificate(subject: str, key: Any, issuer: str, issuer_key: Any, ca: bool, days: int) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_usage(ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    if not ca:
        eku = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, _DOCUMENT_SIGNING])
        builder = builder.add_extension(eku, critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def create_test_credentials(
    directory: str | Path, algorithm: str = "es256", common_name: str = "TrueLens local signer", days: int = 365
) -> tuple[bytes, bytes]:
    """Make a local root CA and a signing certificate; write and return (chain PEM, private key PEM).

    ``algorithm`` is "es256" (P-256) or "ed25519". Files ``c2pa_chain.pem`` and ``c2pa_key.pem`` (mode 600)
    are written atomically into ``directory``. The root is the last certificate of the chain: give it to
    ``read_credentials(trust_anchors_pem=...)`` to have these signatures reported as trusted.
    """
    algorithm = algorithm.lower()
    if algorithm not in ("es256", "ed25519"):
        raise ValueError(f"unsupported algorithm {algorithm!r}; use 'es256' or 'ed25519'")
    root_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1()) if algorithm == "es256" else ed25519.Ed25519PrivateKey.generate()
    root = _certificate(f"{common_name} root CA", root_key, f"{common_name} root CA", root_key, True, days)
    leaf = _certificate(common_name, leaf_key, f"{common_name} root CA", root_key, False, days)
    chain = leaf.public_bytes(serialization.Encoding.PEM) + root.public_bytes(serialization.Encoding.PEM)
    key_pem = leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _write_atomic(directory / CHAIN_FILE, chain)
    _write_atomic(directory / KEY_FILE, key_pem, 0o600)
    return chain, key_pem


def signing_algorithm(key_pem: bytes) -> c2pa.C2paSigningAlg:
    """The C2PA algorithm matching a PEM private key (P-256/384/521 → ES*, Ed25519, RSA → PS256)."""
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise C2paSigningError(f"cannot load the private key: {exc}") from exc
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return c2pa.C2paSigningAlg.ED25519
    if isinstance(key, ec.EllipticCurvePrivateKey):
        by_curve = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
        if key.curve.name not in by_curve:
            raise C2paSigningError(f"unsupported elliptic curve {key.curve.name}")
        return c2pa.C2paSigningAlg[by_curve[key.curve.name]]
    if isinstance(key, rsa.RSAPrivateKey):
        return c2pa.C2paSigningAlg.PS256
    raise C2paSigningError(f"unsupported key type {type(key).__name__}")


def sign_file(
    src: str | Path,
    dst: str | Path,
    manifest_json: str | dict[str, Any],
    cert_chain_pem: bytes | str,
    key_pem: bytes | str,
    *,
    thumbnail: bool = False,
) -> Path:
    """Write a signed copy of ``src`` to ``dst`` (atomically); ``src`` is only read.

    The manifest must contain a ``c2pa.actions`` assertion whose first action is ``c2pa.created`` or
    ``c2pa.opened`` (c2pa-rs rejects others). ``thumbnail`` embeds a claim thumbnail (off: it copies the image).
    Raises ``C2paSigningError`` with the reason on failure.
    """
    src, dst = Path(src), Path(dst)
    if dst.exists() and src.exists() and os.path.samefile(src, dst):
        raise C2paSigningError("destination is the source file; the original is never overwritten")
    chain = cert_chain_pem.encode("ascii") if isinstance(cert_chain_pem, str) else cert_chain_pem
    key = key_pem.encode("ascii") if isinstance(key_pem, str) else key_pem
    manifest = manifest_json if isinstance(manifest_json, str) else json.dumps(manifest_json)
    data = src.read_bytes()
    mime = MIME_TYPES.get(sniff_format(data[:64]) or "")
    if mime is None:
        raise C2paSigningError(f"{src.name}: file type not supported for signing")
    settings = {**OFFLINE_SETTINGS, "builder": {"thumbnail": {"enabled": bool(thumbnail)}}}
    out = io.BytesIO()
    try:
        info = c2pa.C2paSignerInfo(signing_algorithm(key), chain, key, None)
        signer = c2pa.Signer.from_info(info)
        context = c2pa.Context(settings=c2pa.Settings.from_dict(settings))
        with c2pa.Builder(manifest, context=context) as builder:
            builder.sign(signer, mime, io.BytesIO(data), out)
    except c2pa.C2paError as exc:
        raise C2paSigningError(f"C2PA signing failed: {exc}") from exc
    finally:
        if "signer" in locals():
            signer.close()
    _write_atomic(dst, out.getvalue())
    return dst
