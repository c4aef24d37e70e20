"""ScoreTimeline: series drawing, cursor, click-to-seek mapping and bad input."""

from __future__ import annotations

import math

import pytest
from PySide6 import QtCore, QtWidgets

from widgets.score_timeline import ScoreTimeline


@pytest.fixture
def timeline(qtbot):
    window = QtWidgets.QMainWindow()
    t = ScoreTimeline()
    window.setCentralWidget(t)
    window.resize(600, 120)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    t.set_frame_count(10)
    yield t
    window.close()


def test_series_and_threshold_are_drawn(timeline):
    timeline.set_series([("track 0", [0, 1, 2, 5], [0.1, 0.2, 0.9, 0.4]), ("track 1", [3, 4], [0.5, math.nan])],
                        threshold=0.5)
    assert timeline.series_count() == 2
    assert timeline.threshold_line.isVisible() and timeline.threshold_line.value() == pytest.approx(0.5)
    xs, ys = timeline._curves[0].getData()
    assert list(xs) == [0, 1, 2, 5] and ys[2] == pytest.approx(0.9)
    timeline.set_frame_count(4)  # a new file clears everything
    assert timeline.series_count() == 0 and not timeline.threshold_line.isVisible()
    assert timeline.cursor_index() == 0


def test_mismatched_series_is_rejected(timeline):
    with pytest.raises(ValueError):
        timeline.set_series([("bad", [0, 1, 2], [0.5])])


def test_cursor_follows_frame(timeline):
    timeline.set_cursor(7)
    assert timeline.cursor_index() == 7


def test_axis_counts_frames_from_one(timeline):
    axis = timeline.plot.getPlotItem().getAxis("bottom")
    assert axis.tickStrings([0.0, 4.0, 9.0, 2.5], 1.0, 1.0) == ["1", "5", "10", ""]


def test_click_seeks_to_nearest_frame(timeline, qtbot):
    timeline.set_series([("track 0", list(range(10)), [0.5] * 10)])
    qtbot.wait(50)
    vb = timeline.plot.getPlotItem().vb
    seen = []
    timeline.seek_requested.connect(seen.append)
    for x in (0.2, 6.3, 8.8):  # nearest frames 0, 6, 9
        scene = vb.mapViewToScene(QtCore.QPointF(x, 0.5))
        view_pos = timeline.plot.mapFromScene(scene)
        qtbot.mouseClick(timeline.plot.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=view_pos)
    assert seen == [0, 6, 9]
    outside = timeline.plot.mapFromScene(vb.sceneBoundingRect().topLeft() - QtCore.QPointF(20, 0))
    assert timeline.frame_at_scene(timeline.plot.mapToScene(outside)) is None
    timeline.seek_to_view_x(42.0)  # clamped to the last frame
    assert seen[-1] == 9
