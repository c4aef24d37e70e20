"""A read-only table of string rows under fixed column headings, hidden while empty."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6 import QtCore, QtWidgets


class RowsTable(QtWidgets.QTableWidget):
    """Shows rows of strings; cells are selectable (for copying) and carry their text as tooltip."""

    def __init__(self, columns: Sequence[str], parent: QtWidgets.QWidget | None = None):
        super().__init__(0, len(columns), parent)
        self.setHorizontalHeaderLabels(list(columns))
        self.horizontalHeader().setStretchLastSection(True)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setVisible(False)

    def set_rows(self, rows: Iterable[Sequence[str]]) -> None:
        rows = [list(map(str, row)) for row in rows]
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row[: self.columnCount()]):
                item = QtWidgets.QTableWidgetItem(text)
                item.setToolTip(text)
                item.setFlags(QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable)
                self.setItem(r, c, item)
        self.resizeColumnsToContents()
        self.setVisible(bool(rows))

    def rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.item(r, c).text() if self.item(r, c) else "" for c in range(self.columnCount()))
                for r in range(self.rowCount())]
