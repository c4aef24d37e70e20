"""Bookmarking a finding from the Analyze pane: find the file's evidence item (or offer to add it), ask for a
note and a status, save in the background."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from app.panes.case_models import case_job
from app.tasks import TaskBridge
from engines.findings import Finding
from engines.forensics import Subject, get_analysis

if TYPE_CHECKING:
    from app.dialogs.bookmark_dialog import BookmarkDialog
    from app.panes.case_jobs import ItemMatch


class BookmarkFlow(QtCore.QObject):
    """Signals: ``saved((Bookmark, CaseSnapshot))``, ``warning(message, details)``, ``failed(exception, details)``.

    ``dialog`` is the last bookmark dialog shown (tests fill it in and accept it).
    """

    saved = QtCore.Signal(object)
    warning = QtCore.Signal(str, str)
    failed = QtCore.Signal(object, str)

    def __init__(self, tasks: TaskBridge, parent: QtWidgets.QWidget):
        super().__init__(parent)
        self._tasks = tasks
        self._parent = parent
        self.dialog: BookmarkDialog | None = None

    def start(self, folder: Path, case_name: str, finding: Finding, subject: Subject, sha256: str) -> None:
        """Look the file up in the case, then show the bookmark dialog."""
        self._tasks.submit(case_job, "match_item", folder, Path(subject.path), sha256, title="Looking up evidence",
                           on_success=lambda m: self._ask(m, folder, case_name, finding, subject, sha256),
                           on_error=self.failed.emit)

    def _ask(self, match: ItemMatch, folder: Path, case_name: str, finding: Finding, subject: Subject,
             sha256: str) -> None:
        if match.item is None and match.changed is not None:
            self.warning.emit(f"{match.changed.name} is item {match.changed.id} of this case, but the open file's "
                              "bytes differ from those taken in. Not bookmarked.",
                              f"Recorded SHA-256 {match.changed.sha256}\nOpen file SHA-256 {sha256}")
            return
        from app.dialogs.bookmark_dialog import BookmarkDialog  # needs the evidence engine's image helpers

        try:
            title = get_analysis(finding.engine).title
        except KeyError:
            title = finding.engine
        item = match.item
        item_text = f"item {item.id}: {item.name}" if item else f"{Path(subject.path).name} (not in the case yet)"
        if self.dialog is not None:
            self.dialog.deleteLater()
        dialog = BookmarkDialog(finding, title, case_name, item_text, item is None, subject.frame_index, self._parent)
        item_id = item.id if item else None
        dialog.accepted.connect(lambda: self._save(dialog, folder, item_id, finding, subject, sha256))
        self.dialog = dialog
        dialog.open()

    def _save(self, dialog: BookmarkDialog, folder: Path, item_id: int | None, finding: Finding, subject: Subject,
              sha256: str) -> None:
        note, status = dialog.values()
        self._tasks.submit(case_job, "bookmark", folder, item_id, Path(subject.path), sha256, finding, subject.image,
                           subject.frame_index, note, status, title="Saving bookmark", on_success=self.saved.emit,
                           on_error=self.failed.emit)
