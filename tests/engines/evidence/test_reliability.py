"""Crash safety and multi-process use: SIGKILL mid-write, and a second process writing to an open case."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engines.evidence import add_evidence, create_case, list_bookmarks, list_items, open_case
from engines.evidence.audit import append
from tests.engines.evidence.helpers import spliced_image, write_jpeg

REPO = Path(__file__).resolve().parents[3]

_WRITER = """
import sys
from pathlib import Path
import numpy as np
from engines.evidence import add_bookmark, add_evidence, open_case, record_analysis, set_status
from engines.findings import Finding
case = open_case(sys.argv[1])
folder = Path(sys.argv[2])
rng = np.random.default_rng(int(sys.argv[3]))
i = 0
while True:
    path = folder / f"r{sys.argv[3]}-{i}.bin"
    path.write_bytes(rng.bytes(4096))
    [item] = add_evidence(case, [path])
    finding = Finding(engine="ela", version="1", params={"i": i}, summary="loop",
                      heatmap=rng.random((32, 32), dtype=np.float32))
    record_analysis(case, item.id, finding)
    bookmark = add_bookmark(case, item.id, finding, note=f"n{i}")
    set_status(case, bookmark.id, "ok")
    print(i, flush=True)
    i += 1
"""


def _run_and_kill(case_folder: Path, work: Path, seed: int, after: int, extra_delay: float) -> int:
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(case_folder), str(work), str(seed)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        done = -1
        while done < after and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"writer died: {proc.stderr.read()}")
            done = int(line)
        time.sleep(extra_delay)  # land somewhere inside the next iteration
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return done


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_loop_leaves_a_sound_database(tmp_path):
    with create_case("Crash") as case:
        folder = case.folder
    for seed, delay in ((1, 0.0), (2, 0.013), (3, 0.031)):
        done = _run_and_kill(folder, tmp_path, seed, after=4, extra_delay=delay)
        assert done >= 4
        with open_case(folder) as case:
            assert case.db.integrity_check() == "ok"
            chain = case.verify_audit()
            assert chain.ok, chain.problems
            entries = case.audit_entries()
            items, bookmarks = list_items(case), list_bookmarks(case)
            # each committed record has exactly its audit entry: they were written in one transaction
            assert sorted(e.details["item_id"] for e in entries if e.action == "intake") == [i.id for i in items]
            assert sorted(e.details["bookmark_id"] for e in entries if e.action == "bookmark") == [
                b.id for b in bookmarks]
            for bookmark in bookmarks:
                for image in bookmark.images:
                    assert hashlib.sha256(image.file.read_bytes()).hexdigest() == image.sha256
    assert len(items) >= 15


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def test_cli_writes_while_another_process_holds_the_case(tmp_path):
    first = write_jpeg(tmp_path / "first.jpg", spliced_image(1)[0])
    second = write_jpeg(tmp_path / "second.jpg", spliced_image(2)[0])
    third = write_jpeg(tmp_path / "third.jpg", spliced_image(3)[0])
    with create_case("Shared") as case:
        add_evidence(case, [first])
        with case.db.read() as conn:  # an open read snapshot does not block the other writer (WAL)
            assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 1  # snapshot starts here
            result = _cli("case", "add", "Shared", str(second))
            assert result.returncode == 0, result.stderr
            assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 1  # still our snapshot
        assert [i.name for i in list_items(case)] == ["first.jpg", "second.jpg"]
        # while we hold the write lock the CLI waits (busy timeout) and then succeeds
        proc = subprocess.Popen([sys.executable, "-m", "app", "case", "add", "Shared", str(third)], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        with case.db.write() as conn:
            append(conn, "note-change", {"bookmark_id": 0, "old": "", "new": "held the lock"})
            time.sleep(2.0)
            assert proc.poll() is None
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert [i.name for i in list_items(case)] == ["first.jpg", "second.jpg", "third.jpg"]
        actions = [e.action for e in case.audit_entries()]
        assert actions == ["case-created", "intake", "intake", "note-change", "intake"]
        assert case.verify_audit().ok
