"""Hash-chained, append-only audit log of every action on a case.

Each entry stores ``prev_hash`` and ``entry_hash = sha256(prev_hash + canonical JSON of
{seq, at, action, actor, details})``. The first entry's ``prev_hash`` is derived from the case
UUID, so a log cannot be spliced from another case. Editing, deleting or reordering any past
entry changes a hash or breaks a link, which :func:`verify_chain` reports. Dropping entries at
the *end* is caught by comparing with the ``audit_head`` row written in the same transaction;
someone rewriting both with direct database access is caught only by a signed report or bundle
that recorded the head earlier (its ``audit_head`` hash).
"""

from __future__ import annotations

import dataclasses
import getpass
import json
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from engines.evidence.canonical import canonical_json, sha256_hex, utc_now
from engines.evidence.errors import AuditChainBroken

ACTIONS = (
    "case-created",
    "intake",
    "verify",
    "analysis",
    "bookmark",
    "status-change",
    "note-change",
    "report",
    "export",
)


@dataclasses.dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log."""

    seq: int
    at: str
    action: str
    actor: str
    details: dict[str, Any]
    prev_hash: str
    entry_hash: str

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (for bundles and reports)."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ChainCheck:
    """Outcome of verifying an audit log."""

    ok: bool
    count: int
    head: str
    problems: tuple[str, ...] = ()


def genesis_hash(case_uuid: str) -> str:
    """``prev_hash`` of the first entry of a case's log."""
    return sha256_hex(f"truelens-audit-genesis:{case_uuid}".encode())


def entry_hash(prev_hash: str, seq: int, at: str, action: str, actor: str, details: Mapping[str, Any]) -> str:
    """The chained hash of one entry."""
    body = canonical_json({"seq": seq, "at": at, "action": action, "actor": actor, "details": dict(details)})
    return sha256_hex(prev_hash.encode("ascii") + body)


def current_actor() -> str:
    """The operating-system user running TrueLens (``unknown`` if it cannot be determined)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry / no login name
        return "unknown"


def append(conn: sqlite3.Connection, action: str, details: Mapping[str, Any], actor: str | None = None) -> AuditEntry:
    """Append one entry. Must run inside the caller's write transaction (``CaseDatabase.write``)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if not conn.in_transaction:
        raise RuntimeError("audit.append must run inside a write transaction")
    head = conn.execute("SELECT seq, entry_hash FROM audit_head WHERE id = 1").fetchone()
    if head is None:
        uuid = conn.execute("SELECT uuid FROM case_info WHERE id = 1").fetchone()[0]
        seq, prev = 1, genesis_hash(uuid)
    else:
        seq, prev = int(head[0]) + 1, str(head[1])
    clean = json.loads(canonical_json(dict(details)))
    at = utc_now()
    who = actor or current_actor()
    digest = entry_hash(prev, seq, at, action, who, clean)
    conn.execute(
        "INSERT INTO audit (seq, at, action, actor, details_json, prev_hash, entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (seq, at, action, who, canonical_json(clean).decode("utf-8"), prev, digest),
    )
    conn.execute(
        "INSERT INTO audit_head (id, seq, entry_hash) VALUES (1, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, entry_hash = excluded.entry_hash",
        (seq, digest),
    )
    return AuditEntry(seq, at, action, who, clean, prev, digest)


def read_entries(conn: sqlite3.Connection) -> list[AuditEntry]:
    """All entries in storage order (by ``seq``)."""
    rows = conn.execute(
        "SELECT seq, at, action, actor, details_json, prev_hash, entry_hash FROM audit ORDER BY seq"
    ).fetchall()
    out = []
    for row in rows:
        try:
            details = json.loads(row[4])
        except (TypeError, ValueError):
            details = {"unreadable": str(row[4])}
        out.append(AuditEntry(int(row[0]), row[1], row[2], row[3], details, row[5], row[6]))
    return out


def verify_chain(
    entries: Iterable[AuditEntry | Mapping[str, Any]], case_uuid: str, head: tuple[int, str] | None = None
) -> ChainCheck:
    """Check links, hashes and numbering of a log; ``head`` (seq, hash) is the expected last entry."""
    problems: list[str] = []
    prev = genesis_hash(case_uuid)
    count = 0
    for expected_seq, raw in enumerate(entries, start=1):
        entry = raw if isinstance(raw, AuditEntry) else _from_mapping(raw)
        count += 1
        if entry.seq != expected_seq:
            problems.append(f"entry {expected_seq}: found sequence number {entry.seq} (deleted or reordered entry)")
        if entry.prev_hash != prev:
            problems.append(f"entry {entry.seq}: does not link to the previous entry")
        recomputed = entry_hash(entry.prev_hash, entry.seq, entry.at, entry.action, entry.actor, entry.details)
        if recomputed != entry.entry_hash:
            problems.append(f"entry {entry.seq} ({entry.action}): content does not match its hash (edited)")
        prev = entry.entry_hash
        if len(problems) > 20:
            problems.append("… further problems not listed")
            break
    if head is not None and (head[0] != count or head[1] != prev):
        problems.append(f"log ends at entry {count} but the recorded head is entry {head[0]} (truncated or rewritten)")
    return ChainCheck(ok=not problems, count=count, head=prev, problems=tuple(problems))


def verify_connection(conn: sqlite3.Connection) -> ChainCheck:
    """Verify the log stored in an open case database, including its recorded head."""
    uuid_row = conn.execute("SELECT uuid FROM case_info WHERE id = 1").fetchone()
    if uuid_row is None:
        return ChainCheck(False, 0, "", ("the case record is missing",))
    head_row = conn.execute("SELECT seq, entry_hash FROM audit_head WHERE id = 1").fetchone()
    head = (int(head_row[0]), str(head_row[1])) if head_row else (0, genesis_hash(uuid_row[0]))
    return verify_chain(read_entries(conn), uuid_row[0], head)


def require_intact(check: ChainCheck) -> None:
    """Raise ``AuditChainBroken`` listing the first problems when ``check`` failed."""
    if not check.ok:
        raise AuditChainBroken("audit log is not intact: " + "; ".join(check.problems[:3]))


def _from_mapping(raw: Mapping[str, Any]) -> AuditEntry:
    try:
        return AuditEntry(
            int(raw["seq"]), str(raw["at"]), str(raw["action"]), str(raw["actor"]),
            dict(raw["details"]), str(raw["prev_hash"]), str(raw["entry_hash"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise AuditChainBroken(f"malformed audit entry: {exc}") from exc
