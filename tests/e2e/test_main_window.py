"""End to end: the real main window opens a still, a GIF and a video, steps frames, runs ELA."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from tests.media_factory import frame_level, texture, write_animation, write_still, write_video


def _open(win, qtbot, path):
    with qtbot.waitSignal(win.document.opened, timeout=10000):
        win.open_path(path)
    qtbot.waitUntil(lambda: win.canvas.image() is not None, timeout=5000)


def _run_ela(win, qtbot, quality=None):
    win.panes.setCurrentWidget(win.analyze_pane)
    with qtbot.waitSignal(win.analyze_pane.finding_ready, timeout=10000):
        if win.analyze_pane.tool_id != "ela":
            win.analyze_pane.select_tool("ela")
        else:
            win.analyze_pane.form.set_value("quality", quality)
    return win.analyze_pane.last_finding


def test_still_with_ela_overlay(window, qtbot, tmp_path):
    path = write_still(tmp_path / "photo.jpg", "JPEG", texture(240, 320))
    _open(window, qtbot, path)
    assert "photo.jpg" in window.windowTitle()
    rows = dict(window.inspect_pane.table.rows())
    assert len(rows["SHA-256"]) == 64
    finding = _run_ela(window, qtbot)
    assert finding.engine == "ela"
    assert window.canvas.has_heatmap()
    assert window.canvas.rendered_heat_rgba().shape == (240, 320, 4)
    assert "Mean error level" in window.analyze_pane.summary.text()
    window.analyze_pane.overlay.twin.setChecked(True)
    assert window.canvas.is_twin()


def test_quality_slider_reruns_without_freezing(window, qtbot, tmp_path):
    path = write_still(tmp_path / "big.jpg", "JPEG", texture(1500, 2000))
    _open(window, qtbot, path)
    _run_ela(window, qtbot)
    first = window.analyze_pane.last_finding
    ticks = []
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(5)
    t0 = time.perf_counter()
    with qtbot.waitSignal(window.analyze_pane.finding_ready, timeout=15000):
        for q in (85, 80, 75, 70):  # a slider drag: debounced, superseded
            window.analyze_pane.form.set_value("quality", q)
            qtbot.wait(30)
    timer.stop()
    assert window.analyze_pane.last_finding.params["quality"] == 70
    assert not np.array_equal(first.heatmap, window.analyze_pane.last_finding.heatmap)
    gaps = np.diff([t0, *ticks])
    assert gaps.max() < 0.25, f"GUI thread stalled for {gaps.max():.3f} s"


def test_gif_frames_step_and_ela_runs_on_current_frame(window, qtbot, tmp_path):
    path = write_animation(tmp_path / "anim.gif", "GIF", 6)
    _open(window, qtbot, path)
    assert window.stepper.frame_count == 6
    _run_ela(window, qtbot)
    with qtbot.waitSignal(window.analyze_pane.finding_ready, timeout=10000):
        window.stepper.step(1)
        window.stepper.step(1)
        window.stepper.step(1)
    assert window.document.frame_index == 3
    assert window.canvas.image()[40, 60].mean() == pytest.approx(90, abs=3)
    assert window.analyze_pane._subject.frame_index == 3


def test_video_seek_and_play(window, qtbot, tmp_path):
    path = write_video(tmp_path / "clip.mp4", n=20)
    _open(window, qtbot, path)
    assert window.stepper.frame_count == 20
    window.stepper.slider.setValue(12)
    qtbot.waitUntil(lambda: window.document.frame_index == 12, timeout=5000)
    assert frame_level(window.canvas.image()) == pytest.approx(96, abs=4)
    window.stepper.play()
    qtbot.waitUntil(lambda: window.stepper.index >= 16, timeout=5000)
    window.stepper.pause()
    qtbot.waitUntil(lambda: window.document.frame_index == window.stepper.index, timeout=5000)


def test_bad_file_shows_dialog_not_crash(window, qtbot, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0garbage")
    with qtbot.waitSignal(window.document.failed, timeout=10000) as sig:
        window.open_path(bad)
    assert sig.args[0]
    assert window.error_messages and "\n" not in window.error_messages[-1]
    dialogs = [w for w in QtWidgets.QApplication.topLevelWidgets()
               if isinstance(w, QtWidgets.QMessageBox) and w.isVisible()]
    assert dialogs


def test_search_filters_tool_tree(window):
    pane = window.analyze_pane
    pane.search.setText("error level")
    visible = pane.tool_ids(visible_only=True)
    assert "ela" in visible and "copy_move" not in visible
    pane.search.setText("")
    assert len(pane.tool_ids(visible_only=True)) == len(pane.tool_ids())


def test_recent_files_and_evidence_untouched(window, qtbot, tmp_path):
    path = write_still(tmp_path / "evidence.jpg", "JPEG", texture(200, 300))
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    _open(window, qtbot, path)
    _run_ela(window, qtbot)
    window.analyze_pane.form.set_value("quality", 60)
    qtbot.wait(400)
    window.tasks.wait_all(10000)
    assert str(path) in window.settings.recent_files()
    window.close()
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before


def test_spectrum_is_shown_beside_not_over_the_image(window, qtbot, tmp_path):
    path = write_still(tmp_path / "photo.png", "PNG", texture(200, 260))
    _open(window, qtbot, path)
    window.panes.setCurrentWidget(window.analyze_pane)
    with qtbot.waitSignal(window.analyze_pane.finding_ready, timeout=10000):
        window.analyze_pane.select_tool("spectrum")
    assert not window.canvas.has_heatmap()
    assert window.analyze_pane.aux_view.isVisible()
    assert window.analyze_pane.aux_view.image() is not None


def test_learned_localization_offers_heatmap_and_confidence_maps(window, qtbot, tmp_path):
    path = write_still(tmp_path / "photo.png", "PNG", texture(192, 256))
    _open(window, qtbot, path)
    pane = window.analyze_pane
    window.panes.setCurrentWidget(pane)
    with qtbot.waitSignal(pane.finding_ready, timeout=60000):
        pane.select_tool("learned_localization")
    layers = [pane.overlay.layer.itemText(i) for i in range(pane.overlay.layer.count())]
    assert layers[0] == "Heatmap" and layers[1].startswith("Confidence") and pane.overlay.layer.isVisible()
    heat = window.canvas.heatmap().copy()
    pane.overlay.layer.setCurrentIndex(1)
    confidence = window.canvas.heatmap()
    assert confidence.shape == heat.shape and not np.array_equal(confidence, heat)
    expected = np.round(np.clip(pane.last_finding.details["confidence"], 0, 1) * 255)
    assert np.abs(confidence.astype(int) - expected.astype(int)).max() <= 1
    with qtbot.waitSignal(pane.finding_ready, timeout=10000):
        pane.select_tool("ela")  # a one-map tool hides the choice again
    assert not pane.overlay.layer.isVisible()
