"""Opacity / threshold / colormap / twin-view controls bound to an ImageCanvas, and the choice of which
of a finding's maps is shown when it has more than one (e.g. heatmap or confidence)."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets
from superqt.sliders import QLabeledDoubleSlider

from widgets.colormaps import COLORMAPS
from widgets.image_canvas import ImageCanvas


class OverlayControls(QtWidgets.QGroupBox):
    """Drives the heatmap style of a canvas."""

    def __init__(self, canvas: ImageCanvas, parent: QtWidgets.QWidget | None = None):
        super().__init__("Overlay", parent)
        self._canvas = canvas
        self._layers: dict[str, np.ndarray] = {}
        self.layer = QtWidgets.QComboBox()
        self.layer.setObjectName("overlayLayer")
        self.layer.setToolTip("Which of the finding's maps is drawn over the image")
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
        form.addRow("Map", self.layer)
        self._layer_label = form.labelForField(self.layer)
        self._set_layer_rows_visible(False)
        form.addRow("Opacity", self.opacity)
        form.addRow("Threshold", self.threshold)
        form.addRow("Colormap", self.colormap)
        form.addRow(self.twin)
        self.opacity.valueChanged.connect(self._apply)
        self.threshold.valueChanged.connect(self._apply)
        self.colormap.currentTextChanged.connect(self._apply)
        self.show_overlay.toggled.connect(self._apply)
        self.twin.toggled.connect(canvas.set_twin)
        self.layer.currentTextChanged.connect(self._show_layer)

    def show_maps(self, layers: dict[str, np.ndarray | None]) -> None:
        """Draw the first map and offer the others in the Map box (hidden when there is only one)."""
        self._layers = {name: m for name, m in layers.items() if m is not None}
        with QtCore.QSignalBlocker(self.layer):
            self.layer.clear()
            self.layer.addItems(list(self._layers))
        self._set_layer_rows_visible(len(self._layers) > 1)
        self._canvas.set_heatmap(next(iter(self._layers.values()), None))

    def _show_layer(self, name: str) -> None:
        if name in self._layers:
            self._canvas.set_heatmap(self._layers[name])

    def _set_layer_rows_visible(self, visible: bool) -> None:
        self.layer.setVisible(visible)
        if self._layer_label is not None:
            self._layer_label.setVisible(visible)

    def _apply(self, *_: object) -> None:
        opacity = float(self.opacity.value()) if self.show_overlay.isChecked() else 0.0
        self._canvas.set_heat_style(colormap=self.colormap.currentText(), opacity=opacity,
                                    threshold=float(self.threshold.value()))
        self._canvas.mask_item.setVisible(self.show_overlay.isChecked())
