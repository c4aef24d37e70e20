"""Evidence intake: hashes and times recorded, all-or-nothing, originals untouched, re-verified on open."""

from __future__ import annotations

import hashlib
import os
import sqlite3

import pytest

from engines.evidence import (
    EvidenceError,
    EvidenceMismatch,
    EvidenceMissing,
    ItemNotFound,
    add_evidence,
    create_case,
    get_item,
    list_items,
    open_item,
)
from tests.engines.evidence.helpers import spliced_image, write_jpeg


def test_intake_records_hashes_size_and_times(tmp_path):
    path = write_jpeg(tmp_path / "a.jpg", spliced_image()[0])
    data = path.read_bytes()
    before = path.stat()
    with create_case("Intake") as case:
        [item] = add_evidence(case, [path])
        assert item.sha256 == hashlib.sha256(data).hexdigest()
        assert item.md5 == hashlib.md5(data).hexdigest()
        assert item.size == len(data)
        assert item.mtime_ns == before.st_mtime_ns and item.ctime_ns == before.st_ctime_ns
        assert item.path == path.resolve() and item.intake_at.endswith("Z")
        [entry] = [e for e in case.audit_entries() if e.action == "intake"]
        assert entry.details["sha256"] == item.sha256
    after = path.stat()
    assert path.read_bytes() == data
    assert (after.st_mtime_ns, after.st_size) == (before.st_mtime_ns, before.st_size)


def test_intake_is_all_or_nothing(tmp_path):
    good = write_jpeg(tmp_path / "good.jpg", spliced_image()[0])
    with create_case("Atomic") as case:
        with pytest.raises(EvidenceMissing, match="not found"):
            add_evidence(case, [good, tmp_path / "missing.jpg"])
        with pytest.raises(EvidenceError, match="folder"):
            add_evidence(case, [good, tmp_path])
        with pytest.raises(EvidenceError, match="twice"):
            add_evidence(case, [good, good])
        assert list_items(case) == []
        assert [e.action for e in case.audit_entries()] == ["case-created"]
        add_evidence(case, [good])
        with pytest.raises(EvidenceError, match="already in the case as item 1"):
            add_evidence(case, [good])
        assert len(list_items(case)) == 1


def test_item_lookup(tmp_path):
    a = write_jpeg(tmp_path / "a.jpg", spliced_image(1)[0])
    b = write_jpeg(tmp_path / "b.jpg", spliced_image(2)[0])
    with create_case("Lookup") as case:
        ia, ib = add_evidence(case, [a, b])
        assert get_item(case, 2) == ib
        assert get_item(case, "a.jpg") == ia
        assert get_item(case, ib.sha256[:10]) == ib
        with pytest.raises(ItemNotFound):
            get_item(case, "c.jpg")
        with pytest.raises(ItemNotFound):
            get_item(case, 3)


def test_open_item_reverifies_and_reports_changes(tmp_path):
    path = write_jpeg(tmp_path / "a.jpg", spliced_image()[0])
    with create_case("Verify") as case:
        [item] = add_evidence(case, [path])
        check = open_item(case, item.id)
        assert check.ok and check.actual_sha256 == item.sha256
        os.utime(path, ns=(item.mtime_ns + 10**9, item.mtime_ns + 10**9))  # touched, not changed
        assert open_item(case, item.id).mtime_changed
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
        with pytest.raises(EvidenceMismatch, match="evidence changed") as err:
            open_item(case, item.id)
        assert err.value.expected == item.sha256 and err.value.actual == hashlib.sha256(data).hexdigest()
        path.unlink()
        with pytest.raises(EvidenceMissing):
            open_item(case, item.id)
        results = [e.details["result"] for e in case.audit_entries() if e.action == "verify"]
        assert results == ["verified", "verified", "mismatch", "missing"]
        assert case.verify_audit().ok


def test_evidence_rows_cannot_be_edited(tmp_path):
    path = write_jpeg(tmp_path / "a.jpg", spliced_image()[0])
    with create_case("Immutable") as case:
        add_evidence(case, [path])
        for sql in ("UPDATE items SET sha256 = 'x' WHERE id = 1", "DELETE FROM items"):
            with pytest.raises(sqlite3.DatabaseError, match="cannot be"):
                with case.db.write() as conn:
                    conn.execute(sql)
