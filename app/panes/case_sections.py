"""The three sections of the Case pane: evidence items, findings (filter + editor) and audit log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from app.panes import case_tables as tables
from app.panes.case_models import AuditLine, ItemRow

if TYPE_CHECKING:
    from engines.evidence import Bookmark


def _buttons(*buttons: QtWidgets.QPushButton) -> QtWidgets.QHBoxLayout:
    row = QtWidgets.QHBoxLayout()
    row.setSpacing(4)
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row


class CasePicker(QtWidgets.QWidget):
    """The case chooser with New… and Refresh buttons, and a line about the open case."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.combo = QtWidgets.QComboBox()
        self.combo.setObjectName("caseCombo")
        self.combo.setPlaceholderText("No case open")
        self.combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(12)
        self.new_button = QtWidgets.QPushButton("New…")
        self.refresh_button = QtWidgets.QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the case again (it may have been changed from the command line)")
        self.info = QtWidgets.QLabel("Create a case, or pick one, to keep evidence and findings.")
        self.info.setObjectName("caseInfo")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Case"))
        row.addWidget(self.combo, 1)
        row.addWidget(self.new_button)
        row.addWidget(self.refresh_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.info)

    def show_cases(self, infos: Sequence, current: Path | None) -> list[str]:
        """List cases (``CaseInfo``), plus ``current`` when it lives elsewhere; returns the listed folders."""
        folders = [str(info.folder) for info in infos]
        with QtCore.QSignalBlocker(self.combo):
            self.combo.clear()
            for info in infos:
                self.combo.addItem(info.name, str(info.folder))
                self.combo.setItemData(self.combo.count() - 1, str(info.folder), QtCore.Qt.ItemDataRole.ToolTipRole)
            if current is not None and str(current) not in folders:
                self.combo.addItem(current.name, str(current))
            self.combo.setCurrentIndex(self.combo.findData(str(current)) if current else -1)
        return folders


class ItemsSection(QtWidgets.QGroupBox):
    """Evidence items with their SHA-256 and the outcome of the latest re-verification."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__("Evidence items", parent)
        self.table = tables.make_table(("#", "File", "SHA-256", "Hash check"), 2, "itemsTable")
        self.table.horizontalHeader().setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(1, 130)
        self.table.setTextElideMode(QtCore.Qt.TextElideMode.ElideMiddle)
        self.sha_field = QtWidgets.QLineEdit()
        self.sha_field.setObjectName("itemSha256")
        self.sha_field.setReadOnly(True)
        self.sha_field.setFont(QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont))
        self.sha_field.setToolTip("SHA-256 recorded at intake (select and copy)")
        self.detail = QtWidgets.QLabel()
        self.detail.setObjectName("itemDetail")
        self.detail.setWordWrap(True)
        detail_row = QtWidgets.QHBoxLayout()
        detail_row.addWidget(QtWidgets.QLabel("SHA-256"))
        detail_row.addWidget(self.sha_field, 1)
        self.add_current = QtWidgets.QPushButton("Add current file")
        self.add_current.setToolTip("Take the file shown in the viewer into the case (hashed, never modified)")
        self.add_files = QtWidgets.QPushButton("Add files…")
        self.open_button = QtWidgets.QPushButton("Open")
        self.open_button.setToolTip("Re-hash the selected item, then open it in the viewer")
        self.verify_all = QtWidgets.QPushButton("Re-verify all")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addLayout(detail_row)
        layout.addWidget(self.detail)
        layout.addLayout(_buttons(self.add_current, self.add_files, self.open_button, self.verify_all))
        self._rows: dict[int, ItemRow] = {}
        self.table.itemSelectionChanged.connect(self._show_detail)
        self._show_detail()

    def show_rows(self, rows: Sequence[ItemRow]) -> None:
        keep = self.selected()
        self._rows = {row.item.id: row for row in rows}
        with QtCore.QSignalBlocker(self.table):
            tables.fill_items(self.table, rows)
            if not tables.select_id(self.table, keep) and rows:
                self.table.selectRow(len(rows) - 1)
        self._show_detail()

    def selected(self) -> int | None:
        return tables.selected_id(self.table)

    def select(self, item_id: int) -> bool:
        return tables.select_id(self.table, item_id)

    def ids(self) -> list[int]:
        return tables.row_ids(self.table)

    def state_of(self, item_id: int) -> str:
        """The hash-check state shown for an item ("intake", "verified", "mismatch", "missing")."""
        return self._rows[item_id].state

    def _show_detail(self) -> None:
        row = self._rows.get(self.selected() or -1)
        self.open_button.setEnabled(row is not None)
        if row is None:
            self.sha_field.clear()
            self.detail.setText("<span style='color:#888'>Select an item; double-click opens it after its hash "
                                "is checked.</span>")
            return
        self.sha_field.setText(row.item.sha256)
        self.sha_field.setCursorPosition(0)
        colour = tables.STATE_COLOURS.get(row.state, "#888")
        when = "last hash check" if row.state != "intake" else "hashed at intake, not re-checked since"
        self.detail.setText(f"<span style='color:{colour}'>{escape(row.state_label)}</span> "
                            f"<span style='color:#888'>{when} {escape(row.checked_at[:19].replace('T', ' '))} UTC"
                            f" · {row.item.size:,} bytes</span>")


class FindingsSection(QtWidgets.QGroupBox):
    """Bookmarked findings with a status filter and an editor for the selected one's status and note.

    Signals: ``filter_changed(key)``, ``status_chosen(bookmark_id, status)``, ``note_saved(bookmark_id, note)``.
    """

    filter_changed = QtCore.Signal(str)
    status_chosen = QtCore.Signal(int, str)
    note_saved = QtCore.Signal(int, str)

    def __init__(self, filters: Sequence[tuple[str, str]], labels: Mapping[str, str],
                 parent: QtWidgets.QWidget | None = None):
        super().__init__("Findings", parent)
        self.filter_combo = QtWidgets.QComboBox()
        self.filter_combo.setObjectName("statusFilter")
        for key, label in filters:
            self.filter_combo.addItem(label, key)
        self.count_label = QtWidgets.QLabel()
        self.table = tables.make_table(("#", "Item", "Method", "Status", "Note"), 4, "findingsTable")
        for column, width in ((1, 110), (2, 120)):
            self.table.horizontalHeader().setSectionResizeMode(column, QtWidgets.QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, width)
        self.table.setToolTip("Click a finding to show its stored map over its item")
        self.status_combo = QtWidgets.QComboBox()
        self.status_combo.setObjectName("findingStatus")
        for key, label in labels.items():
            self.status_combo.addItem(label, key)
        self.note_edit = QtWidgets.QPlainTextEdit()
        self.note_edit.setObjectName("findingNote")
        self.note_edit.setPlaceholderText("Examiner's note")
        self.note_edit.setFixedHeight(52)
        self.save_note = QtWidgets.QPushButton("Save note")
        self.save_note.setObjectName("saveNote")
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel("Show"))
        top.addWidget(self.filter_combo)
        top.addStretch(1)
        top.addWidget(self.count_label)
        editor = QtWidgets.QGridLayout()
        editor.addWidget(QtWidgets.QLabel("Status"), 0, 0)
        editor.addWidget(self.status_combo, 0, 1)
        editor.addWidget(self.save_note, 0, 2, QtCore.Qt.AlignmentFlag.AlignRight)
        editor.addWidget(self.note_edit, 1, 0, 1, 3)
        editor.setColumnStretch(1, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(editor)
        self._bookmarks: dict[int, Bookmark] = {}
        self._editing: tuple[int, str] | None = None  # (bookmark id, note as stored) shown in the editor

        self.filter_combo.currentIndexChanged.connect(lambda _i: self.filter_changed.emit(self.status_filter))
        self.table.itemSelectionChanged.connect(self._load_editor)
        self.status_combo.activated.connect(self._on_status)
        self.note_edit.textChanged.connect(self._update_save)
        self.save_note.clicked.connect(self._on_save_note)
        self._load_editor()

    @property
    def status_filter(self) -> str:
        return str(self.filter_combo.currentData())

    def set_filter(self, key: str) -> None:
        """Show only "ok", "check" or "warning" findings, or "all"."""
        index = self.filter_combo.findData(key)
        if index < 0:
            raise ValueError(f"unknown status filter {key!r}")
        self.filter_combo.setCurrentIndex(index)

    def show_bookmarks(self, bookmarks: Sequence[Bookmark], names: dict[int, str], titles: dict[str, str]) -> None:
        keep = self.selected()
        self._bookmarks = {bm.id: bm for bm in bookmarks}
        with QtCore.QSignalBlocker(self.table):
            tables.fill_findings(self.table, bookmarks, names, titles, self.status_filter)
            if not tables.select_id(self.table, keep) or self.table.isRowHidden(self.table.currentRow()):
                self.table.clearSelection()
        shown = len(self.visible_ids())
        self.count_label.setText(f"{shown} of {len(bookmarks)}" if shown != len(bookmarks) else f"{shown}")
        self._load_editor()

    def selected(self) -> int | None:
        return tables.selected_id(self.table)

    def select(self, bookmark_id: int) -> bool:
        return tables.select_id(self.table, bookmark_id)

    def visible_ids(self) -> list[int]:
        """Ids of the findings the filter lets through."""
        return tables.row_ids(self.table)

    def _load_editor(self) -> None:
        bm = self._bookmarks.get(self.selected() or -1)
        for widget in (self.status_combo, self.note_edit):
            widget.setEnabled(bm is not None)
        if bm is None:
            self._editing = None
            with QtCore.QSignalBlocker(self.note_edit):
                self.note_edit.clear()
            self._update_save()
            return
        unsaved = (self._editing is not None and self._editing[0] == bm.id
                   and self.note_edit.toPlainText() != self._editing[1])
        self.status_combo.setCurrentIndex(self.status_combo.findData(bm.status))
        if not unsaved:
            with QtCore.QSignalBlocker(self.note_edit):
                self.note_edit.setPlainText(bm.note)
        self._editing = (bm.id, bm.note)
        self._update_save()

    def _update_save(self) -> None:
        self.save_note.setEnabled(self._editing is not None and self.note_edit.toPlainText() != self._editing[1])

    def _on_status(self, _index: int) -> None:
        bm = self._bookmarks.get(self.selected() or -1)
        status = str(self.status_combo.currentData())
        if bm is not None and status != bm.status:
            self.status_chosen.emit(bm.id, status)

    def _on_save_note(self) -> None:
        if self._editing is not None:
            self.note_saved.emit(self._editing[0], self.note_edit.toPlainText().strip())


class AuditSection(QtWidgets.QGroupBox):
    """The hash-chained audit log, newest first, with a "Verify chain" button."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__("Audit log", parent)
        self.table = tables.make_table(("#", "Time (UTC)", "Action", "Details"), 3, "auditTable")
        self.verify_button = QtWidgets.QPushButton("Verify chain")
        self.verify_button.setObjectName("verifyChainButton")
        self.result_label = QtWidgets.QLabel()
        self.result_label.setObjectName("chainResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.verify_button)
        row.addWidget(self.result_label, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)

    def show_lines(self, lines: Sequence[AuditLine]) -> None:
        tables.fill_audit(self.table, lines)

    def show_chain(self, result) -> None:
        """Show a ``ChainResult`` (or clear with None)."""
        if result is None:
            self.result_label.clear()
            return
        chain = result.chain
        if result.ok:
            text = (f"<span style='color:#3a9d3a'><b>Chain intact</b></span>: entries 1–{chain.count} verified, "
                    f"head <span style='font-family:monospace'>{chain.head[:12]}…</span>")
        else:
            first = chain.problems[0] if chain.problems else f"database: {result.integrity}"
            text = f"<span style='color:#e05050'><b>Chain BROKEN</b></span>: {escape(first)}"
        self.result_label.setText(text)
        self.result_label.setToolTip("\n".join(chain.problems) or chain.head)

    def result_text(self) -> str:
        return QtGui.QTextDocumentFragment.fromHtml(self.result_label.text()).toPlainText()
