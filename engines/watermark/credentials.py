"""Content Credentials for marked files: a local signing key (made on first use) and a watermark assertion."""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path
from typing import Any

from engines.evidence.paths import data_dir
from engines.media.c2pa_reader import read_credentials
from engines.media.c2pa_signer import CHAIN_FILE, KEY_FILE, create_test_credentials, sign_file

ASSERTION = "org.truelens.watermark"
SOFT_BINDING_ALG = "org.truelens.ownership.1"
GENERATOR = {"name": "TrueLens", "version": "0.1.0"}
# The source of the input is unknown; the mark itself is an imperceptible edit of it.
SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/minorHumanEdits"


def credentials_dir() -> Path:
    return data_dir() / "watermark" / "c2pa"


def load_or_create() -> tuple[bytes, bytes]:
    """(certificate chain PEM, private key PEM) of this installation's signer, created on first use."""
    folder = credentials_dir()
    chain, key = folder / CHAIN_FILE, folder / KEY_FILE
    if chain.is_file() and key.is_file():
        return chain.read_bytes(), key.read_bytes()
    return create_test_credentials(folder, common_name="TrueLens watermark signer")


def _root_pem() -> bytes | None:
    chain = credentials_dir() / CHAIN_FILE
    if not chain.is_file():
        return None
    pem = chain.read_bytes()
    marker = b"-----BEGIN CERTIFICATE-----"
    parts = pem.split(marker)
    return marker + parts[-1] if len(parts) > 2 else None


def manifest(title: str, watermark: dict[str, Any]) -> dict[str, Any]:
    """A manifest: created, then watermarked by TrueLens; the watermark's ID, owner ID and time as an assertion,
    and the C2PA soft binding (the watermark ID as the binding value) that a ``c2pa.watermarked`` action needs."""
    ident = str(watermark.get("watermark_id", "")).replace("-", "")
    value = base64.b64encode(bytes.fromhex(ident) if ident else b"").decode("ascii")
    return {
        "claim_generator_info": [GENERATOR],
        "title": title,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": [
                {"action": "c2pa.created", "digitalSourceType": SOURCE_TYPE},
                {"action": "c2pa.watermarked", "softwareAgent": GENERATOR,
                 "parameters": {"description": f"invisible ownership watermark {watermark.get('watermark_id', '')}"}},
            ]}},
            {"label": ASSERTION, "data": watermark},
            {"label": "c2pa.soft-binding",
             "data": {"alg": SOFT_BINDING_ALG, "blocks": [{"scope": {}, "value": value}]}},
        ],
    }


def sign(src: str | Path, dst: str | Path, title: str, watermark: dict[str, Any]) -> None:
    """Write a signed copy of ``src`` to ``dst`` (atomically). Raises ``C2paSigningError``."""
    chain, key = load_or_create()
    sign_file(src, dst, manifest(title, watermark), chain, key)


@dataclasses.dataclass(frozen=True)
class CredentialsSummary:
    state: str  # as ``CredentialsReport.state``: trusted, untrusted, valid, invalid, none, unsupported, error
    summary: str
    signer: str
    watermark: dict[str, Any] | None  # the watermark assertion, when present

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def read(path: str | Path) -> CredentialsSummary:
    """Validate a file's Content Credentials (this installation's root counts as trusted) and find our assertion."""
    report = read_credentials(path, trust_anchors_pem=_root_pem())
    found = None
    store = report.store or {}
    active = (store.get("manifests") or {}).get(store.get("active_manifest") or "") or {}
    for assertion in active.get("assertions") or []:
        if assertion.get("label") == ASSERTION and isinstance(assertion.get("data"), dict):
            found = dict(assertion["data"])
    return CredentialsSummary(report.state, report.summary, report.signer, found)
