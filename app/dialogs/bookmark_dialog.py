"""Bookmark a finding: what is stored (method, version, parameters, map) plus the examiner's note and status."""

from __future__ import annotations

from html import escape

import cv2
import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from engines.evidence import STATUS_LABELS
from engines.evidence.images import heatmap_rgb, mask_rgb
from engines.findings import Finding

THUMB_SIDE = 220


def finding_thumbnail(finding: Finding, side: int = THUMB_SIDE) -> np.ndarray | None:
    """A small RGB picture of the finding's map (or mask), as it will be stored."""
    source = finding.heatmap if finding.heatmap is not None else finding.mask
    if source is None:
        return None
    array = np.asarray(source)
    h, w = array.shape[:2]
    scale = min(1.0, side / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    if finding.heatmap is None:
        small = cv2.resize(array.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
        return mask_rgb(small)
    if array.ndim == 2:
        array = np.nan_to_num(array.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    small = cv2.resize(array, size, interpolation=cv2.INTER_AREA)
    return heatmap_rgb(small)


def to_pixmap(rgb: np.ndarray) -> QtGui.QPixmap:
    """An RGB uint8 array as a pixmap (copied)."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    image = QtGui.QImage(rgb.data, w, h, rgb.strides[0], QtGui.QImage.Format.Format_RGB888)
    return QtGui.QPixmap.fromImage(image.copy())


class BookmarkDialog(QtWidgets.QDialog):
    """Shows the finding that will be kept and asks for a note and a status.

    ``item_text`` says which evidence item it belongs to; ``adds_item`` changes the OK button to
    say the file is taken into the case first.
    """

    def __init__(self, finding: Finding, title: str, case_name: str, item_text: str, adds_item: bool,
                 frame_index: int = 0, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Bookmark finding")
        self.setObjectName("bookmarkDialog")
        self.finding = finding
        params = ", ".join(f"{escape(str(k))} = {escape(str(v))}" for k, v in sorted(finding.params.items())) or "—"
        score = "—" if finding.score is None else f"{finding.score:.3f}"
        rows = [
            ("Case", escape(case_name)),
            ("Evidence", escape(item_text) + (f", frame {frame_index}" if frame_index else "")),
            ("Method", f"{escape(title)} <span style='color:#888'>({escape(finding.engine)} "
                       f"{escape(finding.version)})</span>"),
            ("Parameters", params),
            ("Score", score),
            ("Summary", escape(finding.summary)),
        ]
        info = QtWidgets.QLabel("<table cellspacing=2>" + "".join(
            f"<tr><td style='color:#888;padding-right:8px' valign=top>{k}</td><td>{v}</td></tr>" for k, v in rows
        ) + "</table>")
        info.setWordWrap(True)
        info.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        info.setObjectName("bookmarkInfo")
        self.thumbnail = QtWidgets.QLabel()
        self.thumbnail.setObjectName("bookmarkThumbnail")
        self.thumbnail.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignHCenter)
        thumb = finding_thumbnail(finding)
        if thumb is not None:
            self.thumbnail.setPixmap(to_pixmap(thumb))
        else:
            self.thumbnail.setText("(no map: the finding is a table or plot)")
        top = QtWidgets.QHBoxLayout()
        top.addWidget(info, 1)
        top.addWidget(self.thumbnail)

        self.status_combo = QtWidgets.QComboBox()
        for key, label in STATUS_LABELS.items():
            self.status_combo.addItem(label, key)
        self.status_combo.setCurrentIndex(self.status_combo.findData("check"))
        self.note_edit = QtWidgets.QPlainTextEdit()
        self.note_edit.setPlaceholderText("What you see, and why it matters (goes into the report)")
        self.note_edit.setFixedHeight(90)
        form = QtWidgets.QFormLayout()
        form.addRow("Status", self.status_combo)
        form.addRow("Note", self.note_edit)

        self.adds_item = adds_item
        self.notice = QtWidgets.QLabel(
            "This file is not in the case yet. It will be taken in as evidence first (hashed with SHA-256 "
            "and MD5, never modified)." if adds_item else ""
        )
        self.notice.setWordWrap(True)
        self.notice.setObjectName("addItemNotice")
        self.notice.setStyleSheet("color: #d98a00;")
        self.notice.setVisible(adds_item)
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText(
            "Add to case and bookmark" if adds_item else "Bookmark"
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(form)
        layout.addWidget(self.notice)
        layout.addWidget(self.buttons)
        self.resize(640, self.sizeHint().height())

    def values(self) -> tuple[str, str]:
        """(note, status key)."""
        return self.note_edit.toPlainText().strip(), str(self.status_combo.currentData())

    def set_values(self, note: str, status: str) -> None:
        """Fill in the note and status (status key "ok", "check" or "warning")."""
        self.note_edit.setPlainText(note)
        index = self.status_combo.findData(status)
        if index < 0:
            raise ValueError(f"unknown status {status!r}")
        self.status_combo.setCurrentIndex(index)
