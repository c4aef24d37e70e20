"""Evidence intake and re-verification: hash on entry, re-hash whenever an item is opened.

Evidence files are only ever opened for reading; nothing here writes to them.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from engines.evidence import audit
from engines.evidence.canonical import utc_now
from engines.evidence.cases import Case
from engines.evidence.errors import EvidenceError, EvidenceMismatch, EvidenceMissing, ItemNotFound
from engines.media.hashing import file_digests

_COLUMNS = "id, path, name, sha256, md5, size, mtime_ns, ctime_ns, intake_at"


@dataclasses.dataclass(frozen=True)
class Item:
    """An evidence file as recorded at intake."""

    id: int
    path: Path
    name: str
    sha256: str
    md5: str
    size: int
    mtime_ns: int
    ctime_ns: int
    intake_at: str


@dataclasses.dataclass(frozen=True)
class ItemCheck:
    """Result of re-hashing an item: ``status`` is "verified", "mismatch" or "missing"."""

    item: Item
    status: str
    actual_sha256: str
    checked_at: str
    mtime_changed: bool = False
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "verified"


@dataclasses.dataclass(frozen=True)
class _Hashed:
    path: Path
    sha256: str
    md5: str
    size: int
    mtime_ns: int
    ctime_ns: int


def _hash_stable(path: Path) -> _Hashed:
    """Hash a file read-only and make sure it did not change while being read."""
    try:
        before = path.stat()
        if path.is_dir():
            raise EvidenceError(f"is a folder, not a file: {path}")
        if not path.is_file():
            raise EvidenceError(f"not a regular file: {path}")
        digests = file_digests(path, ("sha256", "md5"))
        after = path.stat()
    except FileNotFoundError:
        raise EvidenceMissing(f"file not found: {path}") from None
    except PermissionError:
        raise EvidenceMissing(f"no permission to read {path}") from None
    except IsADirectoryError:
        raise EvidenceError(f"is a folder, not a file: {path}") from None
    except OSError as exc:
        raise EvidenceMissing(f"cannot read {path}: {exc.strerror or exc}") from None
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise EvidenceError(f"{path.name} changed while it was being hashed; try again when it is complete")
    return _Hashed(path, digests["sha256"], digests["md5"], after.st_size, after.st_mtime_ns, after.st_ctime_ns)


def _row_to_item(row: sqlite3.Row) -> Item:
    return Item(int(row[0]), Path(row[1]), row[2], row[3], row[4], int(row[5]), int(row[6]), int(row[7]), row[8])


def add_evidence(case: Case, paths: Sequence[str | os.PathLike[str]]) -> list[Item]:
    """Hash and record files as evidence: all of them in one transaction, or none on any error."""
    if not paths:
        raise EvidenceError("no files given")
    resolved: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise EvidenceMissing(f"file not found: {raw}")
        path = path.resolve()
        if path in resolved:
            raise EvidenceError(f"{path.name} is listed twice")
        resolved.append(path)
    hashed = [_hash_stable(p) for p in resolved]
    intake_at = utc_now()
    items = []
    with case.db.write() as conn:
        for h in hashed:
            known = conn.execute("SELECT id FROM items WHERE path = ? AND sha256 = ?",
                                 (str(h.path), h.sha256)).fetchone()
            if known is not None:
                raise EvidenceError(f"{h.path.name} is already in the case as item {known[0]}")
            cur = conn.execute(
                "INSERT INTO items (path, name, sha256, md5, size, mtime_ns, ctime_ns, intake_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (str(h.path), h.path.name, h.sha256, h.md5, h.size, h.mtime_ns, h.ctime_ns, intake_at),
            )
            item = Item(int(cur.lastrowid), h.path, h.path.name, h.sha256, h.md5, h.size, h.mtime_ns, h.ctime_ns,
                        intake_at)
            audit.append(conn, "intake", {
                "item_id": item.id, "path": str(item.path), "sha256": item.sha256, "md5": item.md5,
                "size": item.size, "mtime_ns": item.mtime_ns, "ctime_ns": item.ctime_ns,
            })
            items.append(item)
    return items


def list_items(case: Case) -> list[Item]:
    """All evidence items in intake order."""
    return [_row_to_item(r) for r in case.db.read_all(f"SELECT {_COLUMNS} FROM items ORDER BY id")]


def get_item(case: Case, ref: int | str) -> Item:
    """An item by id, by file name (when unique) or by a SHA-256 prefix of at least 8 hex digits."""
    text = str(ref).strip()
    if text.isdigit():
        row = case.db.read_one(f"SELECT {_COLUMNS} FROM items WHERE id = ?", (int(text),))
        if row is not None:
            return _row_to_item(row)
    rows = case.db.read_all(f"SELECT {_COLUMNS} FROM items WHERE name = ? OR path = ?", (text, text))
    if not rows and len(text) >= 8 and all(c in "0123456789abcdef" for c in text.lower()):
        rows = case.db.read_all(f"SELECT {_COLUMNS} FROM items WHERE sha256 LIKE ?", (text.lower() + "%",))
    if len(rows) == 1:
        return _row_to_item(rows[0])
    if len(rows) > 1:
        raise ItemNotFound(f"{text!r} matches {len(rows)} items; use the item number")
    raise ItemNotFound(f"no item {text!r} in case {case.info.name!r}")


def check_item(case: Case, item: Item) -> ItemCheck:
    """Re-hash an item's file and record the outcome in the audit log (never raises for a bad file)."""
    status, actual, reason, mtime_changed = "verified", "", "", False
    try:
        hashed = _hash_stable(item.path)
        actual = hashed.sha256
        mtime_changed = hashed.mtime_ns != item.mtime_ns
        if actual != item.sha256:
            status, reason = "mismatch", f"{item.name}: SHA-256 is {actual}, expected {item.sha256} at intake"
    except EvidenceError as exc:
        status, reason = "missing", str(exc)
    checked_at = utc_now()
    with case.db.write() as conn:
        audit.append(conn, "verify", {
            "item_id": item.id, "result": status, "expected_sha256": item.sha256, "actual_sha256": actual,
            "mtime_changed": mtime_changed,
        })
    return ItemCheck(item, status, actual, checked_at, mtime_changed, reason)


def open_item(case: Case, ref: int | str) -> ItemCheck:
    """Look up an item and re-verify its hash; raises ``EvidenceMismatch`` / ``EvidenceMissing`` on failure."""
    check = check_item(case, get_item(case, ref))
    if check.status == "mismatch":
        raise EvidenceMismatch(
            f"evidence changed: {check.reason}", expected=check.item.sha256, actual=check.actual_sha256
        )
    if check.status == "missing":
        raise EvidenceMissing(f"evidence item {check.item.id} unavailable: {check.reason}")
    return check
