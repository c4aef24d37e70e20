"""Case pane: pick or create a case; its evidence items, bookmarked findings and audit log; report export.

All database and file work runs in background jobs (``app.panes.case_jobs``); this widget only
shows snapshots and routes user actions. Another process (the CLI) may change the same case at
any time: Refresh, or showing the tab, reads it again.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from app.dialogs.new_case_dialog import NewCaseDialog
from app.document import Document
from app.panes.case_bookmarking import BookmarkFlow
from app.panes.case_models import STATUS_FILTERS, STATUSES, CaseSnapshot, case_job
from app.panes.case_sections import AuditSection, CasePicker, FindingsSection, ItemsSection
from app.panes.case_viewer import ViewerLink
from app.settings import Settings
from app.tasks import TaskBridge
from engines.findings import Finding
from engines.forensics import Subject
from widgets.image_canvas import ImageCanvas

if TYPE_CHECKING:
    from app.dialogs.export_dialog import ExportDialog
    from app.panes.case_jobs import ChainResult
    from engines.evidence import Bookmark, ItemCheck

LAST_CASE_KEY = "case/last_folder"
EXAMINER_KEY = "case/examiner"


class CasePane(QtWidgets.QWidget):
    """The Case tab.

    Signals: ``open_requested(path)`` a verified item should be opened in the viewer;
    ``seek_requested(frame)`` show that frame; ``stored_map_shown()`` the viewer is about to show a
    stored map (live analysis should stop re-running over it); ``error(message, details)``;
    ``attention()`` the user should look at this tab; ``snapshot_changed(CaseSnapshot)``;
    ``bookmark_saved(Bookmark)``.
    """

    open_requested = QtCore.Signal(str)
    seek_requested = QtCore.Signal(int)
    stored_map_shown = QtCore.Signal()
    error = QtCore.Signal(str, str)
    attention = QtCore.Signal()
    snapshot_changed = QtCore.Signal(object)
    bookmark_saved = QtCore.Signal(object)

    def __init__(self, tasks: TaskBridge, document: Document, canvas: ImageCanvas, settings: Settings | None = None,
                 parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._tasks = tasks
        self._document = document
        self._settings = settings
        self.folder: Path | None = None
        self.snapshot: CaseSnapshot | None = None
        self.warnings: list[str] = []  # texts of the warning dialogs shown (tests read this)
        self.shown_bookmark_id: int | None = None
        self.chain_result: ChainResult | None = None
        self.new_case_dialog: NewCaseDialog | None = None
        self.export_dialog: ExportDialog | None = None
        self.viewer = ViewerLink(tasks, document, canvas, self)
        self.bookmarker = BookmarkFlow(tasks, self)

        self.picker = CasePicker()
        self.case_combo, self.info_label = self.picker.combo, self.picker.info
        self.new_button, self.refresh_button = self.picker.new_button, self.picker.refresh_button
        self.items = ItemsSection()
        self.findings = FindingsSection(STATUS_FILTERS, dict(STATUSES))
        self.audit = AuditSection()
        self.export_button = QtWidgets.QPushButton("Export report…")
        self.export_button.setObjectName("exportReportButton")
        self.status_label = QtWidgets.QLabel()
        self.status_label.setObjectName("caseStatus")
        self.status_label.setWordWrap(True)

        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        for section in (self.items, self.findings, self.audit):
            split.addWidget(section)
        split.setSizes([190, 330, 200])
        bottom = QtWidgets.QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.export_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.picker)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)

        self.case_combo.activated.connect(self._on_case_chosen)
        self.new_button.clicked.connect(self.new_case)
        self.refresh_button.clicked.connect(self.refresh_all)
        self.items.add_current.clicked.connect(self.add_current_file)
        self.items.add_files.clicked.connect(self.add_files_dialog)
        self.items.open_button.clicked.connect(lambda: self.open_item(self.items.selected()))
        self.items.table.cellDoubleClicked.connect(lambda *_: self.open_item(self.items.selected()))
        self.items.verify_all.clicked.connect(self.verify_all)
        self.findings.filter_changed.connect(lambda _s: self._fill_findings())
        self.findings.table.cellClicked.connect(lambda *_: self.show_finding(self.findings.selected()))
        self.findings.table.cellActivated.connect(lambda *_: self.show_finding(self.findings.selected()))
        self.findings.status_chosen.connect(self.set_status)
        self.findings.note_saved.connect(self.set_note)
        self.audit.verify_button.clicked.connect(self.verify_chain)
        self.export_button.clicked.connect(self.open_export_dialog)
        self.viewer.open_requested.connect(self.open_requested)
        self.viewer.seek_requested.connect(self.seek_requested)
        self.viewer.stored_map_shown.connect(self.stored_map_shown)
        self.viewer.shown.connect(self._on_map_shown)
        self.viewer.warning.connect(lambda text, details: self.warn(text, details, name="evidenceMismatchDialog"))
        self.viewer.message.connect(self._say)
        self.viewer.failed.connect(self._job_error)
        self.bookmarker.saved.connect(self._on_bookmarked)
        self.bookmarker.warning.connect(lambda text, details: self.warn(text, details, name="evidenceMismatchDialog"))
        self.bookmarker.failed.connect(self._job_error)
        self._update_enabled()
        QtCore.QTimer.singleShot(0, lambda: self.reload_cases(adopt_last=True))  # after the window is shown

    # ------------------------------------------------------------------ cases
    def reload_cases(self, adopt_last: bool = False) -> None:
        """List the cases of the data folder in the picker (and reopen the last one used)."""
        self._tasks.submit(case_job, "cases", title="Listing cases", supersede="case-list",
                           on_success=lambda infos: self._fill_cases(infos, adopt_last), on_error=self._job_error)

    def _fill_cases(self, infos: list, adopt_last: bool) -> None:
        folders = self.picker.show_cases(infos, self.folder)
        last = self._settings.value(LAST_CASE_KEY) if self._settings else None
        if adopt_last and self.folder is None and last and str(last) in folders:
            self.open_case_folder(Path(str(last)))

    def _on_case_chosen(self, index: int) -> None:
        folder = self.case_combo.itemData(index)
        if folder and Path(folder) != self.folder:
            self.open_case_folder(Path(folder))

    def open_case_folder(self, folder: Path) -> None:
        """Open the case in ``folder`` (its lists are read in the background)."""
        self._tasks.submit(case_job, "snapshot", Path(folder), title="Opening case", on_success=self._adopt,
                           on_error=self._job_error)

    def new_case(self) -> NewCaseDialog:
        """Ask for a name and examiner, then create the case in the background."""
        examiner = str(self._settings.value(EXAMINER_KEY, "") or "") if self._settings else ""
        if self.new_case_dialog is not None:
            self.new_case_dialog.deleteLater()
        dialog = NewCaseDialog(examiner, self)
        dialog.accepted.connect(lambda: self.create_case(*dialog.values()))
        self.new_case_dialog = dialog
        dialog.open()
        return dialog

    def create_case(self, name: str, examiner: str) -> None:
        """Create a case and make it the current one."""
        if self._settings:
            self._settings.set_value(EXAMINER_KEY, examiner)
        self._tasks.submit(case_job, "new_case", name, examiner, title="Creating case", on_success=self._adopt,
                           on_error=self._job_error)

    def _adopt(self, snap: CaseSnapshot) -> None:
        if snap.folder != self.folder:
            self.viewer.forget()
        self.folder = snap.folder
        self.snapshot = None
        self.chain_result = None
        self.audit.show_chain(None)
        if self._settings:
            self._settings.set_value(LAST_CASE_KEY, str(snap.folder))
        self._apply(snap)
        self.reload_cases()

    # --------------------------------------------------------------- snapshot
    def refresh(self) -> None:
        """Read the current case again."""
        if self.folder is not None:
            self._tasks.submit(case_job, "snapshot", self.folder, title="Reading case",
                               supersede=("case-snapshot", str(self.folder)), on_success=self._apply,
                               on_error=self._job_error)

    def refresh_all(self) -> None:
        """The Refresh button: the case list and the current case."""
        self.reload_cases()
        self.refresh()

    def showEvent(self, event) -> None:  # Qt override
        super().showEvent(event)
        self.refresh_all()

    def _apply(self, snap: CaseSnapshot) -> None:
        """Show a snapshot unless it belongs to another case or is older than the one shown."""
        if snap.folder != self.folder:
            return
        if self.snapshot is not None and snap.version < self.snapshot.version:
            return
        self.snapshot = snap
        info = snap.info
        self.info_label.setText(f"<b>{escape(info.name)}</b> · examiner {escape(info.examiner or '—')} · created "
                                f"{escape(info.created_at[:10])} · {len(snap.items)} item(s), "
                                f"{len(snap.bookmarks)} finding(s), {len(snap.audit)} audit entries")
        self.info_label.setToolTip(str(snap.folder))
        self.items.show_rows(snap.items)
        self._fill_findings()
        self.audit.show_lines(snap.audit)
        self._update_enabled()
        self.snapshot_changed.emit(snap)

    def _fill_findings(self) -> None:
        if self.snapshot is None:
            return
        names = {row.item.id: row.item.name for row in self.snapshot.items}
        self.findings.show_bookmarks(self.snapshot.bookmarks, names, self.snapshot.titles)

    def _update_enabled(self) -> None:
        has_case = self.folder is not None
        for widget in (self.items, self.findings, self.audit, self.export_button, self.refresh_button):
            widget.setEnabled(has_case)
        if not has_case:
            self.refresh_button.setEnabled(True)

    def require_case(self) -> bool:
        """True when a case is open; otherwise says so and asks for the tab to be shown."""
        if self.folder is not None:
            return True
        self._say("No case is open: create one (New…) or pick one above.", error=True)
        self.attention.emit()
        return False

    # ------------------------------------------------------------------ items
    def add_current_file(self) -> None:
        """Take the file shown in the viewer into the case."""
        media = self._document.media
        if not self.require_case():
            return
        if media is None:
            self._say("Open a file first; then it can be added to the case.", error=True)
            return
        self._tasks.submit(case_job, "add_files", self.folder, [media.path], media.sha256,
                           title=f"Taking in {media.path.name}", on_success=self._on_added, on_error=self._job_error)

    def add_files_dialog(self) -> None:
        """Pick files to take in as evidence."""
        if not self.require_case():
            return
        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(self, "Add evidence files")
        if paths:
            self._tasks.submit(case_job, "add_files", self.folder, [Path(p) for p in paths], title="Taking in evidence",
                               on_success=self._on_added, on_error=self._job_error)

    def _on_added(self, result: tuple[list, CaseSnapshot]) -> None:
        items, snap = result
        self._apply(snap)
        self._say("Added " + ", ".join(f"item {i.id} ({i.name}, SHA-256 {i.sha256[:12]}…)" for i in items))

    def open_item(self, item_id: int | None) -> None:
        """Re-hash an item, then open it in the viewer; a changed or missing file is never opened."""
        if item_id is None or not self.require_case():
            return
        self._tasks.submit(case_job, "verify_item", self.folder, item_id, title="Re-verifying evidence",
                           on_success=self._on_verified, on_error=self._job_error)

    def _on_verified(self, result: tuple[ItemCheck, CaseSnapshot]) -> None:
        check, snap = result
        self._apply(snap)
        item = check.item
        if not check.ok:
            self.viewer.forget()
            what = "has CHANGED since it was taken in" if check.status == "mismatch" else "cannot be read"
            self.warn(f"Evidence item {item.id} ({item.name}) {what}. It was not opened.",
                      f"{check.reason}\n\nRecorded at intake: SHA-256 {item.sha256}\n"
                      f"Now: {check.actual_sha256 or 'unavailable'}\nPath: {item.path}", name="evidenceMismatchDialog")
            return
        self._say(f"Item {item.id} verified: SHA-256 matches intake.")
        self.viewer.open_verified(item)

    def verify_all(self) -> None:
        """Re-hash every item (audited)."""
        if self.require_case():
            self._tasks.submit(case_job, "verify_all", self.folder, title="Re-verifying evidence",
                               on_success=self._on_verified_all, on_error=self._job_error)

    def _on_verified_all(self, result: tuple[list[ItemCheck], CaseSnapshot]) -> None:
        checks, snap = result
        self._apply(snap)
        bad = [c for c in checks if not c.ok]
        if bad:
            self.warn(f"{len(bad)} of {len(checks)} evidence item(s) failed re-verification.",
                      "\n".join(c.reason for c in bad), name="evidenceMismatchDialog")
        else:
            self._say(f"All {len(checks)} item(s) verified: hashes match intake.")

    # --------------------------------------------------------------- findings
    def show_finding(self, bookmark_id: int | None) -> None:
        """Show a bookmark's stored map over its item (opening and re-verifying the item when needed)."""
        if bookmark_id is None or self.snapshot is None:
            return
        bm = self.snapshot.bookmark(bookmark_id)
        row = self.snapshot.item(bm.item_id) if bm else None
        if bm is None or row is None:
            return
        if not self.viewer.want_map(bm, row.item):
            self.open_item(row.item.id)

    def _on_map_shown(self, bookmark_id: int) -> None:
        self.shown_bookmark_id = bookmark_id

    def set_status(self, bookmark_id: int, status: str) -> None:
        """Change a bookmark's status (audited)."""
        if self.require_case():
            self._tasks.submit(case_job, "change_status", self.folder, bookmark_id, status, title="Saving status",
                               on_success=self._apply, on_error=self._job_error)

    def set_note(self, bookmark_id: int, note: str) -> None:
        """Replace a bookmark's note (audited)."""
        if self.require_case():
            self._tasks.submit(case_job, "change_note", self.folder, bookmark_id, note, title="Saving note",
                               on_success=self._apply, on_error=self._job_error)

    # ------------------------------------------------------------- bookmarks
    def bookmark_finding(self, finding: Finding, subject: Subject, sha256: str) -> None:
        """Bookmark a finding of the Analyze pane: checks the file is in the case (offers to add it), then asks
        for a note and a status."""
        if not self.require_case():
            return
        media = self._document.media
        if subject is None or subject.path is None or media is None or media.sha256 != sha256:
            self._say("This finding does not belong to the file in the viewer; run the analysis again.", error=True)
            return
        self.bookmarker.start(self.folder, self.snapshot.info.name if self.snapshot else "", finding, subject, sha256)

    def _on_bookmarked(self, result: tuple[Bookmark, CaseSnapshot]) -> None:
        bm, snap = result
        self._apply(snap)
        self.findings.select(bm.id)
        self._say(f"Bookmarked finding {bm.id}: {bm.engine} {bm.engine_version}, {bm.status_label}.")
        self.bookmark_saved.emit(bm)

    def note_analysis(self, finding: Finding) -> None:
        """Audit an analysis run on the file in the viewer when it is an item of the open case."""
        media = self._document.media
        row = self.snapshot.find_item(media.path, media.sha256) if media and self.snapshot else None
        if row is not None and self.folder is not None:
            self._tasks.submit(case_job, "record_run", self.folder, row.item.id, finding, self._document.frame_index,
                               title="Logging analysis", on_success=lambda _r: self._refresh_if_visible(),
                               on_error=self._job_error)

    def _refresh_if_visible(self) -> None:
        if self.isVisible():
            self.refresh()

    # ------------------------------------------------------------ audit, export
    def verify_chain(self) -> None:
        """Verify the audit log's hash chain and the database file."""
        if self.require_case():
            self._tasks.submit(case_job, "verify_chain", self.folder, title="Verifying audit chain",
                               on_success=self._on_chain, on_error=self._job_error)

    def _on_chain(self, result: tuple[ChainResult, CaseSnapshot]) -> None:
        chain, snap = result
        self._apply(snap)
        self.chain_result = chain
        self.audit.show_chain(chain)
        if not chain.ok:
            problems = list(chain.chain.problems)
            if chain.integrity != "ok":
                problems.append(f"database: {chain.integrity}")
            self.warn("The audit log of this case is NOT intact: an entry was edited, removed or reordered.",
                      "\n".join(problems), name="auditBrokenDialog")

    def open_export_dialog(self) -> ExportDialog | None:
        """The Export dialog for the current case (one per case, kept while the pane lives)."""
        if not self.require_case() or self.snapshot is None:
            return None
        if self.export_dialog is None or self.export_dialog.folder != self.folder:
            from app.dialogs.export_dialog import ExportDialog  # loads the report renderers on first use

            if self.export_dialog is not None and not self.export_dialog.busy:
                self.export_dialog.deleteLater()  # it belonged to another case
            self.export_dialog = ExportDialog(self._tasks, self.folder, self.snapshot.info.name, self)
            self.export_dialog.exported.connect(lambda _r: self.refresh())
        else:
            self.export_dialog.refresh_preview()
        self.export_dialog.show()
        self.export_dialog.raise_()
        return self.export_dialog

    # --------------------------------------------------------------- messages
    def _say(self, text: str, error: bool = False) -> None:
        colour = "#e66" if error else "#8a8"
        self.status_label.setText(f"<span style='color:{colour}'>{escape(text)}</span>")

    def warn(self, message: str, details: str = "", name: str = "caseWarningDialog") -> None:
        """A non-blocking warning dialog (its text is kept in ``warnings``)."""
        self.warnings.append(message)
        self._say(message, error=True)
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, "TrueLens — evidence", message,
                                    QtWidgets.QMessageBox.StandardButton.Ok, self)
        box.setObjectName(name)
        if details:
            box.setDetailedText(details)
        box.setModal(False)
        box.show()

    def _job_error(self, exc: BaseException, details: str) -> None:
        self._say(str(exc), error=True)
        self.error.emit(str(exc), details)
