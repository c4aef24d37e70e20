"""SQLite connections for case databases: WAL, full sync, foreign keys, busy timeout, migrations.

Several processes (the GUI and the CLI) may use one case at the same time. WAL lets readers
run while one writer commits; every write is a short ``BEGIN IMMEDIATE`` transaction so the
write lock is taken up front (no deadlocking upgrade) and waits up to ``BUSY_TIMEOUT_MS``.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from engines.evidence.errors import EvidenceError
from engines.evidence.schema import LATEST_VERSION, MIGRATIONS

BUSY_TIMEOUT_MS = 15_000


class CaseDatabase:
    """One connection to a case database, safe to share between threads of one process."""

    def __init__(self, path: Path, *, create: bool = False):
        if not create and not path.is_file():
            raise EvidenceError(f"case database not found: {path}")
        self.path = path
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(
                str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            self._conn.row_factory = sqlite3.Row
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise EvidenceError(f"cannot switch {path.name} to WAL mode (got {mode})")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise EvidenceError(f"cannot open case database {path}: {exc}") from exc
        except BaseException:
            self.close()
            raise

    def _migrate(self) -> None:
        current = self.user_version()
        if current > LATEST_VERSION:
            raise EvidenceError(
                f"{self.path} was written by a newer TrueLens (schema {current} > {LATEST_VERSION}); update TrueLens"
            )
        if current == LATEST_VERSION:
            return
        with self.write() as conn:
            current = self.user_version()  # another process may have migrated while we waited
            for version, statements in MIGRATIONS:
                if version > current:
                    for statement in statements:
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {int(version)}")

    def user_version(self) -> int:
        """The schema version stored in the database file."""
        with self._lock:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction (``BEGIN IMMEDIATE``): committed on success, rolled back on error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees one consistent snapshot."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                self._conn.execute("COMMIT")

    def read_one(self, sql: str, params: tuple = ()) -> sqlite3.Row | None:
        """First row of one read-only query (its own snapshot)."""
        with self._lock:
            return self._conn.execute(sql, params).fetchone()

    def read_all(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        """All rows of one read-only query (its own snapshot)."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def integrity_check(self) -> str:
        """SQLite's own consistency check; ``"ok"`` when the file is sound."""
        with self._lock:
            rows = self._conn.execute("PRAGMA integrity_check").fetchall()
        return "; ".join(str(r[0]) for r in rows)

    def backup_to(self, target: Path) -> None:
        """Copy a consistent snapshot of the database to ``target`` (online backup)."""
        with self._lock:
            dest = sqlite3.connect(str(target))
            try:
                self._conn.backup(dest)
            finally:
                dest.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        conn = getattr(self, "_conn", None)
        if conn is not None:
            with self._lock:
                conn.close()
            self._conn = None  # type: ignore[assignment]
