"""A small pyqtgraph plot panel for 1-D curves (ghost curves, spectra, histograms, scores)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

_PENS = [(255, 170, 60), (90, 180, 255), (120, 220, 120), (230, 90, 90), (200, 140, 255)]


class PlotPanel(QtWidgets.QWidget):
    """Shows one or more named curves; ``set_curves([(title, x, y, x_label, y_label), ...])``."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setBackground((32, 32, 36))
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.addLegend()
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def set_curves(self, curves: Sequence[tuple[str, np.ndarray, np.ndarray, str, str]]) -> None:
        self.plot.clear()
        for i, (title, x, y, x_label, y_label) in enumerate(curves):
            self.plot.plot(np.asarray(x), np.asarray(y), pen=pg.mkPen(_PENS[i % len(_PENS)], width=2), name=title)
            if i == 0:
                self.plot.setLabel("bottom", x_label)
                self.plot.setLabel("left", y_label)

    def curve_count(self) -> int:
        return len(self.plot.listDataItems())
