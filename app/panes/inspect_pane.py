"""Inspect pane: the basic facts about the open file, with its SHA-256."""

from __future__ import annotations

from PySide6 import QtWidgets

from engines.media import Media
from widgets.key_value_table import KeyValueTable


class InspectPane(QtWidgets.QWidget):
    """File facts of the open media."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.table = KeyValueTable()
        self.note = QtWidgets.QLabel("Open a photo, GIF or video (File › Open or drag it here).")
        self.note.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)

    def show_media(self, media: Media) -> None:
        self.note.setText("The file is opened read-only; its SHA-256 was computed on opening.")
        self.table.set_rows(media.info.as_rows())
