"""The hash-chained audit log detects edits, deletions, reordering and truncation done with sqlite3."""

from __future__ import annotations

import sqlite3

import pytest

from engines.evidence import AuditChainBroken, add_evidence, create_case, verify_audit_chain, verify_chain
from engines.evidence.audit import require_intact
from tests.engines.evidence.helpers import spliced_image, write_jpeg


@pytest.fixture()
def case_db(tmp_path):
    """A case with five audit entries; yields the database path (case closed)."""
    with create_case("Audit") as case:
        for i in range(4):
            add_evidence(case, [write_jpeg(tmp_path / f"{i}.jpg", spliced_image(i)[0])])
        assert verify_audit_chain(case).ok and verify_audit_chain(case).count == 5
        path = case.db.path
    return path


def _tamper(path, *statements):
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


def _check(path):
    from engines.evidence import open_case

    with open_case(path.parent) as case:
        return verify_audit_chain(case)


def test_plain_updates_and_deletes_are_blocked(case_db):
    conn = sqlite3.connect(case_db)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit SET actor = 'mallory'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit WHERE seq = 2")
    conn.close()
    assert _check(case_db).ok


def test_edited_entry_is_detected(case_db):
    _tamper(case_db, "UPDATE audit SET details_json = replace(details_json, '\"size\":', '\"size\":1') WHERE seq = 3")
    check = _check(case_db)
    assert not check.ok and any("entry 3" in p and "edited" in p for p in check.problems)


def test_deleted_entry_is_detected(case_db):
    _tamper(case_db, "DELETE FROM audit WHERE seq = 2")
    check = _check(case_db)
    assert not check.ok and any("deleted or reordered" in p for p in check.problems)


def test_reordered_entries_are_detected(case_db):
    _tamper(case_db, "UPDATE audit SET seq = -1 WHERE seq = 2", "UPDATE audit SET seq = 2 WHERE seq = 3",
            "UPDATE audit SET seq = 3 WHERE seq = -1")
    check = _check(case_db)
    assert not check.ok and any("does not link" in p for p in check.problems)


def test_truncated_tail_is_detected_by_the_head(case_db):
    _tamper(case_db, "DELETE FROM audit WHERE seq = 5")
    check = _check(case_db)
    assert not check.ok and any("truncated" in p for p in check.problems)
    with pytest.raises(AuditChainBroken, match="not intact"):
        require_intact(check)


def test_chain_is_bound_to_its_case(case_db):
    from engines.evidence import open_case

    with open_case(case_db.parent) as case:
        entries = [e.to_json() for e in case.audit_entries()]
        uuid = case.info.uuid
    assert verify_chain(entries, uuid).ok
    assert not verify_chain(entries, "another-case-uuid").ok
    entries[1]["actor"] = "mallory"
    assert not verify_chain(entries, uuid).ok
