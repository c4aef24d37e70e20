"""Boxes, point sets and text labels drawn over an image view (faces, regions), as one removable layer."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

Z_VALUE = 30  # above the canvas's heatmap (10) and mask (20) layers


@dataclasses.dataclass(frozen=True)
class BoxShape:
    """One labelled box in image pixels (x0, y0, x1, y1) with optional key points (N, 2) and fine points (M, 2)."""

    box: tuple[float, float, float, float]
    label: str = ""
    color: tuple[int, int, int] = (80, 220, 120)
    points: np.ndarray | None = None
    fine_points: np.ndarray | None = None


class ShapeOverlay(QtCore.QObject):
    """Owns the graphics items of a set of ``BoxShape`` on a pyqtgraph ``ViewBox``.

    ``set_shapes`` replaces what is drawn; ``clear`` removes every item. ``items`` lists the live
    graphics items (tests read it); ``shape_count`` is the number of boxes drawn.
    """

    def __init__(self, view: pg.ViewBox, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self._view = view
        self.items: list[QtWidgets.QGraphicsItem] = []
        self._shapes: tuple[BoxShape, ...] = ()
        self._visible = True

    @property
    def shape_count(self) -> int:
        return len(self._shapes)

    def shapes(self) -> tuple[BoxShape, ...]:
        return self._shapes

    def set_shapes(self, shapes: Sequence[BoxShape]) -> None:
        """Draw ``shapes`` (replacing earlier ones)."""
        self.clear()
        self._shapes = tuple(shapes)
        for shape in self._shapes:
            self._add_shape(shape)
        self.set_visible(self._visible)

    def clear(self) -> None:
        """Remove every item from the view."""
        for item in self.items:
            self._view.removeItem(item)
        self.items = []
        self._shapes = ()

    def set_visible(self, visible: bool) -> None:
        self._visible = visible
        for item in self.items:
            item.setVisible(visible)

    def is_visible(self) -> bool:
        return self._visible

    def _add(self, item: QtWidgets.QGraphicsItem) -> None:
        item.setZValue(Z_VALUE)
        self._view.addItem(item)
        self.items.append(item)

    def _add_shape(self, shape: BoxShape) -> None:
        x0, y0, x1, y1 = (float(v) for v in shape.box)
        color = QtGui.QColor(*shape.color)
        rect = QtWidgets.QGraphicsRectItem(QtCore.QRectF(x0, y0, max(x1 - x0, 1.0), max(y1 - y0, 1.0)))
        pen = QtGui.QPen(color, 2)
        pen.setCosmetic(True)  # constant screen width at any zoom
        rect.setPen(pen)
        self._add(rect)
        if shape.fine_points is not None and len(shape.fine_points):
            pts = np.asarray(shape.fine_points, np.float64)
            fine = pg.ScatterPlotItem(pts[:, 0], pts[:, 1], size=2, pen=None,
                                      brush=pg.mkBrush(*shape.color, 110), pxMode=True)
            self._add(fine)
        if shape.points is not None and len(shape.points):
            pts = np.asarray(shape.points, np.float64)
            marks = pg.ScatterPlotItem(pts[:, 0], pts[:, 1], size=7, pen=pg.mkPen(20, 20, 20),
                                       brush=pg.mkBrush(*shape.color), pxMode=True)
            self._add(marks)
        if shape.label:
            text = pg.TextItem(shape.label, color=(255, 255, 255), fill=pg.mkBrush(*shape.color, 190),
                               anchor=(0, 1))
            text.setPos(x0, y0)
            self._add(text)
