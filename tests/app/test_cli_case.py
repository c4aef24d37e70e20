"""``truelens case …`` end to end (in-process): intake, bookmark with a real analysis, audit, bad input."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from app.cli import run
from engines.evidence import list_bookmarks, list_items, open_case
from tests.engines.evidence.helpers import SPLICE_BOX, spliced_image, write_jpeg


@pytest.fixture()
def case_files(tmp_path):
    image, _ = spliced_image()
    spliced = write_jpeg(tmp_path / "spliced.jpg", image, quality=92)
    other = write_jpeg(tmp_path / "other.jpg", spliced_image(5)[0], quality=70)
    assert run(["case", "new", "Harbour fire", "--examiner", "A. Examiner"]) == 0
    return spliced, other


def test_case_flow(case_files, capsys):
    spliced, other = case_files
    before = spliced.read_bytes()
    assert run(["case", "add", "Harbour fire", str(spliced), str(other)]) == 0
    assert run(["case", "bookmark", "harbour-fire", "spliced.jpg", "--engine", "ela", "--param", "quality=80",
                "--note", "bright block", "--status", "warning"]) == 0
    assert run(["case", "status", "harbour-fire", "1", "ok"]) == 0
    assert run(["case", "note", "harbour-fire", "1", "rechecked"]) == 0
    capsys.readouterr()
    assert run(["case", "list", "harbour-fire"]) == 0
    out = capsys.readouterr().out
    assert "2 item(s)" in out and "bookmark 1: item 1 frame 0  ela" in out and "[OK]" in out
    assert run(["case", "list"]) == 0
    assert "Harbour fire" in capsys.readouterr().out
    assert run(["case", "audit", "harbour-fire", "--show"]) == 0
    out = capsys.readouterr().out
    assert "audit log intact: 8 entries" in out and "status-change" in out
    with open_case("harbour-fire") as case:
        [bm] = list_bookmarks(case)
        assert bm.params == {"quality": 80, "scale": 20.0} and bm.note == "rechecked"
        heat = _map_brightness(bm)
        inside = heat[SPLICE_BOX].mean()
        assert inside > heat.mean() * 1.3  # the pasted block stands out in the stored ELA map
    assert spliced.read_bytes() == before


def _map_brightness(bm) -> np.ndarray:
    import cv2

    [image] = [im for im in bm.images if im.role == "map"]
    return cv2.imread(str(image.file)).astype(np.float32).sum(axis=2)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["case", "add", "nope", "x.jpg"], "no case named 'nope'"),
        (["case", "add", "harbour-fire", "/no/such/file.jpg"], "file not found"),
        (["case", "bookmark", "harbour-fire", "1", "--engine", "ela"], "no item '1'"),
        (["case", "new", "Harbour fire"], "already exists"),
        (["case", "new", "???"], "no letters or digits"),
        (["case", "status", "harbour-fire", "3", "ok"], "no bookmark 3"),
    ],
)
def test_bad_input_is_one_line_error(case_files, capsys, argv, message):
    capsys.readouterr()
    assert run(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err and err.startswith("truelens: error:")


def test_bookmark_errors_write_nothing(case_files, capsys):
    spliced, _ = case_files
    assert run(["case", "add", "harbour-fire", str(spliced)]) == 0
    for argv, message in (
        (["--engine", "nope"], "unknown analysis 'nope'"),
        (["--engine", "ela", "--param", "quality=500"], "above the maximum"),
        (["--engine", "ela", "--param", "colour=red"], "unknown parameter"),
        (["--engine", "ela", "--param", "quality"], "NAME=VALUE"),
        (["--engine", "ela", "--status", "great"], "unknown status"),
        (["--engine", "ela", "--frame", "3"], "frame 3 is out of range"),
    ):
        capsys.readouterr()
        assert run(["case", "bookmark", "harbour-fire", "1", *argv]) == 1
        assert message in capsys.readouterr().err
    with open_case("harbour-fire") as case:
        assert list_bookmarks(case) == [] and list(case.derived_dir.iterdir()) == []


def test_changed_evidence_is_refused(case_files, capsys):
    spliced, _ = case_files
    assert run(["case", "add", "harbour-fire", str(spliced)]) == 0
    spliced.write_bytes(spliced.read_bytes()[:-10])
    capsys.readouterr()
    assert run(["case", "bookmark", "harbour-fire", "1", "--engine", "ela"]) == 1
    assert "evidence changed" in capsys.readouterr().err


def test_audit_command_detects_tampering(case_files, capsys):
    spliced, _ = case_files
    assert run(["case", "add", "harbour-fire", str(spliced)]) == 0
    with open_case("harbour-fire") as case:
        path = case.db.path
        assert len(list_items(case)) == 1
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 1")
    conn.commit()
    conn.close()
    capsys.readouterr()
    assert run(["case", "audit", "harbour-fire"]) == 1
    assert "NOT intact" in capsys.readouterr().err
