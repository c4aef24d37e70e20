"""Export dialog: report format, output file, preview, Ed25519 signature (always on) and evidence bundle."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from app.dialogs import export_jobs
from app.tasks import TaskBridge
from engines.evidence.paths import case_slug


def default_folder() -> Path:
    """The user's documents folder (home when Qt does not know one)."""
    location = QtCore.QStandardPaths.writableLocation(QtCore.QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(location) if location and Path(location).is_dir() else Path.home()


def with_suffix_for(path: str, fmt: str) -> str:
    """``path`` with its suffix switched to ``fmt`` when it has a report suffix (or none)."""
    if not path.strip():
        return path
    p = Path(path)
    if p.suffix.lower() in ("", ".pdf", ".html", ".htm", ".json"):
        return str(p.with_suffix(f".{fmt}"))
    return path


class ExportDialog(QtWidgets.QDialog):
    """Write a signed report of a case, optionally with an evidence bundle; all work runs in the background.

    Signals: ``exported(ExportResult)`` after a successful write, ``failed(str)`` with the reason.
    """

    exported = QtCore.Signal(object)
    failed = QtCore.Signal(str)

    def __init__(self, tasks: TaskBridge, folder: Path, case_name: str, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Export report — {case_name}")
        self.setObjectName("exportDialog")
        self._tasks = tasks
        self.folder = folder
        self.case_name = case_name
        self.busy = False
        self.last_result: export_jobs.ExportResult | None = None
        self.last_error = ""
        self._preview_token = 0
        self._preview_doc: QtGui.QTextDocument | None = None
        slug = case_slug(case_name)
        base = default_folder()

        self.format_combo = QtWidgets.QComboBox()
        for key, label in export_jobs.FORMATS:
            self.format_combo.addItem(label, key)
        self.out_edit = QtWidgets.QLineEdit(str(base / f"{slug}-report.pdf"))
        browse = QtWidgets.QPushButton("Browse…")
        browse.clicked.connect(self._browse_report)
        out_row = QtWidgets.QHBoxLayout()
        out_row.addWidget(self.out_edit, 1)
        out_row.addWidget(browse)
        self.signing_label = QtWidgets.QLabel("Signed with this installation's Ed25519 key (loading…)")
        self.signing_label.setObjectName("signingLabel")
        self.signing_label.setWordWrap(True)
        self.signing_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bundle_check = QtWidgets.QCheckBox("Also export an evidence bundle (zip: originals, derived images, "
                                                "reports, audit log, signed manifest)")
        self.bundle_edit = QtWidgets.QLineEdit(str(base / f"{slug}-bundle.zip"))
        bundle_browse = QtWidgets.QPushButton("Browse…")
        bundle_browse.clicked.connect(self._browse_bundle)
        bundle_row = QtWidgets.QHBoxLayout()
        bundle_row.addWidget(self.bundle_edit, 1)
        bundle_row.addWidget(bundle_browse)
        self.bundle_edit.setEnabled(False)
        bundle_browse.setEnabled(False)
        self.bundle_check.toggled.connect(self.bundle_edit.setEnabled)
        self.bundle_check.toggled.connect(bundle_browse.setEnabled)

        form = QtWidgets.QFormLayout()
        form.addRow("Format", self.format_combo)
        form.addRow("Report file", out_row)
        form.addRow("Signature", self.signing_label)
        form.addRow("", self.bundle_check)
        form.addRow("Bundle file", bundle_row)

        self.preview_label = QtWidgets.QLabel("Preview")
        self.preview_label.setObjectName("previewLabel")
        self.preview_label.setWordWrap(True)
        self.preview = QtWidgets.QTextBrowser()
        self.preview.setObjectName("reportPreview")
        self.preview.setOpenLinks(False)
        self.preview.setMinimumHeight(300)
        self.status = QtWidgets.QLabel()
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton("Export", QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        self.buttons.rejected.connect(self.reject)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview_label)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(820, 760)

        self.format_combo.currentIndexChanged.connect(self._on_format)
        self._tasks.submit(export_jobs.signer_fingerprint, title="Loading the signing key",
                           on_success=self._show_key, on_error=self._on_key_error)
        self.refresh_preview()

    # ------------------------------------------------------------ settings
    @property
    def fmt(self) -> str:
        return str(self.format_combo.currentData())

    def set_format(self, fmt: str) -> None:
        """Choose "pdf", "html" or "json"."""
        index = self.format_combo.findData(fmt)
        if index < 0:
            raise ValueError(f"unknown format {fmt!r}")
        self.format_combo.setCurrentIndex(index)

    def _on_format(self) -> None:
        self.out_edit.setText(with_suffix_for(self.out_edit.text(), self.fmt))
        self.refresh_preview()

    def _browse_report(self) -> None:
        label = self.format_combo.currentText()
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Report file", self.out_edit.text(),
                                                        f"{label} (*.{self.fmt});;All files (*)")
        if path:
            self.out_edit.setText(path)

    def _browse_bundle(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Bundle file", self.bundle_edit.text(),
                                                        "Zip (*.zip);;All files (*)")
        if path:
            self.bundle_edit.setText(path)

    def _show_key(self, fp: str) -> None:
        self.signing_label.setText(f"Always signed: Ed25519, key <span style='font-family:monospace'>{fp[:32]}…</span>"
                                   f"<br>A detached signature <i>&lt;file&gt;.sig</i> is written next to the report.")
        self.signing_label.setToolTip(fp)

    def _on_key_error(self, exc: BaseException, details: str) -> None:
        self.signing_label.setText(f"<span style='color:#e66'>Signing key unavailable: {exc}</span>")

    # ------------------------------------------------------------- preview
    def refresh_preview(self) -> None:
        """Lay the report out again in the background (nothing is written or logged)."""
        self._preview_token += 1
        self.preview_label.setText("Preview (laying out…)")
        self._tasks.submit(export_jobs.preview, self.folder, self.fmt, title="Preparing the report preview",
                           supersede=("report-preview", str(self.folder)),
                           on_success=lambda p, t=self._preview_token: self._show_preview(p, t),
                           on_error=self._on_preview_error)

    def _show_preview(self, result: export_jobs.Preview, token: int) -> None:
        if token != self._preview_token:
            return
        doc = QtGui.QTextDocument(self.preview)
        if result.fmt == "json":
            doc.setDefaultFont(QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont))
            doc.setPlainText(result.text)
        else:
            for name, image in result.images:
                doc.addResource(QtGui.QTextDocument.ResourceType.ImageResource, QtCore.QUrl(name), image)
            doc.setHtml(result.text)
        self.preview.setDocument(doc)
        if self._preview_doc is not None:
            self._preview_doc.deleteLater()
        self._preview_doc = doc
        what = {"pdf": "the PDF is laid out from this same page, A4 with Page X of Y footers",
                "html": "the HTML file as written",
                "json": "the JSON file, whose images are embedded as base64 PNG"}[result.fmt]
        self.preview_label.setText(f"Preview — {what}; {result.item_count} item(s), {result.finding_count} "
                                   "finding(s). Evidence is re-hashed when the report is written.")

    def _on_preview_error(self, exc: BaseException, details: str) -> None:
        self.preview_label.setText("Preview unavailable")
        self.preview.setPlainText(f"The preview could not be prepared: {exc}")

    def preview_text(self) -> str:
        """The preview as plain text (for tests)."""
        return self.preview.toPlainText()

    # -------------------------------------------------------------- export
    def start_export(self) -> None:
        """Validate the paths, then write report, signature (and bundle) in the background."""
        if self.busy:
            return
        out_text = self.out_edit.text().strip()
        if not out_text:
            self._fail("Choose a report file.")
            return
        bundle = Path(self.bundle_edit.text().strip()).expanduser() if self.bundle_check.isChecked() else None
        if self.bundle_check.isChecked() and not self.bundle_edit.text().strip():
            self._fail("Choose a bundle file, or untick the bundle option.")
            return
        self.busy = True
        self.export_button.setEnabled(False)
        self.status.setText("Writing…")
        self._tasks.submit(export_jobs.export, self.folder, self.fmt, Path(out_text).expanduser(), bundle,
                           title=f"Exporting {self.fmt.upper()} report", on_success=self._done,
                           on_error=self._on_export_error)

    def _done(self, result: export_jobs.ExportResult) -> None:
        self.busy = False
        self.export_button.setEnabled(True)
        self.last_result = result
        sig = result.verification.signature
        lines = [f"<b style='color:#3a3'>Wrote {result.path.name}</b> ({result.size:,} bytes) and "
                 f"{result.signature.name}; signature verified (Ed25519 key {sig.fingerprint[:16]}…)."]
        if result.failed_items:
            lines.append("<span style='color:#e66'>Evidence that failed re-verification is named in the report: "
                         + "; ".join(result.failed_items) + "</span>")
        if not result.audit_ok:
            lines.append("<span style='color:#e66'>The audit log is not intact; the report says so.</span>")
        if result.bundle is not None and result.bundle_check is not None:
            state = "verified" if result.bundle_check.ok else "FAILED verification"
            lines.append(f"Bundle {result.bundle.path.name}: {result.bundle.members} members, {state}.")
        self.status.setText("<br>".join(lines))
        self.status.setToolTip(str(result.path))
        self.exported.emit(result)

    def _on_export_error(self, exc: BaseException, details: str) -> None:
        self.busy = False
        self.export_button.setEnabled(True)
        self._fail(f"Export failed: {exc}", details)

    def _fail(self, message: str, details: str = "") -> None:
        self.last_error = message
        self.status.setText(f"<span style='color:#e66'>{escape(message)}</span>")
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, "Export report", message,
                                    QtWidgets.QMessageBox.StandardButton.Ok, self)
        box.setObjectName("exportErrorDialog")
        if details:
            box.setDetailedText(details)
        box.setModal(False)
        box.show()
        self.failed.emit(message)
