"""A word-wrapped label that keeps all its lines when a crowded layout (a form in a scroll area) is short of
height: its minimum height follows its width, which plain ``QLabel.setWordWrap`` does not promise."""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets


class WrappedLabel(QtWidgets.QLabel):
    """``QLabel`` with word wrap whose minimum height is the height its text needs at its current width."""

    def __init__(self, text: str = "", parent: QtWidgets.QWidget | None = None):
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Minimum)
        # QLabel.heightForWidth never answers below the minimum height, so an unconstrained twin measures the text
        self._measure = QtWidgets.QLabel()
        self._measure.setWordWrap(True)

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit_height()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        if not hasattr(self, "_measure"):
            return  # QLabel's constructor sets the text before ours has run
        self._measure.setFont(self.font())
        self._measure.setContentsMargins(self.contentsMargins())
        self._measure.setText(self.text())
        needed = self._measure.heightForWidth(max(1, self.width()))
        if needed > 0 and needed != self.minimumHeight():
            self.setMinimumHeight(needed)
