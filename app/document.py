"""The open document: the current Media and frame, loaded and decoded off the GUI thread."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6 import QtCore

from app.tasks import TaskBridge
from engines.media import Media, MediaError, open_media


def _open(ctx, path: str) -> Media:
    ctx.progress(0.1, "reading and hashing")
    return open_media(path)


def _read_frame(ctx, media: Media, index: int) -> tuple[int, np.ndarray]:
    return index, media.frame(index)


class Document(QtCore.QObject):
    """Holds one open ``Media``. Signals: ``opened(Media)``, ``frame_ready(index, frame)``, ``failed(message)``."""

    opened = QtCore.Signal(object)
    frame_ready = QtCore.Signal(int, object)
    failed = QtCore.Signal(str)

    def __init__(self, tasks: TaskBridge, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self._tasks = tasks
        self.media: Media | None = None
        self.frame_index = 0
        self.frame: np.ndarray | None = None
        self._wanted_index = 0

    def open(self, path: str | Path) -> None:
        """Open ``path`` in the background; emits ``opened`` then ``frame_ready`` or ``failed``."""
        self._tasks.submit(
            _open, str(path), title=f"Opening {Path(path).name}", supersede="document-open",
            on_success=self._on_opened, on_error=self._on_open_error,
        )

    def open_now(self, path: str | Path) -> Media:
        """Open synchronously (used by the CLI-driven screenshot mode and tests)."""
        media = open_media(path)
        self._on_opened(media)
        return media

    def _on_opened(self, media: Media) -> None:
        if self.media is not None:
            self.media.close()
        self.media = media
        self.frame_index = 0
        self._wanted_index = 0
        self.frame = media.frame(0)
        self.opened.emit(media)
        self.frame_ready.emit(0, self.frame)

    def _on_open_error(self, exc: BaseException, details: str) -> None:
        if isinstance(exc, MediaError):
            self.failed.emit(str(exc))
        else:
            self.failed.emit(f"Unexpected error while opening: {exc}")

    def request_frame(self, index: int) -> None:
        """Decode frame ``index`` in the background; a newer request supersedes an older one."""
        if self.media is None:
            return
        self._wanted_index = index
        self._tasks.submit(
            _read_frame, self.media, index, title="Decoding frame", supersede="document-frame",
            on_success=self._on_frame, on_error=self._on_frame_error,
        )

    def _on_frame(self, result: tuple[int, np.ndarray]) -> None:
        index, frame = result
        if index != self._wanted_index:
            return
        self.frame_index = index
        self.frame = frame
        self.frame_ready.emit(index, frame)

    def _on_frame_error(self, exc: BaseException, details: str) -> None:
        self.failed.emit(f"Frame {self._wanted_index + 1} cannot be decoded: {exc}")

    def close(self) -> None:
        if self.media is not None:
            self.media.close()
            self.media = None
