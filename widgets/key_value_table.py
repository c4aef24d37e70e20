"""A two-column read-only table of (label, value) rows, copyable."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6 import QtCore, QtWidgets


class KeyValueTable(QtWidgets.QTableWidget):
    """Shows plain (label, value) string pairs; values are selectable for copying."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["Property", "Value"])
        self.horizontalHeader().setStretchLastSection(True)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)

    def set_rows(self, rows: Iterable[tuple[str, str]]) -> None:
        rows = list(rows)
        self.setRowCount(len(rows))
        for r, (key, value) in enumerate(rows):
            for c, text in enumerate((str(key), str(value))):
                item = QtWidgets.QTableWidgetItem(text)
                item.setToolTip(text)
                item.setFlags(QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable)
                self.setItem(r, c, item)
        self.resizeColumnToContents(0)

    def rows(self) -> list[tuple[str, str]]:
        return [(self.item(r, 0).text(), self.item(r, 1).text()) for r in range(self.rowCount())]
