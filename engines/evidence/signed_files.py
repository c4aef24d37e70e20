"""Write reports with a detached, signed ``<file>.sig`` and verify them later.

The signature document names the report's SHA-256 and size (so one changed byte fails), the
case, the audit-log head at the time of the report, and every evidence item with its intake
hash and path, so verification can re-hash the originals when they are reachable.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from engines.evidence import audit
from engines.evidence.atomic import atomic_output
from engines.evidence.canonical import sha256_hex
from engines.evidence.cases import Case
from engines.evidence.errors import EvidenceError, SignatureInvalid
from engines.evidence.intake import list_items
from engines.evidence.report_model import Report
from engines.evidence.signing import SignatureCheck, sign_document, verify_document
from engines.media.hashing import file_digests


@dataclasses.dataclass(frozen=True)
class EvidenceStatus:
    """Re-hash of one evidence file named in a signature: "verified", "mismatch" or "unreachable"."""

    item_id: int
    name: str
    path: str
    status: str


@dataclasses.dataclass(frozen=True)
class FileVerification:
    """A verified signed file: the signature facts and the state of the evidence it names."""

    signature: SignatureCheck
    subject_sha256: str
    document: dict[str, Any]
    evidence: tuple[EvidenceStatus, ...]

    @property
    def evidence_ok(self) -> bool:
        """No reachable evidence file differs from its recorded hash."""
        return all(e.status != "mismatch" for e in self.evidence)


def signature_path(path: Path) -> Path:
    """Where the detached signature of ``path`` lives."""
    return path.with_name(path.name + ".sig")


def ensure_writable_output(case: Case, out: Path) -> Path:
    """Resolve an output path and refuse evidence files, folders and missing parent folders."""
    out = Path(out).expanduser()
    if out.is_dir():
        raise EvidenceError(f"{out} is a folder; give a file name")
    if not out.parent.is_dir():
        raise EvidenceError(f"folder {out.parent} does not exist")
    resolved = out.resolve()
    protected = {item.path for item in list_items(case)}
    if resolved in protected or signature_path(resolved) in protected:
        raise EvidenceError(f"refusing to overwrite evidence file {out}")
    return resolved


def write_signed_report(case: Case, report: Report, data: bytes, out: Path, fmt: str) -> dict[str, Any]:
    """Write ``data`` to ``out`` and its signature to ``out.sig`` (both atomic), then audit the write."""
    out = ensure_writable_output(case, out)
    payload = {
        "kind": "report",
        "report_format": fmt,
        "report_id": report.report_id,
        "subject": {"file": out.name, "size": len(data), "sha256": sha256_hex(data)},
        "case": {"name": report.case_name, "uuid": report.case_uuid, "examiner": report.examiner},
        "audit_head": {"count": report.audit_count, "entry_hash": report.audit_head},
        "evidence": [{"item_id": i.id, "name": i.name, "path": i.path, "sha256": i.sha256, "size": i.size}
                     for i in report.items],
    }
    doc = sign_document(payload)
    sig_bytes = (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    with atomic_output(out) as fh_report, atomic_output(signature_path(out)) as fh_sig:
        fh_report.write(data)
        fh_sig.write(sig_bytes)
    with case.db.write() as conn:
        audit.append(conn, "report", {
            "path": str(out), "format": fmt, "sha256": payload["subject"]["sha256"], "report_id": report.report_id,
            "key_fingerprint": doc["key_fingerprint"],
        })
    return doc


def read_signature(path: Path) -> dict[str, Any]:
    """Load a ``.sig`` document."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SignatureInvalid(f"no signature file {path.name} next to the report") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SignatureInvalid(f"cannot read signature {path.name}: {exc}") from None
    if not isinstance(doc, dict):
        raise SignatureInvalid(f"{path.name} is not a signature document")
    return doc


def check_subject(doc: dict[str, Any], data: bytes, name: str) -> str:
    """Raise unless ``data`` is exactly the file the signature names; returns its SHA-256."""
    subject = doc.get("subject")
    if not isinstance(subject, dict):
        raise SignatureInvalid("the signature does not name a signed file")
    digest = sha256_hex(data)
    if subject.get("sha256") != digest or subject.get("size") != len(data):
        raise SignatureInvalid(f"{name} was changed after it was signed (SHA-256 {digest[:16]}… differs)")
    return digest


def verify_signed_file(
    path: Path, sig_path: Path | None = None, expected_fingerprint: str | None = None, check_evidence: bool = True
) -> FileVerification:
    """Verify a signed report: signature, report bytes and, where reachable, the evidence hashes."""
    path = Path(path).expanduser()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SignatureInvalid(f"file not found: {path}") from None
    except IsADirectoryError:
        raise SignatureInvalid(f"{path} is a folder, not a report") from None
    except OSError as exc:
        raise SignatureInvalid(f"cannot read {path}: {exc.strerror or exc}") from None
    doc = read_signature(sig_path or signature_path(path))
    check = verify_document(doc, expected_fingerprint)
    digest = check_subject(doc, data, path.name)
    evidence = tuple(_check_evidence(e) for e in doc.get("evidence", [])) if check_evidence else ()
    return FileVerification(check, digest, doc, evidence)


def _check_evidence(entry: dict[str, Any]) -> EvidenceStatus:
    path = str(entry.get("path", ""))
    status = "unreachable"
    if path and os.path.isfile(path):
        try:
            status = "verified" if file_digests(path)["sha256"] == entry.get("sha256") else "mismatch"
        except OSError:
            status = "unreachable"
    return EvidenceStatus(int(entry.get("item_id", 0)), str(entry.get("name", "")), path, status)
