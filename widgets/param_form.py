"""A form generated from a parameter schema (objects with name/label/kind/default/minimum/maximum/step/choices/help)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6 import QtCore, QtWidgets
from superqt.sliders import QLabeledDoubleSlider, QLabeledSlider


class ParamForm(QtWidgets.QWidget):
    """Builds one editor per parameter and emits ``values_changed(dict)`` on every edit."""

    values_changed = QtCore.Signal(dict)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._layout = QtWidgets.QFormLayout(self)
        self._layout.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._editors: dict[str, tuple[str, QtWidgets.QWidget]] = {}

    def set_schema(self, params: Sequence[Any], values: dict[str, Any] | None = None) -> None:
        """Rebuild the form for ``params``; ``values`` override the defaults."""
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self._editors.clear()
        values = values or {}
        for p in params:
            editor = self._make_editor(p, values.get(p.name, p.default))
            editor.setToolTip(p.help or p.label)
            editor.setObjectName(f"param_{p.name}")
            self._editors[p.name] = (p.kind, editor)
            self._layout.addRow(p.label, editor)
        if not params:
            self._layout.addRow(QtWidgets.QLabel("No parameters."))

    def _make_editor(self, p: Any, value: Any) -> QtWidgets.QWidget:
        if p.kind == "bool":
            box = QtWidgets.QCheckBox()
            box.setChecked(bool(value))
            box.toggled.connect(self._emit)
            return box
        if p.kind == "choice":
            combo = QtWidgets.QComboBox()
            combo.addItems([str(c) for c in p.choices])
            combo.setCurrentText(str(value))
            combo.currentTextChanged.connect(self._emit)
            return combo
        if p.kind == "int":
            slider = QLabeledSlider(QtCore.Qt.Orientation.Horizontal)
            slider.setRange(int(p.minimum if p.minimum is not None else 0),
                            int(p.maximum if p.maximum is not None else 100))
            slider.setSingleStep(int(p.step or 1))
            slider.setValue(int(value))
            slider.valueChanged.connect(self._emit)
            return slider
        slider = QLabeledDoubleSlider(QtCore.Qt.Orientation.Horizontal)
        slider.setRange(float(p.minimum if p.minimum is not None else 0.0),
                        float(p.maximum if p.maximum is not None else 1.0))
        slider.setSingleStep(float(p.step or 0.01))
        slider.setValue(float(value))
        slider.valueChanged.connect(self._emit)
        return slider

    def values(self) -> dict[str, Any]:
        """Current values keyed by parameter name."""
        out: dict[str, Any] = {}
        for name, (kind, editor) in self._editors.items():
            if kind == "bool":
                out[name] = editor.isChecked()
            elif kind == "choice":
                out[name] = editor.currentText()
            elif kind == "int":
                out[name] = int(editor.value())
            else:
                out[name] = float(editor.value())
        return out

    def set_value(self, name: str, value: Any) -> None:
        """Set one editor's value programmatically (emits ``values_changed``)."""
        kind, editor = self._editors[name]
        if kind == "bool":
            editor.setChecked(bool(value))
        elif kind == "choice":
            editor.setCurrentText(str(value))
        else:
            editor.setValue(value)

    def editor(self, name: str) -> QtWidgets.QWidget:
        return self._editors[name][1]

    def _emit(self, *_: Any) -> None:
        self.values_changed.emit(self.values())
