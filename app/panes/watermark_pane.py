"""Watermark pane: embed an invisible ownership mark into a NEW copy (live PSNR/SSIM preview, before/after and
difference views; optional per-face marks) and verify the open file (owner, time, confidence, tamper map,
Content Credentials, and a per-face table: which face, whose, altered where, with the faces boxed).

The open evidence file is never written: previews live in memory and saving always goes to a new file.
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtWidgets
from superqt.sliders import QLabeledDoubleSlider

from app.document import Document
from app.panes.canvas_comparison import CanvasComparison, scrolled
from app.panes.watermark_jobs import (
    DIFF_GAIN,
    FACE_COLUMNS,
    Preview,
    Verification,
    face_rows,
    preview_mark,
    save_marked,
    verify,
    verify_rows,
)
from app.tasks import TaskBridge
from engines.media import Media
from engines.watermark import EmbedResult, VerifyResult
from engines.watermark.media_io import STILL_SUFFIXES
from widgets.colormaps import lookup_table
from widgets.image_canvas import ImageCanvas
from widgets.key_value_table import KeyValueTable
from widgets.rows_table import RowsTable

DEBOUNCE_MS = 300
DIFF_COLORMAP = "inferno"
VIEW_MODES = ("Original only", "Before | after (twin view)", f"Difference ×{DIFF_GAIN} (twin view)")
SAVE_FILTER = "PNG (*.png);;JPEG (*.jpg);;WebP (*.webp);;TIFF (*.tif);;GIF (*.gif);;MP4 video (*.mp4);;All files (*)"


def default_output(src: Path, kind: str) -> Path:
    """A new, unused file name beside ``src`` for its marked copy."""
    if kind == "video":
        suffix = ".mp4"
    elif kind == "animated":
        suffix = ".gif"
    else:
        suffix = src.suffix.lower() if src.suffix.lower() in STILL_SUFFIXES else ".png"
    candidate = src.with_name(f"{src.stem}_watermarked{suffix}")
    n = 2
    while candidate.exists():
        candidate = src.with_name(f"{src.stem}_watermarked_{n}{suffix}")
        n += 1
    return candidate


def _password() -> QtWidgets.QLineEdit:
    field = QtWidgets.QLineEdit()
    field.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
    field.setPlaceholderText("secret key")
    return field


class WatermarkPane(QtWidgets.QWidget):
    """The Watermark tab. Signals: ``open_requested(path)`` (open the saved copy), ``verified(VerifyResult)``,
    ``saved(EmbedResult)``, ``preview_ready(Preview)``."""

    open_requested = QtCore.Signal(str)
    verified = QtCore.Signal(object)
    saved = QtCore.Signal(object)
    preview_ready = QtCore.Signal(object)

    def __init__(self, canvas: ImageCanvas, tasks: TaskBridge, document: Document,
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._canvas = canvas
        self._tasks = tasks
        self._document = document
        self._frame: np.ndarray | None = None
        self._frame_index = 0
        self.preview: Preview | None = None
        self.verify_result: VerifyResult | None = None
        self.last_saved: Path | None = None
        self._comparison = CanvasComparison(canvas)
        self._debounce = QtCore.QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.run_preview)
        self._build()
        document.opened.connect(self._on_opened)
        document.frame_ready.connect(self._on_frame)

    # ---------------------------------------------------------------- building
    def _build(self) -> None:
        self.owner = QtWidgets.QLineEdit()
        self.owner.setPlaceholderText("owner name or ID carried by the mark")
        self.embed_key = _password()
        self.strength = QLabeledDoubleSlider(QtCore.Qt.Orientation.Horizontal)
        self.strength.setRange(0.25, 3.0)
        self.strength.setValue(1.0)
        self.strength.setToolTip("Mark amplitude relative to the default: stronger survives more, is less invisible")
        self.fidelity = QtWidgets.QLabel("PSNR —")
        self.fidelity.setObjectName("fidelityLabel")
        self.fidelity.setWordWrap(True)
        self.view_mode = QtWidgets.QComboBox()
        self.view_mode.addItems(VIEW_MODES)
        self.c2pa = QtWidgets.QCheckBox("Sign with Content Credentials (C2PA)")
        self.c2pa.setToolTip("Also sign the copy with this computer's Content Credentials key; an assertion names "
                             "the watermark ID")
        self.face_marks = QtWidgets.QCheckBox("Also mark every face (owner + landmarks; stills)")
        self.face_marks.setToolTip("Each face gets its own mark carrying its landmarks and the owner, so Verify can "
                                   "tell which face was altered after marking, where, and whose it is")
        self.save_button = QtWidgets.QPushButton("Save watermarked copy…")
        self.save_button.setObjectName("saveWatermarkedButton")
        self.save_button.clicked.connect(self.save_dialog)
        self.save_status = QtWidgets.QLabel()
        self.save_status.setWordWrap(True)
        self.save_status.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_saved = QtWidgets.QPushButton("Open the saved copy")
        self.open_saved.setVisible(False)
        self.open_saved.clicked.connect(lambda: self.last_saved and self.open_requested.emit(str(self.last_saved)))

        embed_box = QtWidgets.QGroupBox("Embed (writes a new file)")
        form = QtWidgets.QFormLayout(embed_box)
        form.addRow("Owner", self.owner)
        form.addRow("Key", self.embed_key)
        form.addRow("Strength", self.strength)
        form.addRow("Fidelity", self.fidelity)
        form.addRow("Compare", self.view_mode)
        form.addRow(self.c2pa)
        form.addRow(self.face_marks)
        form.addRow(self.save_button)
        form.addRow(self.save_status)
        form.addRow(self.open_saved)

        self.verify_key = _password()
        self.verify_key.returnPressed.connect(self.verify_now)
        self.verify_button = QtWidgets.QPushButton("Verify")
        self.verify_button.setObjectName("verifyButton")
        self.verify_button.clicked.connect(self.verify_now)
        self.verdict = QtWidgets.QLabel("Enter the key the mark was made with.")
        self.verdict.setObjectName("verifyVerdict")
        self.verdict.setWordWrap(True)
        self.verify_table = KeyValueTable()
        self.verify_table.setMinimumHeight(150)
        self.faces_table = RowsTable(FACE_COLUMNS)
        self.faces_table.setObjectName("faceMarksTable")
        self.show_tamper = QtWidgets.QCheckBox("Show tamper map and face boxes")
        self.tamper_legend = QtWidgets.QLabel("Red: changed after marking · blue: too little mark to judge. "
                                              "Faces are boxed and numbered from the left (red: altered, green: "
                                              "not altered, grey: cannot tell). Shown over the first frame.")
        self.tamper_legend.setWordWrap(True)
        self.tamper_legend.setStyleSheet("color:#999")
        self.show_tamper.setChecked(True)
        self.show_tamper.toggled.connect(lambda _c: self._show_tamper())
        verify_box = QtWidgets.QGroupBox("Verify the open file")
        vl = QtWidgets.QVBoxLayout(verify_box)
        key_row = QtWidgets.QHBoxLayout()
        key_row.addWidget(QtWidgets.QLabel("Key"))
        key_row.addWidget(self.verify_key, 1)
        key_row.addWidget(self.verify_button)
        vl.addLayout(key_row)
        vl.addWidget(self.verdict)
        vl.addWidget(self.verify_table, 1)
        vl.addWidget(self.faces_table)
        vl.addWidget(self.show_tamper)
        vl.addWidget(self.tamper_legend)

        body = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(body)
        layout.setContentsMargins(2, 2, 4, 2)
        layout.addWidget(embed_box)
        layout.addWidget(verify_box, 1)
        scrolled(self, body)

        for signal in (self.owner.textChanged, self.embed_key.textChanged, self.strength.valueChanged):
            signal.connect(lambda *_: self._debounce.start())
        self.view_mode.currentIndexChanged.connect(lambda _i: self._show_compare())
        self._update_enabled()

    def _update_enabled(self) -> None:
        has_file = self._document.media is not None
        self.save_button.setEnabled(has_file)
        self.verify_button.setEnabled(has_file)

    # ---------------------------------------------------------------- document
    def _on_opened(self, media: Media) -> None:
        self.preview = None
        self.verify_result = None
        self._tamper_rgb = None
        self.verify_table.set_rows([])
        self.faces_table.set_rows([])
        self.verdict.setText("Enter the key the mark was made with.")
        self.fidelity.setText("PSNR —")
        self._update_enabled()

    def _on_frame(self, index: int, frame: np.ndarray) -> None:
        """The canvas cleared its layers for a new frame; the preview follows the frame."""
        self._frame, self._frame_index = frame, index
        self.preview = None
        if self.isVisible():
            self._debounce.start()
            self._show_tamper()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._frame is not None and self.preview is None:
            self._debounce.start()
        self._show_compare()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._debounce.stop()
        self._release_canvas()

    # ---------------------------------------------------------------- preview
    def run_preview(self) -> None:
        """Mark the current frame in memory (debounced, background) and show PSNR/SSIM."""
        self._debounce.stop()
        if self._frame is None:
            return
        if min(self._frame.shape[:2]) < 64:
            self.fidelity.setText("This picture is too small for a watermark (needs 64 px or more).")
            return
        self.fidelity.setText("measuring…")
        strength = float(self.strength.value())
        frame = self._frame
        self._tasks.submit(preview_mark, frame, self.owner.text(), self.embed_key.text(), strength,
                           title="Watermark preview", supersede="watermark-preview",
                           on_success=lambda p, f=frame: self._on_preview(p, f), on_error=self._on_preview_error)

    def _on_preview(self, preview: Preview, frame: np.ndarray) -> None:
        if frame is not self._frame:
            return
        self.preview = preview
        ps = "∞" if math.isinf(preview.psnr) else f"{preview.psnr:.1f}"
        self.fidelity.setText(f"PSNR {ps} dB · SSIM {preview.ssim:.4f} · largest change {preview.max_change} "
                              f"grey level(s) (strength {preview.strength:.2f}, this frame)")
        self._show_compare()
        self.preview_ready.emit(preview)

    def _on_preview_error(self, exc: BaseException, details: str) -> None:
        self.fidelity.setText(f"<span style='color:#e66'>{escape(str(exc))}</span>")

    def _show_compare(self) -> None:
        """Put the chosen comparison on the canvas (only while this tab is shown)."""
        mode = self.view_mode.currentIndex()
        if not self.isVisible() or mode == 0 or self.preview is None:
            if mode == 0 or not self.isVisible():
                self._release_canvas()
            return
        image = self._canvas.image()
        if image is None or image.shape[:2] != self.preview.marked.shape[:2]:
            return
        # the untouched frame stays on the left; the right view (zoom and pan linked) shows the marked copy or
        # the amplified difference in colour
        self._comparison.show(self.preview.marked if mode == 1
                              else lookup_table(DIFF_COLORMAP)[self.preview.difference])

    def _release_canvas(self) -> None:
        """Remove this pane's comparison and give the twin view back as it was."""
        self._comparison.release()

    def compare_shown(self) -> bool:
        return self._comparison.shown()

    def compare_image(self) -> np.ndarray | None:
        """What the right-hand view shows for the comparison (None when no comparison is on screen)."""
        return self._comparison.picture()

    # ---------------------------------------------------------------- saving
    def save_dialog(self) -> None:
        media = self._document.media
        if media is None:
            return
        suggestion = default_output(media.path, media.kind)
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save watermarked copy", str(suggestion), SAVE_FILTER)
        if path:
            self.save_to(path)

    def save_to(self, path: str | Path) -> bool:
        """Mark the open file into the new file ``path`` in the background; False when inputs are missing."""
        media = self._document.media
        owner, key = self.owner.text().strip(), self.embed_key.text()
        if media is None:
            return False
        if not owner or not key:
            self.save_status.setText("<span style='color:#e66'>Enter an owner and a key first.</span>")
            return False
        dst = Path(path)
        if dst.resolve() == media.path.resolve():
            self.save_status.setText("<span style='color:#e66'>Choose a new file: the evidence file is never "
                                     "written.</span>")
            return False
        self.save_status.setText(f"Writing {escape(dst.name)}…")
        self.save_button.setEnabled(False)
        self._tasks.submit(save_marked, media.path, dst, owner, key, float(self.strength.value()),
                           self.c2pa.isChecked(), self.face_marks.isChecked(), title="Saving watermarked copy",
                           on_success=self._on_saved, on_error=self._on_save_error)
        return True

    def _on_saved(self, result: EmbedResult) -> None:
        self._update_enabled()
        self.last_saved = result.output
        signed = " Signed with Content Credentials." if result.signed else ""
        if result.faces is not None:
            signed += f" {result.faces} face(s) marked."
        self.save_status.setText(
            f"Saved <b>{escape(result.output.name)}</b>: watermark ID {result.payload.watermark_id}, PSNR "
            f"{result.psnr:.1f} dB, SSIM {result.ssim:.4f}, {result.frames} frame(s), {result.seconds:.2f} s.{signed}")
        self.open_saved.setVisible(True)
        self.saved.emit(result)

    def _on_save_error(self, exc: BaseException, details: str) -> None:
        self._update_enabled()
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        self.save_status.setText(f"<span style='color:#e66'>Not saved: {escape(message)}</span>")

    # ---------------------------------------------------------------- verifying
    def verify_now(self) -> None:
        """Look for the mark made with the entered key in the open file (background)."""
        media = self._document.media
        key = self.verify_key.text()
        if media is None:
            return
        if not key:
            self.verdict.setText("<span style='color:#e66'>Enter the key first.</span>")
            return
        self.verdict.setText("Verifying…")
        path = media.path
        self._tasks.submit(verify, path, key, title="Verifying watermark", supersede="watermark-verify",
                           on_success=lambda r, p=path: self._on_verified(r, p), on_error=self._on_verify_error)

    def _on_verified(self, verification: Verification, path: Path) -> None:
        media = self._document.media
        if media is None or media.path != path:
            return
        result = verification.result
        self.verify_result = result
        self._tamper_rgb = verification.picture
        self.verify_table.set_rows(verify_rows(result))
        rows = face_rows(result)
        self.faces_table.set_rows(rows)
        altered = sum(row[2] == "yes" for row in rows)
        unknown = sum(row[2] not in ("yes", "no") for row in rows)
        faces = (f" · {len(rows)} face(s), {altered} altered" + (f", {unknown} cannot tell" if unknown else "")
                 if rows else "")
        if result.found and result.detection.payload is not None:
            owner = result.owner or f"owner ID {result.detection.payload.owner_hex}"
            self.verdict.setText(f"<b style='color:#6d6'>Watermark found</b>: {escape(owner)}{faces}")
        else:
            self.verdict.setText(f"<b>No watermark</b> for this key (a wrong key never names an owner){faces}.")
        if self._tamper_rgb is not None and self.show_tamper.isChecked():
            self.view_mode.setCurrentIndex(0)  # the tamper map takes the canvas
        self._show_tamper()
        self.verified.emit(result)

    def _on_verify_error(self, exc: BaseException, details: str) -> None:
        self.verdict.setText(f"<span style='color:#e66'>Failed: {escape(str(exc))}</span>")

    _tamper_rgb: np.ndarray | None = None

    def _show_tamper(self) -> None:
        """The first frame's tamper map over the canvas: changed after marking in red, too weak to judge in blue
        (the picture dimmed beneath, as ``truelens watermark verify --map`` draws it)."""
        picture = self._tamper_rgb
        if self.verify_result is None or picture is None or not self.isVisible():
            return
        image = self._canvas.image()
        fits = self._frame_index == 0 and image is not None and image.shape[:2] == picture.shape[:2]
        if self.show_tamper.isChecked() and fits:
            self._canvas.set_mask(None)
            self._canvas.set_heatmap(picture)
        elif fits:
            self._canvas.set_heatmap(None)
