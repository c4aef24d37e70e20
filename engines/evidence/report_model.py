"""The report model: everything a report says about a case, as plain frozen data.

``build_report`` re-verifies every evidence item (audited), gathers bookmarks, methods, software
versions, model-weight hashes and the audit log. Renderers (HTML, JSON, and the PDF in ``app``)
only format this model.
"""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import Any

from engines.evidence.audit import AuditEntry
from engines.evidence.bookmarks import STATUS_LABELS, list_bookmarks
from engines.evidence.canonical import iso_from_ns, utc_now
from engines.evidence.cases import Case
from engines.evidence.intake import ItemCheck, check_item, list_items
from engines.evidence.versions import software_versions

DEFAULT_LIMITATIONS = (
    "The analyses in this report are statistical indicators, not proof. A highlighted region means that "
    "part of the image behaves differently under the named method with the listed parameters; it may have "
    "innocent causes (re-compression, resizing, sharpening, text, sky, noise-free regions). The absence of a "
    "trace does not show that an image is authentic: many edits and generated images leave none of the traces "
    "these methods look for. Scores are not calibrated probabilities unless the method says so. Results depend "
    "on the software versions and parameters listed; re-running them on the same file with the same versions "
    "reproduces the maps. Hashes show that the examined bytes are identical to those taken in at intake; they "
    "say nothing about where the file came from or what happened to it before intake. Maps shown in this "
    "report may be scaled for display; the stored derived images are identified by their SHA-256."
)
ROLE_CAPTIONS = {"frame": "Analysed frame (preview)", "map": "Analysis map", "mask": "Mask"}


@dataclasses.dataclass(frozen=True)
class ReportImage:
    role: str
    caption: str
    file: Path
    sha256: str
    width: int
    height: int


@dataclasses.dataclass(frozen=True)
class ReportItem:
    id: int
    name: str
    path: str
    sha256: str
    md5: str
    size: int
    modified: str
    changed: str
    intake_at: str
    verification: str  # "verified" | "mismatch" | "missing" | "not checked"
    verified_at: str
    actual_sha256: str
    verification_note: str


@dataclasses.dataclass(frozen=True)
class ReportMethod:
    engine: str
    version: str
    title: str
    group: str
    how_to_read: str


@dataclasses.dataclass(frozen=True)
class ReportFinding:
    number: int
    bookmark_id: int
    item_id: int
    item_name: str
    frame_index: int
    engine: str
    title: str
    version: str
    params: tuple[tuple[str, str], ...]
    weights_sha256: str | None
    summary: str
    score: float | None
    status: str
    status_label: str
    note: str
    created_at: str
    table: tuple[tuple[str, str], ...]
    images: tuple[ReportImage, ...]


@dataclasses.dataclass(frozen=True)
class ReportAuditEntry:
    seq: int
    at: str
    action: str
    actor: str
    description: str
    entry_hash: str


@dataclasses.dataclass(frozen=True)
class Report:
    report_id: str
    title: str
    generated_at: str
    case_name: str
    case_uuid: str
    examiner: str
    case_created_at: str
    items: tuple[ReportItem, ...]
    findings: tuple[ReportFinding, ...]
    methods: tuple[ReportMethod, ...]
    software: tuple[tuple[str, str], ...]
    weights: tuple[tuple[str, str], ...]
    limitations: str
    audit_ok: bool
    audit_count: int
    audit_head: str
    audit_problems: tuple[str, ...]
    audit: tuple[ReportAuditEntry, ...]
    signer_fingerprint: str | None = None

    def status_counts(self) -> dict[str, int]:
        """Number of findings per status label."""
        counts = {label: 0 for label in STATUS_LABELS.values()}
        for finding in self.findings:
            counts[finding.status_label] += 1
        return counts


def build_report(
    case: Case,
    *,
    title: str | None = None,
    limitations: str | None = None,
    verify: bool = True,
    signer_fingerprint: str | None = None,
) -> Report:
    """Assemble the report for a case; with ``verify`` every item is re-hashed (and that is audited)."""
    checks = {item.id: (check_item(case, item) if verify else None) for item in list_items(case)}
    items = tuple(_report_item(item_id, check, case) for item_id, check in checks.items())
    names = {item.id: item.name for item in items}
    findings, methods, weights = [], {}, {}
    for number, bm in enumerate(list_bookmarks(case), start=1):
        method = _method(bm.engine, bm.engine_version)
        methods[(bm.engine, bm.engine_version)] = method
        if bm.weights_sha256:
            weights[(bm.engine, bm.weights_sha256)] = None
        images = tuple(
            ReportImage(im.role, ROLE_CAPTIONS.get(im.role, im.role), im.file, im.sha256, im.width, im.height)
            for im in bm.images
        )
        table = tuple((str(r[0]), str(r[1])) for r in bm.finding.get("table", []) if len(r) == 2)
        findings.append(ReportFinding(
            number=number, bookmark_id=bm.id, item_id=bm.item_id, item_name=names.get(bm.item_id, "?"),
            frame_index=bm.frame_index, engine=bm.engine, title=method.title, version=bm.engine_version,
            params=tuple((k, _fmt(v)) for k, v in sorted(bm.params.items())), weights_sha256=bm.weights_sha256,
            summary=bm.summary, score=bm.score, status=bm.status, status_label=bm.status_label, note=bm.note,
            created_at=bm.created_at, table=table, images=images,
        ))
    chain = case.verify_audit()
    entries = case.audit_entries()
    return Report(
        report_id=str(uuid.uuid4()),
        title=title or f"Forensic examination report — {case.info.name}",
        generated_at=utc_now(),
        case_name=case.info.name,
        case_uuid=case.info.uuid,
        examiner=case.info.examiner,
        case_created_at=case.info.created_at,
        items=items,
        findings=tuple(findings),
        methods=tuple(methods.values()),
        software=tuple(software_versions()),
        weights=tuple(weights),
        limitations=DEFAULT_LIMITATIONS if limitations is None else limitations,
        audit_ok=chain.ok,
        audit_count=chain.count,
        audit_head=chain.head,
        audit_problems=chain.problems,
        audit=tuple(ReportAuditEntry(e.seq, e.at, e.action, e.actor, describe_entry(e), e.entry_hash)
                    for e in entries),
        signer_fingerprint=signer_fingerprint,
    )


def _report_item(item_id: int, check: ItemCheck | None, case: Case) -> ReportItem:
    if check is None:
        from engines.evidence.intake import get_item

        item, status, actual, at, note = get_item(case, item_id), "not checked", "", "", ""
    else:
        item, status, actual, at, note = check.item, check.status, check.actual_sha256, check.checked_at, check.reason
        if check.ok and check.mtime_changed:
            note = "bytes unchanged; the file's modification time changed since intake"
    return ReportItem(
        id=item.id, name=item.name, path=str(item.path), sha256=item.sha256, md5=item.md5, size=item.size,
        modified=iso_from_ns(item.mtime_ns), changed=iso_from_ns(item.ctime_ns), intake_at=item.intake_at,
        verification=status, verified_at=at, actual_sha256=actual, verification_note=note,
    )


def _method(engine: str, version: str) -> ReportMethod:
    try:
        from engines.forensics import get_analysis

        analysis = get_analysis(engine)
        return ReportMethod(engine, version, analysis.title, analysis.group, analysis.how_to_read)
    except KeyError:
        return ReportMethod(engine, version, engine, "", "")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _short(digest: Any) -> str:
    return f"{str(digest)[:16]}…" if digest else "—"


def describe_entry(entry: AuditEntry) -> str:
    """One line saying what an audit entry records."""
    d = entry.details
    item = f"item {d.get('item_id')}"
    if entry.action == "case-created":
        return f"case {d.get('name')!r} created, examiner {d.get('examiner') or '—'}"
    if entry.action == "intake":
        name = Path(str(d.get("path", ""))).name
        return f"{item} taken in: {name}, {d.get('size')} bytes, sha256 {_short(d.get('sha256'))}"
    if entry.action == "verify":
        return f"{item} re-hashed: {d.get('result')}"
    if entry.action == "analysis":
        return f"{d.get('engine')} {d.get('version')} run on {item}, frame {d.get('frame_index')}"
    if entry.action == "bookmark":
        return f"bookmark {d.get('bookmark_id')}: {d.get('engine')} on {item}, status {d.get('status')}"
    if entry.action == "status-change":
        return f"bookmark {d.get('bookmark_id')} status {d.get('old')} → {d.get('new')}"
    if entry.action == "note-change":
        return f"bookmark {d.get('bookmark_id')} note changed"
    if entry.action in ("report", "export"):
        return f"{entry.action} written: {Path(str(d.get('path', ''))).name}, sha256 {_short(d.get('sha256'))}"
    return entry.action
