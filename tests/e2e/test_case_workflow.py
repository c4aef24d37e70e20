"""End to end in the real main window: create a case, take a generated image in, bookmark an ELA finding from
the Analyze pane, show its stored map over the item, export a signed PDF, and refuse tampered evidence."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from engines.evidence import list_bookmarks, open_case, verify_signed_file
from engines.media.hashing import sha256_file
from tests.engines.evidence.helpers import SPLICE_BOX, spliced_image, write_jpeg
from tests.media_factory import write_animation

WAIT = 15_000




@pytest.fixture
def images(tmp_path):
    """Two generated JPEGs: a spliced one (block pasted at SPLICE_BOX) and another."""
    spliced = write_jpeg(tmp_path / "spliced.jpg", spliced_image()[0], quality=85)
    other = write_jpeg(tmp_path / "other.jpg", spliced_image(5)[0], quality=70)
    return spliced, other


def open_file(win, qtbot, path):
    with qtbot.waitSignal(win.document.opened, timeout=WAIT):
        win.open_path(path)
    qtbot.waitUntil(lambda: win.canvas.image() is not None, timeout=WAIT)


def run_ela(win, qtbot):
    win.panes.setCurrentWidget(win.analyze_pane)
    with qtbot.waitSignal(win.analyze_pane.finding_ready, timeout=WAIT):
        win.analyze_pane.select_tool("ela")
    qtbot.waitUntil(win.analyze_pane.bookmark_button.isEnabled, timeout=WAIT)
    return win.analyze_pane.last_finding


def new_case(win, qtbot, name="Harbour fire"):
    win._new_case()  # what Case ▸ New case… does
    dialog = win.case_pane.new_case_dialog
    dialog.name_edit.setText(name)
    dialog.examiner_edit.setText("A. Examiner")
    dialog.accept()
    qtbot.waitUntil(lambda: win.case_pane.snapshot is not None, timeout=WAIT)
    assert win.panes.currentWidget() is win.case_pane
    return win.case_pane.folder


def bookmark(win, qtbot, note, status, click=True):
    """Press Bookmark (or Ctrl+B), fill the dialog, wait for the saved bookmark; returns the dialog."""
    pane = win.case_pane
    before = pane.bookmarker.dialog
    if click:
        qtbot.mouseClick(win.analyze_pane.bookmark_button, QtCore.Qt.MouseButton.LeftButton)
    else:
        win.bookmark_action.trigger()
    qtbot.waitUntil(lambda: pane.bookmarker.dialog is not before and pane.bookmarker.dialog.isVisible(),
                    timeout=WAIT)
    dialog = pane.bookmarker.dialog
    dialog.set_values(note, status)
    with qtbot.waitSignal(pane.bookmark_saved, timeout=WAIT):
        dialog.accept()
    return dialog


def test_bookmark_show_stored_map_and_export_signed_pdf(window, qtbot, images, tmp_path):
    spliced, other = images
    before = spliced.read_bytes()
    folder = new_case(window, qtbot)
    pane = window.case_pane
    open_file(window, qtbot, spliced)
    window.add_to_case_action.trigger()
    qtbot.waitUntil(lambda: pane.items.ids() == [1], timeout=WAIT)
    assert pane.snapshot.items[0].item.sha256 == sha256_file(spliced)
    assert pane.items.table.item(0, 2).text() == sha256_file(spliced)
    assert pane.items.state_of(1) == "intake"

    finding = run_ela(window, qtbot)
    dialog = bookmark(window, qtbot, "bright pasted block", "warning")
    assert not dialog.adds_item  # already in the case
    assert pane.findings.visible_ids() == [1]
    with open_case(folder) as case:
        [bm] = list_bookmarks(case)
        actions = [e.action for e in case.audit_entries()]
    assert (bm.engine, bm.engine_version, bm.params, bm.item_id) == ("ela", finding.version, finding.params, 1)
    assert (bm.note, bm.status) == ("bright pasted block", "warning")
    assert sorted(image.role for image in bm.images) == ["frame", "map"]
    assert actions[:2] == ["case-created", "intake"] and "analysis" in actions and actions[-1] == "bookmark"

    # a second file, not in the case: Ctrl+B offers to take it in first
    open_file(window, qtbot, other)
    run_ela(window, qtbot)
    dialog = bookmark(window, qtbot, "", "ok", click=False)
    assert dialog.adds_item and not dialog.notice.isHidden()
    assert pane.items.ids() == [1, 2] and pane.findings.visible_ids() == [1, 2]
    pane.findings.set_filter("warning")
    assert pane.findings.visible_ids() == [1]
    pane.findings.set_filter("all")

    # clicking finding 1 re-verifies item 1, opens it and draws the stored map over it
    window.panes.setCurrentWidget(pane)
    rect = pane.findings.table.visualRect(pane.findings.table.model().index(0, 2))
    qtbot.mouseClick(pane.findings.table.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: pane.shown_bookmark_id == 1, timeout=WAIT)
    assert window.document.media.path.name == "spliced.jpg" and pane.items.state_of(1) == "verified"
    assert window.analyze_pane.tool_id is None  # no live re-run over the stored map
    stored = cv2.imread(str(next(i.file for i in bm.images if i.role == "map")))[:, :, ::-1]
    shown = window.canvas.rendered_heat_rgba()[:, :, :3]
    assert np.array_equal(shown, stored)
    inside, outside = stored[SPLICE_BOX].mean(), np.delete(stored, np.s_[40:100], axis=0).mean()
    assert inside > outside  # the map is the ELA of the spliced image, brightest on the pasted block
    qtbot.wait(400)  # longer than the Analyze pane's debounce: nothing replaces the stored map
    assert np.array_equal(window.canvas.rendered_heat_rgba()[:, :, :3], stored)

    # export a signed PDF through the dialog
    window._export_report()
    export = pane.export_dialog
    export.set_format("pdf")
    export.out_edit.setText(str(tmp_path / "case.pdf"))
    with qtbot.waitSignal(export.exported, timeout=30_000):
        qtbot.mouseClick(export.export_button, QtCore.Qt.MouseButton.LeftButton)
    assert (tmp_path / "case.pdf").read_bytes().startswith(b"%PDF")
    check = verify_signed_file(tmp_path / "case.pdf")
    assert check.evidence_ok and {e.name: e.status for e in check.evidence} == {"spliced.jpg": "verified",
                                                                                   "other.jpg": "verified"}
    assert "signature verified" in export.status.text()
    assert spliced.read_bytes() == before  # evidence never written


def test_tampered_evidence_warns_and_is_not_opened(window, qtbot, images):
    spliced, other = images
    new_case(window, qtbot, "Tamper case")
    pane = window.case_pane
    open_file(window, qtbot, spliced)
    run_ela(window, qtbot)
    bookmark(window, qtbot, "", "check")  # takes the file in first
    open_file(window, qtbot, other)
    data = bytearray(spliced.read_bytes())
    data[len(data) // 2] ^= 0x10
    spliced.write_bytes(bytes(data))
    window.panes.setCurrentWidget(pane)
    pane.show_finding(1)
    qtbot.waitUntil(lambda: bool(pane.warnings), timeout=WAIT)
    assert "CHANGED" in pane.warnings[-1]
    boxes = [w for w in QtWidgets.QApplication.topLevelWidgets()
             if w.objectName() == "evidenceMismatchDialog" and w.isVisible()]
    assert boxes and "SHA-256" in boxes[0].detailedText()
    qtbot.wait(300)
    assert window.document.media.path.name == "other.jpg"  # the changed file was not opened
    assert pane.shown_bookmark_id is None and pane.items.state_of(1) == "mismatch"
    # bookmarking the changed file is refused too: its path is in the case with other bytes
    open_file(window, qtbot, spliced)
    run_ela(window, qtbot)
    qtbot.mouseClick(window.analyze_pane.bookmark_button, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(pane.warnings) == 2, timeout=WAIT)
    assert "differ from those taken in" in pane.warnings[-1] and pane.findings.visible_ids() == [1]


def test_stored_map_of_an_animation_frame_seeks_to_that_frame(window, qtbot, images, tmp_path):
    gif = write_animation(tmp_path / "anim.gif", "GIF", 6)
    new_case(window, qtbot, "Animation case")
    pane = window.case_pane
    open_file(window, qtbot, gif)
    run_ela(window, qtbot)
    with qtbot.waitSignal(window.analyze_pane.finding_ready, timeout=WAIT):
        for _ in range(3):
            window.stepper.step(1)
    qtbot.waitUntil(window.analyze_pane.bookmark_button.isEnabled, timeout=WAIT)
    bookmark(window, qtbot, "frame 3", "check")
    assert pane.snapshot.bookmarks[0].frame_index == 3
    open_file(window, qtbot, images[1])
    window.panes.setCurrentWidget(pane)
    pane.show_finding(1)
    qtbot.waitUntil(lambda: pane.shown_bookmark_id == 1, timeout=WAIT)
    assert window.document.media.path.name == "anim.gif"
    assert window.document.frame_index == 3 and window.stepper.index == 3 and window.canvas.has_heatmap()
