"""Bookmarks: findings kept in a case with their parameters, images, examiner's note and status."""

from __future__ import annotations

import dataclasses
import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np

from engines.evidence import audit
from engines.evidence.canonical import canonical_json, plain, utc_now
from engines.evidence.cases import Case
from engines.evidence.errors import EvidenceError, ItemNotFound
from engines.evidence.images import finding_images, store_png
from engines.findings import Finding

STATUS_LABELS = {"ok": "OK", "check": "To check", "warning": "Warning"}
_STATUS_ALIASES = {"ok": "ok", "check": "check", "to check": "check", "to-check": "check", "tocheck": "check",
                   "warning": "warning", "warn": "warning"}
_COLUMNS = ("id, item_id, frame_index, engine, engine_version, params_json, weights_sha256, summary, score, "
            "finding_json, note, status, created_at")


@dataclasses.dataclass(frozen=True)
class BookmarkImage:
    """One stored image of a bookmark (role "map", "mask" or "frame")."""

    role: str
    file: Path
    sha256: str
    width: int
    height: int


@dataclasses.dataclass(frozen=True)
class Bookmark:
    """A finding kept in a case."""

    id: int
    item_id: int
    frame_index: int
    engine: str
    engine_version: str
    params: dict[str, Any]
    weights_sha256: str | None
    summary: str
    score: float | None
    finding: dict[str, Any]
    note: str
    status: str
    created_at: str
    images: tuple[BookmarkImage, ...] = ()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def parse_status(text: str) -> str:
    """Normalise a status ("OK", "to check", "warning", …) to its stored key; ValueError otherwise."""
    key = _STATUS_ALIASES.get(str(text).strip().lower())
    if key is None:
        raise ValueError(f"unknown status {text!r}; use one of: ok, check, warning")
    return key


def _score(value: float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def record_analysis(case: Case, item_id: int, finding: Finding, frame_index: int = 0) -> None:
    """Write an audit entry for an analysis run on an item (whether or not it is bookmarked)."""
    with case.db.write() as conn:
        _require_item(conn, item_id)
        audit.append(conn, "analysis", {
            "item_id": int(item_id), "frame_index": int(frame_index), "engine": finding.engine,
            "version": finding.version, "params": plain(dict(finding.params)), "score": _score(finding.score),
        })


def add_bookmark(
    case: Case,
    item_id: int,
    finding: Finding,
    *,
    frame: np.ndarray | None = None,
    frame_index: int = 0,
    note: str = "",
    status: str = "check",
    weights_sha256: str | None = None,
) -> Bookmark:
    """Store a finding: its images go to the case's derived folder (atomically), the record and its
    audit entry are committed together. ``frame`` (the analysed RGB frame) adds a preview image."""
    status = parse_status(status)
    if frame_index < 0:
        raise EvidenceError("frame index must be 0 or more")
    if weights_sha256 is None and isinstance(finding.details.get("weights_sha256"), str):
        weights_sha256 = finding.details["weights_sha256"]
    params = plain(dict(finding.params))
    params_json = canonical_json(params).decode("utf-8")
    record = plain(finding.to_json())
    with case.db.read() as conn:
        _require_item(conn, item_id)  # before any image is written
    stored = [store_png(case.derived_dir, role, rgb) for role, rgb in finding_images(finding, frame)]
    created = utc_now()
    with case.db.write() as conn:
        _require_item(conn, item_id)
        cur = conn.execute(
            f"INSERT INTO bookmarks ({_COLUMNS.split(', ', 1)[1]}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (int(item_id), int(frame_index), finding.engine, finding.version, params_json, weights_sha256,
             finding.summary, _score(finding.score), json.dumps(record, allow_nan=False), note, status, created),
        )
        bookmark_id = int(cur.lastrowid)
        for image in stored:
            conn.execute(
                "INSERT INTO bookmark_images (bookmark_id, role, file, sha256, width, height) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (bookmark_id, image.role, image.file.name, image.sha256, image.width, image.height),
            )
        audit.append(conn, "bookmark", {
            "bookmark_id": bookmark_id, "item_id": int(item_id), "frame_index": int(frame_index),
            "engine": finding.engine, "version": finding.version, "params": params, "weights_sha256": weights_sha256,
            "score": _score(finding.score), "status": status, "note": note,
            "images": {image.role: image.sha256 for image in stored},
        })
    return get_bookmark(case, bookmark_id)


def set_status(case: Case, bookmark_id: int, status: str) -> Bookmark:
    """Change a bookmark's status (audited)."""
    new = parse_status(status)
    with case.db.write() as conn:
        old = _require_bookmark(conn, bookmark_id)["status"]
        if old != new:
            conn.execute("UPDATE bookmarks SET status = ? WHERE id = ?", (new, int(bookmark_id)))
            audit.append(conn, "status-change", {"bookmark_id": int(bookmark_id), "old": old, "new": new})
    return get_bookmark(case, bookmark_id)


def set_note(case: Case, bookmark_id: int, note: str) -> Bookmark:
    """Replace a bookmark's examiner note (audited, old and new text kept in the log)."""
    with case.db.write() as conn:
        old = _require_bookmark(conn, bookmark_id)["note"]
        if old != note:
            conn.execute("UPDATE bookmarks SET note = ? WHERE id = ?", (note, int(bookmark_id)))
            audit.append(conn, "note-change", {"bookmark_id": int(bookmark_id), "old": old, "new": note})
    return get_bookmark(case, bookmark_id)


def get_bookmark(case: Case, bookmark_id: int) -> Bookmark:
    """One bookmark with its images."""
    with case.db.read() as conn:
        row = _require_bookmark(conn, bookmark_id)
        return _to_bookmark(case, conn, row)


def list_bookmarks(case: Case, item_id: int | None = None) -> list[Bookmark]:
    """Bookmarks in creation order, optionally for one item."""
    with case.db.read() as conn:
        if item_id is None:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM bookmarks ORDER BY id").fetchall()
        else:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM bookmarks WHERE item_id = ? ORDER BY id",
                                (int(item_id),)).fetchall()
        return [_to_bookmark(case, conn, row) for row in rows]


def _require_item(conn: sqlite3.Connection, item_id: int) -> None:
    if conn.execute("SELECT 1 FROM items WHERE id = ?", (int(item_id),)).fetchone() is None:
        raise ItemNotFound(f"no evidence item {item_id} in this case")


def _require_bookmark(conn: sqlite3.Connection, bookmark_id: int) -> sqlite3.Row:
    row = conn.execute(f"SELECT {_COLUMNS} FROM bookmarks WHERE id = ?", (int(bookmark_id),)).fetchone()
    if row is None:
        raise EvidenceError(f"no bookmark {bookmark_id} in this case")
    return row


def _to_bookmark(case: Case, conn: sqlite3.Connection, row: sqlite3.Row) -> Bookmark:
    images = tuple(
        BookmarkImage(r["role"], case.derived_dir / r["file"], r["sha256"], int(r["width"]), int(r["height"]))
        for r in conn.execute(
            "SELECT role, file, sha256, width, height FROM bookmark_images WHERE bookmark_id = ? "
            "ORDER BY CASE role WHEN 'frame' THEN 0 WHEN 'map' THEN 1 ELSE 2 END", (int(row["id"]),)
        )
    )
    return Bookmark(
        id=int(row["id"]), item_id=int(row["item_id"]), frame_index=int(row["frame_index"]), engine=row["engine"],
        engine_version=row["engine_version"], params=json.loads(row["params_json"]),
        weights_sha256=row["weights_sha256"], summary=row["summary"], score=row["score"],
        finding=json.loads(row["finding_json"]), note=row["note"], status=row["status"],
        created_at=row["created_at"], images=images,
    )
