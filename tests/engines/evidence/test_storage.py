"""Data folder, case creation and the SQLite set-up (WAL, foreign keys, schema version)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from engines.evidence import CaseExists, CaseNotFound, EvidenceError, create_case, list_cases, open_case
from engines.evidence.paths import case_slug, data_dir
from engines.evidence.schema import LATEST_VERSION


def test_data_dir_prefers_env_then_platform(monkeypatch, tmp_path):
    monkeypatch.setenv("TRUELENS_DATA_DIR", str(tmp_path / "d"))
    assert data_dir() == tmp_path / "d"
    monkeypatch.delenv("TRUELENS_DATA_DIR")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "truelens"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert data_dir() == Path.home() / ".local" / "share" / "truelens"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "roaming"))
    assert data_dir() == tmp_path / "roaming" / "TrueLens"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert data_dir() == Path.home() / "Library" / "Application Support" / "TrueLens"


def test_case_slug():
    assert case_slug("  Harbour Fire / 2024 ") == "harbour-fire-2024"
    with pytest.raises(ValueError):
        case_slug("../..")


def test_create_open_list_cases():
    with create_case("Harbour fire", examiner="A. Examiner") as case:
        assert case.folder.name == "harbour-fire"
        assert case.folder.parent == data_dir() / "cases"
        assert case.info.examiner == "A. Examiner"
    with open_case("Harbour fire") as again:
        assert again.info.uuid == case.info.uuid
    with open_case(case.folder) as by_path:
        assert by_path.info.name == "Harbour fire"
    with create_case("Second"):
        pass
    assert [c.name for c in list_cases()] == ["Harbour fire", "Second"]
    with pytest.raises(CaseExists):
        create_case("harbour FIRE")
    with pytest.raises(CaseNotFound):
        open_case("nope")
    with pytest.raises(EvidenceError):
        create_case("!!!")
    leftovers = [p.name for p in (data_dir() / "cases").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_database_settings():
    with create_case("Settings") as case:
        conn = sqlite3.connect(case.db.path)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        conn.close()
        raw = case.db._conn
        assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert raw.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert raw.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert case.db.integrity_check() == "ok"
        with pytest.raises(sqlite3.IntegrityError):  # foreign keys are enforced
            with case.db.write() as c:
                c.execute("INSERT INTO bookmarks (item_id, engine, engine_version, params_json, summary, "
                          "finding_json, status, created_at) VALUES (99, 'e', '1', '{}', 's', '{}', 'ok', 't')")


def test_newer_schema_is_refused():
    with create_case("Future") as case:
        path = case.db.path
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    with pytest.raises(EvidenceError, match="newer TrueLens"):
        open_case("Future")


def test_atomic_write_keeps_old_content_on_error_and_uses_normal_permissions(tmp_path):
    import os
    import stat

    from engines.evidence.atomic import atomic_output, atomic_write_bytes

    target = tmp_path / "out.bin"
    atomic_write_bytes(target, b"first")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as fh:
            fh.write(b"half")
            raise RuntimeError("disk on fire")
    assert target.read_bytes() == b"first" and [p.name for p in tmp_path.iterdir()] == ["out.bin"]
    if sys.platform != "win32":
        umask = os.umask(0)
        os.umask(umask)
        assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
        atomic_write_bytes(target, b"secret", mode=0o600)
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
