"""Ordered schema migrations for a case database; ``PRAGMA user_version`` records the last applied.

Append new migrations at the end; never edit a released one. Each entry is a tuple of single
SQL statements (no ``executescript``, which would commit behind our back).
"""

from __future__ import annotations

_V1 = (
    """CREATE TABLE case_info (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        uuid TEXT NOT NULL,
        name TEXT NOT NULL,
        examiner TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        md5 TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        mtime_ns INTEGER NOT NULL,
        ctime_ns INTEGER NOT NULL,
        intake_at TEXT NOT NULL,
        UNIQUE (path, sha256)
    )""",
    """CREATE TABLE bookmarks (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES items(id),
        frame_index INTEGER NOT NULL DEFAULT 0 CHECK (frame_index >= 0),
        engine TEXT NOT NULL,
        engine_version TEXT NOT NULL,
        params_json TEXT NOT NULL,
        weights_sha256 TEXT,
        summary TEXT NOT NULL,
        score REAL,
        finding_json TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('ok', 'check', 'warning')),
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE bookmark_images (
        bookmark_id INTEGER NOT NULL REFERENCES bookmarks(id),
        role TEXT NOT NULL CHECK (role IN ('map', 'mask', 'frame')),
        file TEXT NOT NULL,
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        PRIMARY KEY (bookmark_id, role)
    )""",
    """CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        actor TEXT NOT NULL,
        details_json TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        entry_hash TEXT NOT NULL UNIQUE
    )""",
    """CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        entry_hash TEXT NOT NULL
    )""",
    "CREATE INDEX bookmarks_item ON bookmarks(item_id)",
    # Evidence records and the audit log are append-only; only a bookmark's note and status change.
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER items_no_update BEFORE UPDATE ON items
        BEGIN SELECT RAISE(ABORT, 'evidence records cannot be changed'); END""",
    """CREATE TRIGGER items_no_delete BEFORE DELETE ON items
        BEGIN SELECT RAISE(ABORT, 'evidence records cannot be deleted'); END""",
    """CREATE TRIGGER bookmarks_fixed BEFORE UPDATE OF id, item_id, frame_index, engine, engine_version,
        params_json, weights_sha256, summary, score, finding_json, created_at ON bookmarks
        BEGIN SELECT RAISE(ABORT, 'only the note and status of a bookmark can change'); END""",
    """CREATE TRIGGER bookmark_images_fixed BEFORE UPDATE ON bookmark_images
        BEGIN SELECT RAISE(ABORT, 'bookmark images cannot be changed'); END""",
)

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = ((1, _V1),)

LATEST_VERSION = MIGRATIONS[-1][0]
