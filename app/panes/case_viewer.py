"""Link between the Case pane and the viewer: open verified items, show a bookmark's stored map over its item.

An item is opened only after its hash re-verified (the pane does that); when the viewer reports the
opened file, its SHA-256 is compared once more with the evidence record. A stored map is drawn
when the item is open at the bookmarked frame (seeking there first when needed).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore

from app.document import Document
from app.panes.case_models import case_job
from app.tasks import TaskBridge
from widgets.image_canvas import ImageCanvas

if TYPE_CHECKING:
    from app.panes.case_jobs import StoredOverlay
    from engines.evidence import Bookmark, Item


class ViewerLink(QtCore.QObject):
    """Signals: ``open_requested(path)``, ``seek_requested(frame)``, ``stored_map_shown()`` (just before a
    stored map is drawn and when one is asked for), ``shown(bookmark_id)``, ``warning(message, details)``,
    ``message(text)``, ``failed(exception, details)``."""

    open_requested = QtCore.Signal(str)
    seek_requested = QtCore.Signal(int)
    stored_map_shown = QtCore.Signal()
    shown = QtCore.Signal(int)
    warning = QtCore.Signal(str, str)
    message = QtCore.Signal(str)
    failed = QtCore.Signal(object, str)

    def __init__(self, tasks: TaskBridge, document: Document, canvas: ImageCanvas,
                 parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self._tasks = tasks
        self._document = document
        self._canvas = canvas
        self._pending_open: tuple[Path, str] | None = None
        self._pending_map: tuple[Bookmark, Item] | None = None
        self._seek_sent_for: int | None = None
        document.opened.connect(self._on_document_opened)
        document.frame_ready.connect(self._on_frame_ready)

    def is_open(self, item: Item) -> bool:
        """Whether the viewer shows exactly this evidence file (same path, same intake hash)."""
        media = self._document.media
        return media is not None and Path(media.path).resolve() == item.path and media.sha256 == item.sha256

    def forget(self) -> None:
        """Drop a pending open or stored map (the item failed verification, or the case changed)."""
        self._pending_open = None
        self._pending_map = None

    def open_verified(self, item: Item) -> None:
        """Open an item whose hash has just re-verified (nothing to do when it is already open)."""
        if self.is_open(item):
            self._continue_map()
            return
        self._pending_open = (item.path, item.sha256)
        self.open_requested.emit(str(item.path))

    def want_map(self, bm: Bookmark, item: Item) -> bool:
        """Show ``bm``'s stored map over ``item``; False when the item must be verified and opened first."""
        self.stored_map_shown.emit()
        self._pending_map = (bm, item)
        self._seek_sent_for = None
        if self.is_open(item):
            self._continue_map()
            return True
        return False

    def _on_document_opened(self, media) -> None:
        pending, self._pending_open = self._pending_open, None
        if pending is None:
            return
        if Path(media.path).resolve() != pending[0]:
            self._pending_map = None  # something else was opened meanwhile
            return
        if media.sha256 != pending[1]:
            self._pending_map = None
            self.warning.emit(f"{media.path.name} changed between its verification and opening: the viewer shows "
                              "bytes that differ from the evidence. Close it and check the file.",
                              f"Recorded SHA-256 {pending[1]}\nOpened SHA-256 {media.sha256}")

    def _on_frame_ready(self, index: int, frame) -> None:
        if self._pending_map is not None and self.is_open(self._pending_map[1]):
            QtCore.QTimer.singleShot(0, self._continue_map)  # after the window has drawn the new frame

    def _continue_map(self) -> None:
        if self._pending_map is None or self._document.frame is None:
            return
        bm, item = self._pending_map
        if not self.is_open(item):
            return
        if self._document.frame_index != bm.frame_index:
            if self._seek_sent_for != bm.id:
                self._seek_sent_for = bm.id
                self.seek_requested.emit(bm.frame_index)
            return
        self._tasks.submit(case_job, "load_overlay", bm, self._document.frame.shape[:2], title="Loading stored map",
                           supersede="case-overlay", on_success=self._draw, on_error=self.failed.emit)

    def _draw(self, overlay: StoredOverlay) -> None:
        frame = self._document.frame
        if self._pending_map is None or frame is None:
            return
        bm, item = self._pending_map
        if bm.id != overlay.bookmark_id or not self.is_open(item) or self._document.frame_index != bm.frame_index:
            return
        shape = frame.shape[:2]
        if any(layer is not None and layer.shape[:2] != shape for layer in (overlay.heat, overlay.mask)):
            return
        self._pending_map = None
        self.stored_map_shown.emit()
        self._canvas.set_heatmap(overlay.heat)
        self._canvas.set_mask(overlay.mask)
        self.shown.emit(bm.id)
        if overlay.problems:
            self.warning.emit(f"Bookmark {bm.id}: a stored image failed its check.", "\n".join(overlay.problems))
        elif overlay.heat is None and overlay.mask is None:
            self.message.emit(f"Bookmark {bm.id} has no stored map (a table or plot finding).")
        else:
            self.message.emit(f"Showing the stored map of bookmark {bm.id} ({bm.engine} {bm.engine_version}) "
                              f"over item {item.id}.")
