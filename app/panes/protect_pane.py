"""Protect pane: add an invisible perturbation that disturbs face-swap and face-editing models to a NEW copy of
the open photo, compare before / after, preview what a swap model makes of it, optionally add the ownership mark
and Content Credentials, and read the protection report (what it was tested against, what it did, its limits).

The open file is never written: the protected copy lives in memory until it is saved to a new file.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtWidgets
from superqt.sliders import QLabeledDoubleSlider

from app.document import Document
from app.panes.canvas_comparison import CanvasComparison, scrolled
from app.panes.protect_jobs import DIFF_GAIN, ProtectPreview, protect_frame, report_html, save_protection
from app.tasks import TaskBridge
from engines.media import Media
from widgets.colormaps import lookup_table
from widgets.image_canvas import ImageCanvas
from widgets.key_value_table import KeyValueTable
from widgets.wrapped_label import WrappedLabel

VIEW_MODES = ("Original only", "Before | after (twin view)", f"Difference ×{DIFF_GAIN} (twin view)")
SAVE_FILTER = "PNG (*.png);;JPEG (*.jpg);;WebP (*.webp);;TIFF (*.tif);;All files (*)"
MODEL_FILTER = "Face-manipulation models (*.pt2 *.pt *.ts *.torchscript);;All files (*)"
INTRO = ("Adds a change you should not see to every face, aimed at the models face-swap and face-editing tools "
         "use, then saves a new copy. It was measured against the models listed in the report; other tools may "
         "not be affected (see the limits).")


def default_output(src: Path) -> Path:
    """A new, unused file name beside ``src`` for its protected copy (PNG unless the source is a still format)."""
    suffix = src.suffix.lower() if src.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff") else ".png"
    candidate, n = src.with_name(f"{src.stem}_protected{suffix}"), 2
    while candidate.exists():
        candidate, n = src.with_name(f"{src.stem}_protected_{n}{suffix}"), n + 1
    return candidate


class ProtectPane(QtWidgets.QWidget):
    """The Protect tab. Signals: ``protected(ProtectPreview)``, ``saved(ProtectionReport)``, ``open_requested``."""

    protected = QtCore.Signal(object)
    saved = QtCore.Signal(object)
    failed = QtCore.Signal(str)
    open_requested = QtCore.Signal(str)

    def __init__(self, canvas: ImageCanvas, tasks: TaskBridge, document: Document,
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._canvas = canvas
        self._tasks = tasks
        self._document = document
        self._frame: np.ndarray | None = None
        self.preview: ProtectPreview | None = None
        self.report: object | None = None
        self.last_saved: Path | None = None
        self.steps: int | None = None  # per face; None = the engine's default
        self.user_models: list[Path] = []  # the user's own face-manipulation models, added to the panel
        self._comparison = CanvasComparison(canvas)
        self._build()
        document.opened.connect(self._on_opened)
        document.frame_ready.connect(self._on_frame)

    # ---------------------------------------------------------------- building
    def _build(self) -> None:
        intro = WrappedLabel(INTRO)
        intro.setStyleSheet("color:#999")
        self.strength = QLabeledDoubleSlider(QtCore.Qt.Orientation.Horizontal)
        self.strength.setRange(0.5, 3.0)
        self.strength.setValue(1.0)
        self.strength.setToolTip("Budget of the change relative to the default (PSNR ≥ 35 dB is always kept)")
        self.protect_button = QtWidgets.QPushButton("Protect")
        self.protect_button.setObjectName("protectButton")
        self.protect_button.clicked.connect(self.protect_now)
        self.status = WrappedLabel("Open a photo with a face and press Protect.")
        self.status.setObjectName("protectStatus")
        self.facts = KeyValueTable()
        self.facts.setMinimumHeight(120)
        self.models_list = QtWidgets.QListWidget()
        self.models_list.setObjectName("userModels")
        self.models_list.setMaximumHeight(56)
        self.models_list.setToolTip("Your own face-swap / face-editing models (torch.export .pt2 or TorchScript "
                                    "files, RGB face crop in [0, 1] → image): the protection also works against "
                                    "them, and the report measures them")
        self.add_model_button = QtWidgets.QPushButton("Add my model…")
        self.add_model_button.clicked.connect(self.add_model_dialog)
        self.remove_model_button = QtWidgets.QPushButton("Remove")
        self.remove_model_button.clicked.connect(self.remove_selected_model)
        models = QtWidgets.QWidget()
        models_layout = QtWidgets.QGridLayout(models)
        models_layout.setContentsMargins(0, 0, 0, 0)
        models_layout.addWidget(self.models_list, 0, 0, 2, 1)
        models_layout.addWidget(self.add_model_button, 0, 1)
        models_layout.addWidget(self.remove_model_button, 1, 1)
        self.view_mode = QtWidgets.QComboBox()
        self.view_mode.addItems(VIEW_MODES)
        self.view_mode.setCurrentIndex(1)
        self.view_mode.currentIndexChanged.connect(lambda _i: self._show_compare())
        self.swap_title = WrappedLabel("What a face-swap model makes of it — per face: original, its swap, "
                                           "protected, its swap, and how much the two swaps differ (× 4). The "
                                           "model was trained on other people, so its swap of a new face is "
                                           "rough; look at how much protection changes it.")
        self.swap_view = ImageCanvas()
        self.swap_view.setObjectName("swapPreview")
        self.swap_view.setMinimumHeight(60)
        for w in (self.swap_title, self.swap_view):
            w.setVisible(False)

        self.add_mark = QtWidgets.QCheckBox("Add my ownership mark")
        self.owner = QtWidgets.QLineEdit()
        self.owner.setPlaceholderText("owner name or ID carried by the mark")
        self.key = QtWidgets.QLineEdit()
        self.key.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("secret key")
        self.c2pa = QtWidgets.QCheckBox("Sign with Content Credentials (C2PA)")
        self.add_mark.toggled.connect(self._update_enabled)
        self.save_button = QtWidgets.QPushButton("Save protected copy…")
        self.save_button.setObjectName("saveProtectedButton")
        self.save_button.clicked.connect(self.save_dialog)
        self.report_view = QtWidgets.QTextBrowser()
        self.report_view.setObjectName("protectionReport")
        self.report_view.setMinimumHeight(180)
        self.report_view.setVisible(False)
        self.open_saved = QtWidgets.QPushButton("Open the saved copy")
        self.open_saved.setVisible(False)
        self.open_saved.clicked.connect(lambda: self.last_saved and self.open_requested.emit(str(self.last_saved)))

        run_box = QtWidgets.QGroupBox("Protect (in memory)")
        form = QtWidgets.QFormLayout(run_box)
        form.addRow(intro)
        form.addRow("Strength", self.strength)
        form.addRow("Also against", models)
        form.addRow(self.protect_button)
        form.addRow(self.status)
        form.addRow(self.facts)
        form.addRow("Compare", self.view_mode)
        form.addRow(self.swap_title)
        form.addRow(self.swap_view)
        save_box = QtWidgets.QGroupBox("Save (writes a new file)")
        sform = QtWidgets.QFormLayout(save_box)
        sform.addRow(self.add_mark)
        sform.addRow("Owner", self.owner)
        sform.addRow("Key", self.key)
        sform.addRow(self.c2pa)
        sform.addRow(self.save_button)
        sform.addRow(self.report_view)
        sform.addRow(self.open_saved)

        body = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(body)
        layout.setContentsMargins(2, 2, 4, 2)
        layout.addWidget(run_box)
        layout.addWidget(save_box)
        layout.addStretch(1)
        scrolled(self, body)
        self.strength.valueChanged.connect(lambda _v: self._invalidate("Strength changed: press Protect again."))
        self._update_enabled()

    def _update_enabled(self, *_: object) -> None:
        media = self._document.media
        still = media is not None and media.kind == "still"
        self.protect_button.setEnabled(still and self._frame is not None)
        self.save_button.setEnabled(self.preview is not None)
        self.remove_model_button.setEnabled(bool(self.user_models))
        for w in (self.owner, self.key, self.c2pa):
            w.setEnabled(self.add_mark.isChecked())

    # ---------------------------------------------------------------- document
    def _on_opened(self, media: Media) -> None:
        self._invalidate("Open a photo with a face and press Protect." if media.kind == "still"
                         else "Protection works on still photos; this file is an animation or a video.")
        self.report_view.setVisible(False)
        self.open_saved.setVisible(False)

    def _on_frame(self, index: int, frame: np.ndarray) -> None:
        self._frame = frame
        self._update_enabled()

    def _invalidate(self, message: str) -> None:
        self.preview = None
        self.facts.set_rows([])
        self.status.setText(message)
        for w in (self.swap_title, self.swap_view):
            w.setVisible(False)
        self._release_canvas()
        self._update_enabled()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._show_compare()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._release_canvas()

    # ---------------------------------------------------------------- protect
    def protect_now(self) -> bool:
        """Protect the shown photo in the background (progress and Cancel in the status bar)."""
        if self._frame is None or not self.protect_button.isEnabled():
            return False
        self.status.setText("Protecting… (finding faces, then optimising each face)")
        self.protect_button.setEnabled(False)
        self._tasks.submit(protect_frame, self._frame, float(self.strength.value()), self.steps,
                           tuple(str(p) for p in self.user_models), title="Protecting faces", supersede="protect",
                           on_success=self._on_protected, on_error=self._on_error)
        return True

    # ---------------------------------------------------------------- the user's models
    def add_model_dialog(self) -> bool:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Add a face-manipulation model", "", MODEL_FILTER)
        return bool(path) and self.add_model(Path(path))

    def add_model(self, path: Path) -> bool:
        """Check that ``path`` loads and runs on a face crop, then add it to the panel (a message if not)."""
        from engines.protect.targets import user_target

        path = Path(path)
        if path.resolve() in (p.resolve() for p in self.user_models):
            self.status.setText(f"{escape(path.name)} is already in the list.")
            return False
        try:
            user_target(path)
        except ValueError as exc:
            self._on_error(exc, "")
            return False
        self.user_models.append(path)
        item = QtWidgets.QListWidgetItem(path.name)
        item.setToolTip(str(path))
        self.models_list.addItem(item)
        self._invalidate(f"Added {escape(path.name)}: press Protect to protect against it too.")
        return True

    def remove_selected_model(self) -> None:
        row = self.models_list.currentRow()
        if 0 <= row < len(self.user_models):
            removed = self.user_models.pop(row)
            self.models_list.takeItem(row)
            self._invalidate(f"Removed {escape(removed.name)}: press Protect again.")

    def _on_protected(self, preview: ProtectPreview) -> None:
        image = self._canvas.image()
        if image is None or image.shape != preview.original.shape or not np.array_equal(image, preview.original):
            self._update_enabled()
            return  # another photo is shown now
        self.preview = preview
        faces = len(preview.result.faces)
        self.status.setText(
            f"{faces} face(s) protected — PSNR {preview.result.psnr:.2f} dB, SSIM {preview.result.ssim:.4f}."
            if faces else "No face was found, so nothing was changed.")
        self.facts.set_rows(preview.rows())
        for w in (self.swap_title, self.swap_view):
            w.setVisible(preview.swap_sheet is not None)
        if preview.swap_sheet is not None:
            self.swap_view.set_image(preview.swap_sheet)
            QtCore.QTimer.singleShot(0, self._fit_swap_view)  # once the layout has given it its width
        self._show_compare()
        self._update_enabled()
        self.protected.emit(preview)

    def _fit_swap_view(self) -> None:
        """Size the swap preview to its sheet's shape (one row per face) and fit the sheet in it."""
        sheet = self.preview.swap_sheet if self.preview is not None else None
        if sheet is None:
            return
        width = max(self.swap_view.width(), 200)
        self.swap_view.setFixedHeight(int(width * sheet.shape[0] / sheet.shape[1]) + 28)
        self.swap_view.fit()

    def _on_error(self, exc: BaseException, details: str) -> None:
        self.status.setText(f"<span style='color:#e66'>{escape(str(exc))}</span>")
        self._update_enabled()
        self.failed.emit(str(exc))

    # ---------------------------------------------------------------- compare
    def _show_compare(self) -> None:
        mode = self.view_mode.currentIndex()
        image = self._canvas.image()
        if (not self.isVisible() or mode == 0 or self.preview is None or image is None
                or image.shape != self.preview.original.shape):
            self._release_canvas()
            return
        self._comparison.show(self.preview.protected if mode == 1
                              else lookup_table("inferno")[self.preview.difference])

    def _release_canvas(self) -> None:
        self._comparison.release()

    # ---------------------------------------------------------------- save
    def save_dialog(self) -> bool:
        media = self._document.media
        if self.preview is None or media is None:
            return False
        src = Path(media.path)
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save protected copy", str(default_output(src)),
                                                        SAVE_FILTER)
        return bool(path) and self.save_to(Path(path))

    def save_to(self, dst: Path) -> bool:
        """Write the protected copy to the new file ``dst`` (background); the report appears when done."""
        media = self._document.media
        if self.preview is None or media is None:
            return False
        owner = key = None
        if self.add_mark.isChecked():
            owner, key = self.owner.text().strip(), self.key.text()
            if not owner or not key:
                self._on_save_error(ValueError("the ownership mark needs an owner and a key"), "")
                return False
        self.save_button.setEnabled(False)
        self._tasks.submit(save_protection, self.preview, Path(media.path), dst, owner, key,
                           self.add_mark.isChecked() and self.c2pa.isChecked(), title="Saving protected copy",
                           on_success=self._on_saved, on_error=self._on_save_error)
        return True

    def _on_saved(self, report: object) -> None:
        self.report = report
        self.last_saved = Path(report.output)
        self.report_view.setHtml(report_html(report))
        self.report_view.setVisible(True)
        self.open_saved.setVisible(True)
        self._update_enabled()
        self.saved.emit(report)

    def _on_save_error(self, exc: BaseException, details: str) -> None:
        self.report_view.setHtml(f"<p style='color:#e66'>Not saved: {escape(str(exc))}</p>")
        self.report_view.setVisible(True)
        self._update_enabled()
        self.failed.emit(str(exc))
