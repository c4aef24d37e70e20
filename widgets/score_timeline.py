"""ScoreTimeline: per-frame scores of a GIF/video as curves, a cursor at the current frame, click to seek."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

_PENS = [(255, 170, 60), (90, 180, 255), (120, 220, 120), (230, 90, 90), (200, 140, 255), (240, 230, 90)]


class _FrameAxis(pg.AxisItem):
    """Frame indices are 0-based inside; the axis labels them 1-based like the frame stepper."""

    def tickStrings(self, values, scale, spacing):
        return [f"{round(float(v)) + 1}" if abs(v - round(v)) < 1e-6 else "" for v in values]


class ScoreTimeline(QtWidgets.QWidget):
    """A thin plot of named score series over frame indices (y in 0..1; the axis counts frames from 1).

    ``set_series([(name, frame_indices, scores), ...])`` draws them; ``set_cursor(index)`` moves the
    current-frame line; a click emits ``seek_requested(frame_index)`` (nearest frame, clamped).
    """

    seek_requested = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.plot = pg.PlotWidget(axisItems={"bottom": _FrameAxis("bottom")})
        self.plot.setObjectName("scoreTimeline")
        self.plot.setBackground((32, 32, 36))
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.setYRange(0.0, 1.0, padding=0.05)
        self.plot.setLabel("left", "score")
        self.plot.getAxis("left").setWidth(48)
        self.legend = self.plot.addLegend(offset=(-8, 4), labelTextSize="8pt")
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(255, 255, 255, 180, width=1))
        self.cursor.setZValue(20)
        dashed = pg.mkPen(230, 90, 90, 140, width=1, style=QtCore.Qt.PenStyle.DashLine)
        self.threshold_line = pg.InfiniteLine(angle=0, movable=False, pen=dashed)
        self.threshold_line.setVisible(False)
        self.plot.addItem(self.cursor, ignoreBounds=True)
        self.plot.addItem(self.threshold_line, ignoreBounds=True)
        self.setMinimumHeight(90)
        self.setMaximumHeight(130)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.plot)
        self._frame_count = 1
        self._curves: list[pg.PlotDataItem] = []
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.set_frame_count(1)

    # ------------------------------------------------------------------ state
    def set_frame_count(self, count: int) -> None:
        """The media's frame count (x range 0..count-1); clears the series."""
        self._frame_count = max(1, int(count))
        self.clear()
        self.set_cursor(0)
        self.plot.setXRange(0, max(1, self._frame_count - 1), padding=0.01)

    @property
    def frame_count(self) -> int:
        return self._frame_count

    def clear(self) -> None:
        for curve in self._curves:
            self.plot.removeItem(curve)
        self._curves = []
        self.legend.clear()
        self.threshold_line.setVisible(False)

    def set_series(self, series: Sequence[tuple[str, Sequence[int], Sequence[float]]],
                   threshold: float | None = None) -> None:
        """Draw (name, frame indices, scores) curves; NaN scores leave gaps. ``threshold`` draws a dashed line."""
        self.clear()
        for i, (name, xs, ys) in enumerate(series):
            x = np.asarray(xs, np.float64)
            y = np.asarray(ys, np.float64)
            if x.shape != y.shape:
                raise ValueError(f"series {name!r}: {x.shape} frame indices for {y.shape} scores")
            pen = pg.mkPen(_PENS[i % len(_PENS)], width=2)
            curve = self.plot.plot(x, y, pen=pen, symbol="o", symbolSize=4, symbolPen=None,
                                   symbolBrush=_PENS[i % len(_PENS)], name=name, connect="finite")
            self._curves.append(curve)
        if threshold is not None:
            self.threshold_line.setPos(float(threshold))
            self.threshold_line.setVisible(True)
        self.plot.setXRange(0, max(1, self._frame_count - 1), padding=0.01)
        self.plot.setYRange(0.0, 1.0, padding=0.05)

    def series_count(self) -> int:
        return len(self._curves)

    def set_cursor(self, index: int) -> None:
        """Move the current-frame line to ``index``."""
        self.cursor.setPos(float(index))

    def cursor_index(self) -> int:
        return round(float(self.cursor.value()))

    # ------------------------------------------------------------------ input
    def frame_at_scene(self, pos: QtCore.QPointF) -> int | None:
        """The frame under a scene position, or None when it is outside the plot area."""
        vb = self.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(pos):
            return None
        x = vb.mapSceneToView(pos).x()
        return int(min(self._frame_count - 1, max(0, round(x))))

    def seek_to_view_x(self, x: float) -> None:
        """Seek as if clicked at plot x (frame units)."""
        self.seek_requested.emit(int(min(self._frame_count - 1, max(0, round(x)))))

    def _on_click(self, event) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        index = self.frame_at_scene(event.scenePos())
        if index is not None:
            self.seek_requested.emit(index)
