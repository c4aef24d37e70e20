"""Faces pane in the real main window: boxes and landmarks on the canvas, the faces table, the AI-generated
score with its limits, frame changes clearing boxes, and a GIF scan filling the timeline (click to seek)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6 import QtCore

from engines.faces.types import box_iou
from tests.app.pane_window import open_file, window  # noqa: F401 - fixture
from tests.face_factory import ASTRONAUT_FACE, astronaut, moving_face_gif, tiny_face_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return str(tiny_face_model(tmp_path_factory.mktemp("faces_model")))


@pytest.fixture
def still(tmp_path):
    path = tmp_path / "astronaut.png"
    Image.fromarray(astronaut()).save(path)
    return path


def _detect(win, qtbot):
    pane = win.faces_pane
    win.panes.setCurrentWidget(pane)
    with qtbot.waitSignal(pane.detection_ready, timeout=20000) as sig:
        pane.detect_button.click()
    return sig.args[0]


def _drawn_boxes(pane) -> np.ndarray:
    return np.array([s.box for s in pane.overlay.shapes()], np.float32).reshape(-1, 4)


def test_detection_draws_box_landmarks_and_fills_table(window, qtbot, still, model_dir):  # noqa: F811
    open_file(window, qtbot, still)
    window.faces_pane.model_folder = model_dir
    report = _detect(window, qtbot)
    pane = window.faces_pane
    assert len(report.faces) == 1 and pane.face_count() == 1
    boxes = _drawn_boxes(pane)
    assert box_iou(boxes, np.array([ASTRONAUT_FACE], np.float32))[0, 0] > 0.6
    items = pane.overlay.items
    assert items and all(item.scene() is window.canvas.view.scene() and item.isVisible() for item in items)
    assert pane.overlay.shapes()[0].points.shape == (5, 2)
    score_text = pane.faces_table.item(0, 1).text()
    assert float(score_text) == pytest.approx(report.faces[0].fake_score, abs=1e-3)
    assert pane.faces_table.item(0, 3).text() in ("stable", "uncertain", "unstable")
    assert "entropy" in pane.faces_table.item(0, 3).toolTip()
    assert "AUC" in pane.aigen_label.text() and "never as evidence" in pane.aigen_label.text()
    assert not pane.scan_button.isVisible()  # a still has no frames to scan
    window.panes.setCurrentWidget(window.analyze_pane)  # boxes belong to the Faces tab
    assert not any(item.isVisible() for item in pane.overlay.items)
    window.panes.setCurrentWidget(pane)
    assert all(item.isVisible() for item in pane.overlay.items)


def test_without_the_model_faces_are_still_found(window, qtbot, still, tmp_path):  # noqa: F811
    open_file(window, qtbot, still)
    window.faces_pane.model_folder = str(tmp_path / "no_model_here")
    report = _detect(window, qtbot)
    pane = window.faces_pane
    assert pane.overlay.shape_count == 1 and pane.face_count() == 1
    assert report.faces[0].label == "unscored" and pane.faces_table.item(0, 1).text() == "—"
    assert "unavailable" in pane.status.text()


def test_frame_change_clears_boxes_and_scan_fills_timeline(window, qtbot, tmp_path, model_dir):  # noqa: F811
    gif = moving_face_gif(tmp_path / "moving.gif", frames=6, step=12)
    open_file(window, qtbot, gif)
    pane = window.faces_pane
    pane.model_folder = model_dir
    _detect(window, qtbot)
    assert pane.overlay.shape_count == 1
    window.stepper.step(1)
    qtbot.waitUntil(lambda: window.document.frame_index == 1, timeout=5000)
    assert pane.overlay.shape_count == 0 and not pane.overlay.items and pane.face_count() == 0

    assert pane.scan_button.isVisible() and not window.timeline.isVisible()
    with qtbot.waitSignal(pane.scan_ready, timeout=30000) as sig:
        pane.scan_button.click()
    report = sig.args[0]
    assert [f.index for f in report.frames] == list(range(6))
    assert window.timeline.isVisible() and window.timeline.series_count() >= 1
    xs, ys = window.timeline._curves[0].getData()
    assert list(xs) == list(range(6)) and np.all((ys >= 0) & (ys <= 1))
    assert pane.tracks_table.rowCount() == len(report.tracks) >= 1
    assert pane.overlay.shape_count == 1  # frame 1 is scanned: its own face is drawn

    vb = window.timeline.plot.getPlotItem().vb
    pos = window.timeline.plot.mapFromScene(vb.mapViewToScene(QtCore.QPointF(4.1, 0.5)))
    qtbot.mouseClick(window.timeline.plot.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: window.document.frame_index == 4, timeout=5000)
    assert window.stepper.index == 4 and window.timeline.cursor_index() == 4
    box4 = _drawn_boxes(pane)[0]
    expected = report.frames[4].faces[0].box
    assert np.allclose(box4, expected) and box4[0] > report.frames[1].faces[0].box[0] + 20  # the face moved right


def test_scan_can_be_cancelled(window, qtbot, tmp_path, model_dir):  # noqa: F811
    gif = moving_face_gif(tmp_path / "moving.gif", frames=6)
    open_file(window, qtbot, gif)
    pane = window.faces_pane
    pane.model_folder = model_dir
    window.panes.setCurrentWidget(pane)
    results = []
    pane.scan_ready.connect(results.append)
    pane.scan_button.click()
    assert pane.cancel_button.isVisible()
    pane.cancel_button.click()
    assert not pane.cancel_button.isVisible() and pane.scan_button.isEnabled()
    window.tasks.wait_all(20000)
    qtbot.wait(50)
    assert results == [] and pane.scan is None and not window.timeline.isVisible()
    assert "cancelled" in pane.status.text()
