"""Protect pane in the real main window: protect in memory (before/after, difference, swap preview), save a NEW
copy with the ownership mark and read its report, refuse bad requests, and never write the evidence file."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from PIL import Image

from tests.app.pane_window import open_file, window  # noqa: F401 - fixture
from tests.face_factory import astronaut
from tests.media_factory import texture, write_animation

STEPS = 4  # enough to exercise the whole path; the effect itself is measured by the engine tests and benchmark


@pytest.fixture
def evidence(tmp_path):
    path = tmp_path / "evidence.png"
    Image.fromarray(astronaut()).save(path)
    return path


def _protect(win, qtbot):
    pane = win.protect_pane
    pane.steps = STEPS
    win.panes.setCurrentWidget(pane)
    with qtbot.waitSignal(pane.protected, timeout=120000) as sig:
        assert pane.protect_now()
    return sig.args[0]


def test_protect_compare_save_with_mark_and_report(window, qtbot, evidence, tmp_path):  # noqa: F811
    digest = hashlib.sha256(evidence.read_bytes()).hexdigest()
    open_file(window, qtbot, evidence)
    pane = window.protect_pane
    assert not pane.save_button.isEnabled()
    preview = _protect(window, qtbot)
    assert len(preview.result.faces) == 1 and preview.result.psnr >= 35.0
    assert window.canvas.is_twin() and np.array_equal(window.canvas.beside(), preview.protected)
    pane.view_mode.setCurrentIndex(2)
    assert window.canvas.beside().shape == preview.protected.shape
    assert not np.array_equal(window.canvas.beside(), preview.protected)  # the amplified difference
    assert pane.swap_view.isVisible() and pane.swap_view.image() is not None
    pane.add_mark.setChecked(True)
    pane.owner.setText("Alice")
    pane.key.setText("k1")
    dst = tmp_path / "evidence_protected.png"
    with qtbot.waitSignal(pane.saved, timeout=60000) as sig:
        assert pane.save_to(dst)
    report = sig.args[0].as_dict()
    assert dst.is_file() and report["faces"] == 1 and report["watermark"]["watermark_id"]
    assert "Limits" in pane.report_view.toHtml() and pane.open_saved.isVisible()
    assert hashlib.sha256(evidence.read_bytes()).hexdigest() == digest
    window.panes.setCurrentWidget(window.analyze_pane)  # leaving the tab gives the canvas back
    assert not window.canvas.is_twin()


def test_bad_requests_are_refused_with_a_message(window, qtbot, evidence, tmp_path):  # noqa: F811
    open_file(window, qtbot, evidence)
    pane = window.protect_pane
    _protect(window, qtbot)
    pane.add_mark.setChecked(True)  # no owner, no key
    with qtbot.waitSignal(pane.failed, timeout=5000):
        assert not pane.save_to(tmp_path / "x.png")
    pane.add_mark.setChecked(False)
    with qtbot.waitSignal(pane.failed, timeout=30000):
        assert pane.save_to(evidence)  # the evidence itself: refused by the engine
    assert "new file" in pane.report_view.toPlainText()
    pane.strength.setValue(2.0)  # a new strength needs a new run before saving
    assert pane.preview is None and not pane.save_button.isEnabled()


def test_animations_and_faceless_photos(window, qtbot, tmp_path):  # noqa: F811
    gif = write_animation(tmp_path / "a.gif", "GIF", n=3)
    open_file(window, qtbot, gif)
    pane = window.protect_pane
    window.panes.setCurrentWidget(pane)
    assert not pane.protect_button.isEnabled() and "still photos" in pane.status.text()
    flat = tmp_path / "flat.png"
    Image.fromarray(texture(160, 200)).save(flat)
    open_file(window, qtbot, flat)
    preview = _protect(window, qtbot)
    assert not preview.result.faces and "No face" in pane.status.text()
    assert np.array_equal(preview.protected, preview.original) and not pane.swap_view.isVisible()


def test_user_models_are_checked_added_and_protected_against(window, qtbot, evidence, tmp_path):  # noqa: F811
    from tests.engines.protect.protect_factory import exported_file

    open_file(window, qtbot, evidence)
    pane = window.protect_pane
    junk = tmp_path / "junk.pt2"
    junk.write_bytes(b"not a model")
    with qtbot.waitSignal(pane.failed, timeout=5000):
        assert not pane.add_model(junk)
    assert pane.models_list.count() == 0 and "not an exported" in pane.status.text()
    model = exported_file(tmp_path, size=64)
    assert pane.add_model(model)
    assert not pane.add_model(model)  # once is enough
    assert pane.models_list.count() == 1 and pane.remove_model_button.isEnabled()
    preview = _protect(window, qtbot)
    assert "user:editor" in [t.name for t in preview.result.targets]
    assert "user:editor" in dict(preview.rows())["Targets"]
    pane.models_list.setCurrentRow(0)
    pane.remove_selected_model()
    assert pane.models_list.count() == 0 and pane.preview is None and not pane.save_button.isEnabled()
