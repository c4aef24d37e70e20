"""Export a case as an evidence bundle: originals, derived images, reports, audit log, signed manifest."""

from __future__ import annotations

import dataclasses
import json
import time
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import engines
from engines.evidence import audit
from engines.evidence.atomic import atomic_output
from engines.evidence.bookmarks import list_bookmarks
from engines.evidence.bundle_format import (
    AUDIT_NAME,
    BUNDLE_FORMAT,
    MANIFEST_NAME,
    MANIFEST_SIG_NAME,
    copy_hashed,
    safe_file_name,
)
from engines.evidence.canonical import sha256_hex, utc_now
from engines.evidence.cases import Case
from engines.evidence.errors import EvidenceMismatch, EvidenceMissing
from engines.evidence.intake import list_items
from engines.evidence.signed_files import ensure_writable_output
from engines.evidence.signing import sign_document
from engines.media.hashing import sha256_file


@dataclasses.dataclass(frozen=True)
class BundleResult:
    path: Path
    sha256: str
    members: int
    key_fingerprint: str


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _info(name: str, compress: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = (0o100644 & 0xFFFF) << 16
    return info


def _add_file(zf: zipfile.ZipFile, name: str, source: Path, expected_sha256: str) -> dict[str, Any]:
    """Stream a file into the zip, checking it still has the recorded hash."""
    try:
        with open(source, "rb") as src, zf.open(_info(name, False), "w", force_zip64=True) as dst:
            digest, size = copy_hashed(src, dst, limit=1 << 62)
    except FileNotFoundError:
        raise EvidenceMissing(f"cannot export: {source} is missing") from None
    except OSError as exc:
        raise EvidenceMissing(f"cannot export: cannot read {source}: {exc.strerror or exc}") from None
    if digest != expected_sha256:
        raise EvidenceMismatch(f"cannot export: {source.name} no longer matches its recorded SHA-256",
                               expected=expected_sha256, actual=digest)
    return {"path": name, "sha256": digest, "size": size}


def _add_bytes(zf: zipfile.ZipFile, name: str, data: bytes) -> dict[str, Any]:
    zf.writestr(_info(name, True), data)
    return {"path": name, "sha256": sha256_hex(data), "size": len(data)}


def export_bundle(case: Case, out: Path, reports: Mapping[str, bytes], report_id: str = "") -> BundleResult:
    """Write the bundle zip atomically; ``reports`` maps file names (e.g. ``report.html``) to bytes."""
    out = ensure_writable_output(case, out)
    chain = case.verify_audit()
    audit.require_intact(chain)
    members: list[dict[str, Any]] = []
    with atomic_output(out) as fh, zipfile.ZipFile(fh, "w", allowZip64=True) as zf:
        for item in list_items(case):
            entry = _add_file(zf, f"evidence/{item.id:04d}-{safe_file_name(item.name)}", item.path, item.sha256)
            members.append({**entry, "role": "evidence", "item_id": item.id, "original_path": str(item.path),
                            "intake_at": item.intake_at})
        seen: set[str] = set()
        for bookmark in list_bookmarks(case):
            for image in bookmark.images:
                if image.sha256 in seen:
                    continue
                seen.add(image.sha256)
                entry = _add_file(zf, f"derived/{image.sha256}.png", image.file, image.sha256)
                members.append({**entry, "role": "derived", "bookmark_id": bookmark.id, "image_role": image.role})
        for name, data in sorted(reports.items()):
            members.append({**_add_bytes(zf, f"reports/{safe_file_name(name)}", data), "role": "report"})
        log = {"case_uuid": case.info.uuid, "head": {"count": chain.count, "entry_hash": chain.head},
               "entries": [e.to_json() for e in case.audit_entries()]}
        members.append({**_add_bytes(zf, AUDIT_NAME, _json_bytes(log)), "role": "audit"})
        case_meta = {"name": case.info.name, "uuid": case.info.uuid, "examiner": case.info.examiner,
                     "created_at": case.info.created_at}
        manifest = {"format": BUNDLE_FORMAT, "created_at": utc_now(), "truelens_version": engines.__version__,
                    "case": case_meta, "report_id": report_id, "members": members}
        manifest_bytes = _json_bytes(manifest)
        sig = sign_document({"kind": "bundle-manifest", "case": case_meta,
                             "subject": {"file": MANIFEST_NAME, "size": len(manifest_bytes),
                                         "sha256": sha256_hex(manifest_bytes)}})
        zf.writestr(_info(MANIFEST_NAME, True), manifest_bytes)
        zf.writestr(_info(MANIFEST_SIG_NAME, True), _json_bytes(sig))
    digest = sha256_file(out)
    with case.db.write() as conn:
        audit.append(conn, "export", {"path": str(out), "sha256": digest, "members": len(members),
                                      "key_fingerprint": sig["key_fingerprint"]})
    return BundleResult(out, digest, len(members), sig["key_fingerprint"])
