"""Bookmarks: the finding, its parameters and images are stored; note and status changes are audited."""

from __future__ import annotations

import hashlib
import math

import cv2
import numpy as np
import pytest

from engines.evidence import (
    EvidenceError,
    ItemNotFound,
    add_bookmark,
    list_bookmarks,
    record_analysis,
    set_note,
    set_status,
)
from engines.findings import Finding
from tests.engines.evidence.helpers import case_with_item, finding_with_mask, spliced_image


def test_bookmark_stores_finding_and_images(tmp_path):
    case, _, mask = case_with_item(tmp_path)
    image, _ = spliced_image()
    with case:
        finding = finding_with_mask(mask)
        bm = add_bookmark(case, 1, finding, frame=image, note="halo at the left edge", status="warning",
                          weights_sha256="ab" * 32)
        assert (bm.engine, bm.engine_version, bm.status, bm.status_label) == ("ela", "1.0", "warning", "Warning")
        assert bm.params == {"quality": 90, "scale": 20.0}
        assert bm.score == pytest.approx(0.8) and bm.weights_sha256 == "ab" * 32
        assert bm.finding["table"] == [["Flagged area", f"{mask.mean() * 100:.1f}%"]]
        assert [im.role for im in bm.images] == ["frame", "map", "mask"]
        for im in bm.images:
            data = im.file.read_bytes()
            assert hashlib.sha256(data).hexdigest() == im.sha256 and im.file.name == f"{im.sha256}.png"
        stored = {im.role: cv2.imread(str(im.file))[:, :, ::-1] for im in bm.images}
        assert np.array_equal(stored["frame"], image)
        assert np.array_equal(stored["mask"][:, :, 0] > 127, mask)
        brightness = stored["map"].astype(int).sum(axis=2)
        assert brightness[mask].min() > brightness[~mask].max()  # known-answer: the flagged block is brightest
        [entry] = [e for e in case.audit_entries() if e.action == "bookmark"]
        assert entry.details["images"]["map"] == bm.images[1].sha256 and entry.details["params"]["quality"] == 90


def test_status_and_note_changes_are_audited(tmp_path):
    case, _, mask = case_with_item(tmp_path)
    with case:
        bm = add_bookmark(case, 1, finding_with_mask(mask))
        assert bm.status == "check"
        assert set_status(case, bm.id, "OK").status == "ok"
        assert set_note(case, bm.id, "checked against the camera original").note.startswith("checked")
        changes = [(e.action, e.details.get("old"), e.details.get("new")) for e in case.audit_entries()[-2:]]
        assert changes == [("status-change", "check", "ok"), ("note-change", "", "checked against the camera original")]
        with pytest.raises(ValueError, match="unknown status"):
            set_status(case, bm.id, "fine")
        with pytest.raises(EvidenceError, match="no bookmark 7"):
            set_status(case, 7, "ok")
        with pytest.raises(Exception, match="only the note and status"):
            with case.db.write() as conn:
                conn.execute("UPDATE bookmarks SET params_json = '{}' WHERE id = 1")
        assert case.verify_audit().ok


def test_bad_bookmarks_write_nothing(tmp_path):
    case, _, mask = case_with_item(tmp_path)
    with case:
        with pytest.raises(ItemNotFound):
            add_bookmark(case, 5, finding_with_mask(mask))
        with pytest.raises(ValueError):
            add_bookmark(case, 1, finding_with_mask(mask), status="maybe")
        with pytest.raises(ItemNotFound):
            record_analysis(case, 5, finding_with_mask(mask))
        assert list_bookmarks(case) == []
        assert list(case.derived_dir.iterdir()) == []


def test_non_finite_scores_and_numpy_params_are_stored_as_plain_json(tmp_path):
    case, _, _ = case_with_item(tmp_path)
    with case:
        finding = Finding(engine="x", version="2", params={"k": np.int64(3), "t": np.float32(0.5)},
                          summary="s", score=math.nan, details={"curve": np.array([1.0, math.inf])})
        bm = add_bookmark(case, 1, finding)
        assert bm.score is None and bm.params == {"k": 3, "t": 0.5} and bm.images == ()
        assert bm.finding["details"]["curve"] == [1.0, None]
