"""The Case pane's three tables (items, findings, audit log), filled from a snapshot on the GUI thread."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from app.panes.case_models import AuditLine, ItemRow

if TYPE_CHECKING:
    from engines.evidence import Bookmark

ID_ROLE = QtCore.Qt.ItemDataRole.UserRole
STATE_COLOURS = {"verified": "#3a9d3a", "intake": "#8a8a8a", "mismatch": "#e05050", "missing": "#e05050"}
STATUS_COLOURS = {"ok": "#3a9d3a", "check": "#d98a00", "warning": "#e05050"}


def make_table(headers: Sequence[str], stretch: int, name: str) -> QtWidgets.QTableWidget:
    """A read-only, row-selecting table whose column ``stretch`` takes the spare width."""
    table = QtWidgets.QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(22)
    table.setWordWrap(False)
    table.setTextElideMode(QtCore.Qt.TextElideMode.ElideRight)
    header = table.horizontalHeader()
    for column in range(len(headers)):
        mode = (QtWidgets.QHeaderView.ResizeMode.Stretch if column == stretch
                else QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(column, mode)
    return table


def _cell(text: str, tip: str = "", colour: str | None = None, mono: bool = False) -> QtWidgets.QTableWidgetItem:
    cell = QtWidgets.QTableWidgetItem(text)
    if tip:
        cell.setToolTip(tip)
    if colour:
        cell.setForeground(QtGui.QColor(colour))
    if mono:
        cell.setFont(QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont))
    return cell


def selected_id(table: QtWidgets.QTableWidget) -> int | None:
    """The id stored in the first column of the selected row."""
    rows = table.selectionModel().selectedRows()
    if not rows:
        return None
    cell = table.item(rows[0].row(), 0)
    return None if cell is None else int(cell.data(ID_ROLE))


def select_id(table: QtWidgets.QTableWidget, wanted: int | None) -> bool:
    """Select the row holding ``wanted``; False when it is not (or no longer) listed."""
    for row in range(table.rowCount()):
        cell = table.item(row, 0)
        if wanted is not None and cell is not None and int(cell.data(ID_ROLE)) == wanted:
            table.selectRow(row)
            return True
    return False


def row_ids(table: QtWidgets.QTableWidget, visible_only: bool = True) -> list[int]:
    """Ids of the listed rows, top to bottom (hidden rows skipped unless asked)."""
    return [int(table.item(r, 0).data(ID_ROLE)) for r in range(table.rowCount())
            if not (visible_only and table.isRowHidden(r))]


def fill_items(table: QtWidgets.QTableWidget, rows: Sequence[ItemRow]) -> None:
    """One row per evidence item: id, file, SHA-256 and its latest hash check."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        item = row.item
        first = _cell(str(item.id))
        first.setData(ID_ROLE, item.id)
        table.setItem(r, 0, first)
        table.setItem(r, 1, _cell(item.name, f"{item.path}\n{item.size:,} bytes, taken in {item.intake_at}"))
        table.setItem(r, 2, _cell(item.sha256, f"SHA-256 {item.sha256}\nMD5 {item.md5}", mono=True))
        when = f"last checked {row.checked_at}" if row.state != "intake" else f"hashed at intake {row.checked_at}"
        table.setItem(r, 3, _cell(row.state_label, when, STATE_COLOURS.get(row.state)))


def fill_findings(table: QtWidgets.QTableWidget, bookmarks: Sequence[Bookmark], names: dict[int, str],
                  titles: dict[str, str], status_filter: str) -> None:
    """One row per bookmark; rows whose status is not ``status_filter`` ("all" shows all) are hidden."""
    table.setRowCount(len(bookmarks))
    for r, bm in enumerate(bookmarks):
        first = _cell(str(bm.id))
        first.setData(ID_ROLE, bm.id)
        table.setItem(r, 0, first)
        name = names.get(bm.item_id, "?")
        frame = f", frame {bm.frame_index}" if bm.frame_index else ""
        table.setItem(r, 1, _cell(f"{bm.item_id}: {name}{frame}", name))
        title = titles.get(bm.engine, bm.engine)
        params = ", ".join(f"{k}={v}" for k, v in sorted(bm.params.items()))
        table.setItem(r, 2, _cell(title, f"{bm.engine} {bm.engine_version}\n{params}\n{bm.summary}"))
        table.setItem(r, 3, _cell(bm.status_label, "", STATUS_COLOURS.get(bm.status)))
        note = bm.note.replace("\n", " ")
        table.setItem(r, 4, _cell(note or "—", bm.note))
        table.setRowHidden(r, status_filter != "all" and bm.status != status_filter)


def fill_audit(table: QtWidgets.QTableWidget, lines: Sequence[AuditLine]) -> None:
    """The audit log, newest entry first."""
    ordered = list(reversed(lines))
    table.setRowCount(len(ordered))
    for r, line in enumerate(ordered):
        first = _cell(str(line.seq), f"entry hash {line.entry_hash}")
        first.setData(ID_ROLE, line.seq)
        table.setItem(r, 0, first)
        table.setItem(r, 1, _cell(line.at[5:19].replace("T", " "), f"{line.at} UTC"))  # MM-DD hh:mm:ss
        table.setItem(r, 2, _cell(line.action))
        table.setItem(r, 3, _cell(line.description, f"{line.description}\nby {line.actor}"))
