"""Opacity / threshold / colormap / twin-view controls bound to an ImageCanvas."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets
from superqt.sliders import QLabeledDoubleSlider

from widgets.colormaps import COLORMAPS
from widgets.image_canvas import ImageCanvas


class OverlayControls(QtWidgets.QGroupBox):
    """Drives the heatmap style of a canvas."""

    def __init__(self, canvas: ImageCanvas, parent: QtWidgets.QWidget | None = None):
        super().__init__("Overlay", parent)
        self._canvas = canvas
        self.opacity = QLabeledDoubleSlider(QtCore.Qt.Orientation.Horizontal)
        self.opacity.setRange(0.0, 1.0)
        self.opacity.setValue(0.6)
        self.threshold = QLabeledDoubleSlider(QtCore.Qt.Orientation.Horizontal)
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setValue(0.0)
        self.colormap = QtWidgets.QComboBox()
        self.colormap.addItems(COLORMAPS)
        self.twin = QtWidgets.QCheckBox("Side by side (twin view)")
        self.show_overlay = QtWidgets.QCheckBox("Show overlay")
        self.show_overlay.setChecked(True)
        form = QtWidgets.QFormLayout(self)
        form.addRow(self.show_overlay)
        form.addRow("Opacity", self.opacity)
        form.addRow("Threshold", self.threshold)
        form.addRow("Colormap", self.colormap)
        form.addRow(self.twin)
        self.opacity.valueChanged.connect(self._apply)
        self.threshold.valueChanged.connect(self._apply)
        self.colormap.currentTextChanged.connect(self._apply)
        self.show_overlay.toggled.connect(self._apply)
        self.twin.toggled.connect(canvas.set_twin)

    def _apply(self, *_: object) -> None:
        opacity = float(self.opacity.value()) if self.show_overlay.isChecked() else 0.0
        self._canvas.set_heat_style(colormap=self.colormap.currentText(), opacity=opacity,
                                    threshold=float(self.threshold.value()))
        self._canvas.mask_item.setVisible(self.show_overlay.isChecked())
