"""A pane's before/after comparison on the shared canvas: the photo stays on the left, the pane's picture goes
in the twin view, and the canvas's twin state is given back as it was when the pane lets go."""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets

from widgets.image_canvas import ImageCanvas


class CanvasComparison:
    """Takes over the canvas's twin view for one pane and restores it on ``release``."""

    def __init__(self, canvas: ImageCanvas):
        self._canvas = canvas
        self._twin_before: bool | None = None

    def show(self, picture: np.ndarray) -> None:
        """Put ``picture`` (RGB uint8, the photo's size) beside the photo."""
        if self._twin_before is None:
            self._twin_before = self._canvas.is_twin()
        self._canvas.show_beside(np.ascontiguousarray(picture))

    def release(self) -> None:
        """Remove the comparison and give the twin view back as it was (no-op when nothing is shown)."""
        if self._twin_before is None:
            return
        self._canvas.set_heatmap(None)  # also empties the right view
        self._canvas.set_twin(self._twin_before)
        self._twin_before = None

    def shown(self) -> bool:
        return self._twin_before is not None

    def picture(self) -> np.ndarray | None:
        return self._canvas.beside() if self.shown() else None


def scrolled(pane: QtWidgets.QWidget, body: QtWidgets.QWidget) -> None:
    """Lay ``body`` out as ``pane``'s only content, in a frameless vertical scroll area."""
    scroll = QtWidgets.QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
    scroll.setWidget(body)
    outer = QtWidgets.QVBoxLayout(pane)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
