"""Case pane without the main window: snapshots, case creation, filter, audited edits, chain check, CLI
changes picked up, re-verification before opening, export dialog (signed HTML/PDF/JSON, bundle, errors)."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from app.cli import run
from app.document import Document
from app.panes.case_models import STATUSES, filter_bookmarks, item_states, read_snapshot
from app.panes.case_pane import CasePane
from app.settings import Settings
from app.tasks import TaskBridge
from engines.evidence import (
    STATUS_LABELS,
    add_bookmark,
    add_evidence,
    check_item,
    create_case,
    list_bookmarks,
    open_case,
    verify_bundle,
    verify_signed_file,
)
from engines.evidence.db import CaseDatabase
from engines.runtime import Runner
from tests.engines.evidence.helpers import finding_with_mask, spliced_image, write_jpeg
from widgets.image_canvas import ImageCanvas

WAIT = 10_000


@pytest.fixture
def tasks(qtbot):
    runner = Runner(max_workers=2)
    bridge = TaskBridge(runner)
    yield bridge
    bridge.cancel_all()
    bridge.wait_all(WAIT)
    runner.shutdown()
    for widget in QtWidgets.QApplication.topLevelWidgets():
        if isinstance(widget, (QtWidgets.QMessageBox, QtWidgets.QDialog)):
            widget.close()


def make_pane(qtbot, tasks, settings=None) -> CasePane:
    document = Document(tasks)
    canvas = ImageCanvas()
    pane = CasePane(tasks, document, canvas, settings)
    pane.keep_alive = (document, canvas)
    qtbot.addWidget(pane)
    qtbot.addWidget(canvas)
    return pane


@pytest.fixture
def pane(qtbot, tasks) -> CasePane:
    return make_pane(qtbot, tasks, Settings())


@pytest.fixture
def case3(tmp_path):
    """A case with one spliced JPEG and three bookmarks: OK, to check, warning."""
    image, mask = spliced_image()
    path = write_jpeg(tmp_path / "evidence.jpg", image)
    with create_case("Pane case", examiner="Tester") as case:
        add_evidence(case, [path])
        for status in ("ok", "check", "warning"):
            add_bookmark(case, 1, finding_with_mask(mask), frame=image, status=status, note=f"{status} note")
        folder = case.folder
    return folder, path


def open_in_pane(pane, qtbot, folder):
    pane.open_case_folder(folder)
    qtbot.waitUntil(lambda: pane.snapshot is not None and pane.snapshot.folder == folder, timeout=WAIT)


def audit_actions(folder) -> list[str]:
    with open_case(folder) as case:
        return [e.action for e in case.audit_entries()]


def dialogs(name: str) -> list[QtWidgets.QWidget]:
    return [w for w in QtWidgets.QApplication.topLevelWidgets() if w.objectName() == name and w.isVisible()]


# ------------------------------------------------------------------------------------------ models
def test_snapshot_item_states_follow_the_audit_log(tmp_path, case3):
    folder, path = case3
    other = write_jpeg(tmp_path / "other.jpg", spliced_image(3)[0])
    with open_case(folder) as case:
        add_evidence(case, [other])
        snap = read_snapshot(case)
        assert [row.state for row in snap.items] == ["intake", "intake"]
        assert snap.version == len(snap.audit) == len(case.audit_entries())
        check_item(case, snap.items[0].item)
        data = bytearray(other.read_bytes())
        data[200] ^= 0xFF
        other.write_bytes(bytes(data))
        check_item(case, snap.items[1].item)
        snap2 = read_snapshot(case)
    assert [row.state for row in snap2.items] == ["verified", "mismatch"]
    assert snap2.version == snap.version + 2
    assert snap2.find_item(path, snap2.items[0].item.sha256).item.id == 1
    assert snap2.find_item(path, "0" * 64) is None
    assert item_states([]) == {}
    assert [bm.status for bm in filter_bookmarks(snap2.bookmarks, "warning")] == ["warning"]
    assert len(filter_bookmarks(snap2.bookmarks, "all")) == 3
    assert dict(STATUSES) == STATUS_LABELS  # the pane's labels (kept engine-free for start-up) match the engine's


# ----------------------------------------------------------------------------------- cases, filter
def test_new_case_dialog_creates_and_is_reopened_next_time(qtbot, tasks, pane):
    dialog = pane.new_case()
    ok = dialog.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # no name yet
    dialog.name_edit.setText("Harbour fire 2026")
    dialog.examiner_edit.setText("A. Examiner")
    assert ok.isEnabled()
    ok.click()
    qtbot.waitUntil(lambda: pane.snapshot is not None, timeout=WAIT)
    assert pane.snapshot.info.name == "Harbour fire 2026" and pane.snapshot.info.examiner == "A. Examiner"
    assert "Harbour fire 2026" in pane.info_label.text()
    qtbot.waitUntil(lambda: pane.case_combo.currentText() == "Harbour fire 2026", timeout=WAIT)
    assert audit_actions(pane.folder) == ["case-created"]
    again = make_pane(qtbot, tasks, Settings())  # same settings file: the last case comes back
    qtbot.waitUntil(lambda: again.folder == pane.folder and again.snapshot is not None, timeout=WAIT)
    assert again.new_case().examiner_edit.text() == "A. Examiner"


def test_duplicate_case_name_is_an_error_not_a_crash(qtbot, pane):
    errors = []
    pane.error.connect(lambda message, _details: errors.append(message))
    pane.create_case("Twice", "")
    qtbot.waitUntil(lambda: pane.snapshot is not None, timeout=WAIT)
    pane.create_case("Twice", "")
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT)
    assert "already exists" in errors[0]


def test_actions_without_a_case_ask_for_one(qtbot, pane):
    with qtbot.waitSignal(pane.attention, timeout=1000):
        pane.add_current_file()
    assert "No case is open" in pane.status_label.text()
    assert pane.open_export_dialog() is None
    assert not pane.findings.isEnabled() and not pane.export_button.isEnabled()


def test_status_filter_and_audited_status_and_note_edits(qtbot, pane, case3):
    folder, _ = case3
    open_in_pane(pane, qtbot, folder)
    findings = pane.findings
    assert findings.visible_ids() == [1, 2, 3]
    for key, expected in (("ok", [1]), ("check", [2]), ("warning", [3]), ("all", [1, 2, 3])):
        findings.set_filter(key)
        assert findings.visible_ids() == expected, key
    findings.set_filter("warning")
    assert findings.select(3)
    assert findings.status_combo.currentData() == "warning" and findings.note_edit.toPlainText() == "warning note"
    findings.status_combo.setCurrentIndex(findings.status_combo.findData("ok"))
    findings.status_combo.activated.emit(findings.status_combo.currentIndex())  # what a user's pick emits
    qtbot.waitUntil(lambda: pane.snapshot.bookmark(3).status == "ok", timeout=WAIT)
    assert findings.visible_ids() == []  # no longer a warning
    findings.set_filter("ok")
    assert findings.visible_ids() == [1, 3]
    assert findings.select(3)
    assert not findings.save_note.isEnabled()
    findings.note_edit.setPlainText("halo along the block edge")
    assert findings.save_note.isEnabled()
    qtbot.mouseClick(findings.save_note, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.snapshot.bookmark(3).note == "halo along the block edge", timeout=WAIT)
    with open_case(folder) as case:
        entries = case.audit_entries()
    status_change = [e.details for e in entries if e.action == "status-change"]
    note_change = [e.details for e in entries if e.action == "note-change"]
    assert status_change == [{"bookmark_id": 3, "old": "warning", "new": "ok"}]
    assert note_change == [{"bookmark_id": 3, "old": "warning note", "new": "halo along the block edge"}]
    assert pane.audit.table.item(0, 2).text() == "note-change"  # newest first


def test_verify_chain_reports_intact_then_tampering(qtbot, pane, case3):
    folder, _ = case3
    open_in_pane(pane, qtbot, folder)
    qtbot.mouseClick(pane.audit.verify_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.chain_result is not None, timeout=WAIT)
    assert pane.chain_result.ok
    assert "Chain intact" in pane.audit.result_text() and "1–5" in pane.audit.result_text()
    conn = sqlite3.connect(folder / "case.sqlite")
    conn.execute("DROP TRIGGER audit_no_update")  # someone with direct database access
    conn.execute("UPDATE audit SET details_json = replace(details_json, 'warning', 'ok') WHERE action = 'bookmark'")
    conn.commit()
    conn.close()
    qtbot.mouseClick(pane.audit.verify_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not pane.chain_result.ok, timeout=WAIT)
    assert "BROKEN" in pane.audit.result_text() and "edited" in pane.audit.result_text()
    assert any("NOT intact" in w for w in pane.warnings)
    assert dialogs("auditBrokenDialog")


def test_refresh_shows_changes_made_by_the_cli(qtbot, pane, case3, tmp_path):
    folder, _ = case3
    open_in_pane(pane, qtbot, folder)
    other = write_jpeg(tmp_path / "cli.jpg", spliced_image(9)[0])
    assert run(["case", "note", str(folder), "2", "written from the CLI"]) == 0
    assert run(["case", "add", str(folder), str(other)]) == 0
    assert pane.snapshot.bookmark(2).note == "check note"  # not yet read again
    qtbot.mouseClick(pane.refresh_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.items.ids() == [1, 2], timeout=WAIT)
    assert pane.snapshot.bookmark(2).note == "written from the CLI"
    assert pane.findings.table.item(1, 4).text() == "written from the CLI"
    pane.show()
    qtbot.waitExposed(pane)
    pane.hide()
    assert run(["case", "status", str(folder), "2", "warning"]) == 0
    pane.show()  # showing the tab reads the case again
    qtbot.waitUntil(lambda: pane.snapshot.bookmark(2).status == "warning", timeout=WAIT)


def test_database_and_report_work_never_runs_on_the_gui_thread(qtbot, pane, case3, tmp_path, monkeypatch):
    folder, _ = case3
    threads = []
    original = CaseDatabase.__init__

    def spy(self, *args, **kwargs):
        threads.append(threading.current_thread().name)
        original(self, *args, **kwargs)

    monkeypatch.setattr(CaseDatabase, "__init__", spy)
    open_in_pane(pane, qtbot, folder)
    pane.set_status(1, "warning")
    pane.set_note(1, "off the GUI thread")
    pane.verify_chain()
    pane.open_item(1)
    dialog = pane.open_export_dialog()
    result = export(dialog, qtbot, "pdf", tmp_path / "r.pdf")
    assert not isinstance(result, str), result
    qtbot.waitUntil(lambda: pane.snapshot.bookmark(1).note == "off the GUI thread", timeout=WAIT)
    pane._tasks.wait_all(WAIT)
    assert len(threads) >= 7
    assert all(name.startswith("truelens-engine") for name in threads), threads


def test_older_snapshot_never_replaces_a_newer_one(qtbot, pane, case3):
    folder, _ = case3
    open_in_pane(pane, qtbot, folder)
    with open_case(folder) as case:
        old = read_snapshot(case)
        add_evidence(case, [write_jpeg(folder.parent / "late.jpg", spliced_image(4)[0])])
        new = read_snapshot(case)
    pane._apply(new)
    pane._apply(old)
    assert pane.snapshot is new and pane.items.ids() == [1, 2]


# ----------------------------------------------------------------------------- re-verify on open
def test_open_item_only_after_its_hash_verifies(qtbot, pane, case3):
    folder, path = case3
    open_in_pane(pane, qtbot, folder)
    opened = []
    pane.open_requested.connect(opened.append)
    pane.items.select(1)
    qtbot.mouseClick(pane.items.open_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=WAIT)
    assert opened == [str(path.resolve())]
    assert pane.items.state_of(1) == "verified"
    data = bytearray(path.read_bytes())
    data[300] ^= 0x01
    path.write_bytes(bytes(data))
    pane.open_item(1)
    qtbot.waitUntil(lambda: bool(pane.warnings), timeout=WAIT)
    assert opened == [str(path.resolve())]  # not opened again
    assert "CHANGED" in pane.warnings[-1] and dialogs("evidenceMismatchDialog")
    assert pane.items.state_of(1) == "mismatch"
    path.unlink()
    pane.open_item(1)
    qtbot.waitUntil(lambda: len(pane.warnings) == 2, timeout=WAIT)
    assert "cannot be read" in pane.warnings[-1] and pane.items.state_of(1) == "missing"
    assert audit_actions(folder).count("verify") == 3


# ------------------------------------------------------------------------------------------ export
def export(dialog, qtbot, fmt, out, bundle=None):
    dialog.set_format(fmt)
    dialog.out_edit.setText(str(out))
    dialog.bundle_check.setChecked(bundle is not None)
    if bundle is not None:
        dialog.bundle_edit.setText(str(bundle))
    done = []
    dialog.exported.connect(done.append)
    dialog.failed.connect(done.append)
    qtbot.mouseClick(dialog.export_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)
    return done[0]


def test_export_signed_html_json_pdf_and_bundle(qtbot, pane, case3, tmp_path):
    folder, _ = case3
    open_in_pane(pane, qtbot, folder)
    dialog = pane.open_export_dialog()
    qtbot.waitUntil(lambda: "Pane case" in dialog.preview_text(), timeout=WAIT)
    assert "Finding 3" in dialog.preview_text() and "3 finding(s)" in dialog.preview_label.text()
    qtbot.waitUntil(lambda: "Always signed" in dialog.signing_label.text(), timeout=WAIT)
    with open_case(folder) as case:
        image = list_bookmarks(case)[0].images[0]
    stored = dialog.preview.document().resource(QtGui.QTextDocument.ResourceType.ImageResource,
                                                QtCore.QUrl(f"truelens-preview-{image.sha256}.png"))
    assert stored is not None and stored.width() == image.width  # the preview carries the stored images
    dialog.set_format("json")
    qtbot.waitUntil(lambda: dialog.preview_text().lstrip().startswith("{"), timeout=WAIT)
    preview = json.loads(dialog.preview_text())
    assert preview["case_name"] == "Pane case" and [f["status"] for f in preview["findings"]] == ["ok", "check",
                                                                                                  "warning"]

    result = export(dialog, qtbot, "html", tmp_path / "report.html")
    assert not isinstance(result, str), result
    check = verify_signed_file(tmp_path / "report.html")
    assert check.evidence_ok and [e.status for e in check.evidence] == ["verified"]
    assert check.signature.local_key and result.verification.subject_sha256 == check.subject_sha256
    assert "<html" in (tmp_path / "report.html").read_text()

    result = export(dialog, qtbot, "pdf", tmp_path / "report.pdf", bundle=tmp_path / "bundle.zip")
    assert not isinstance(result, str), result
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert verify_signed_file(tmp_path / "report.pdf").evidence_ok
    bundle = verify_bundle(tmp_path / "bundle.zip")
    assert bundle.ok and bundle.members == len(bundle.manifest["members"])
    roles = sorted(m["role"] for m in bundle.manifest["members"])
    assert roles.count("report") == 3 and roles.count("evidence") == 1
    actions = audit_actions(folder)
    assert actions.count("report") == 2 and actions.count("export") == 1
    qtbot.waitUntil(lambda: pane.snapshot.version == len(actions), timeout=WAIT)  # the pane re-read the case

    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4 forged")
    with pytest.raises(Exception, match="changed after it was signed"):
        verify_signed_file(tmp_path / "report.pdf")


def test_export_errors_are_dialogs(qtbot, pane, case3, tmp_path):
    folder, path = case3
    open_in_pane(pane, qtbot, folder)
    dialog = pane.open_export_dialog()
    message = export(dialog, qtbot, "html", tmp_path / "missing-folder" / "r.html")
    assert isinstance(message, str) and "does not exist" in message
    assert dialogs("exportErrorDialog")
    message = export(dialog, qtbot, "json", path)  # the evidence file itself
    assert "refusing to overwrite evidence" in message and path.read_bytes()[:2] == b"\xff\xd8"
    data = bytearray(path.read_bytes())
    data[400] ^= 0x01
    path.write_bytes(bytes(data))
    message = export(dialog, qtbot, "html", tmp_path / "r.html", bundle=tmp_path / "b.zip")
    assert "no bundle" in message and "mismatch" in message
    assert verify_signed_file(tmp_path / "r.html").evidence_ok is False  # the report names the changed file
    assert not (tmp_path / "b.zip").exists()
