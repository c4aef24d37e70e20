"""Task bridge: engine jobs run on the runner's workers; results arrive as Qt signals on the GUI thread."""

from __future__ import annotations

import itertools
import traceback
from collections.abc import Callable, Hashable
from typing import Any

from PySide6 import QtCore

from engines.runtime import Cancelled, JobHandle, Runner


class _Relay(QtCore.QObject):
    """Lives on the GUI thread; worker threads emit its signals (queued delivery)."""

    done = QtCore.Signal(int, object)
    failed = QtCore.Signal(int, object, str)
    progress = QtCore.Signal(int, float, str)


class TaskBridge(QtCore.QObject):
    """Submits engine functions and calls back on the GUI thread.

    Keeps a reference to every running job until it finishes. ``busy_changed(bool)`` and
    ``progress(fraction, text)`` drive the status-bar progress bar; ``error(title, details)``
    is emitted for failures that have no ``on_error`` callback.
    """

    busy_changed = QtCore.Signal(bool)
    progress = QtCore.Signal(float, str)
    error = QtCore.Signal(str, str)

    def __init__(self, runner: Runner, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.runner = runner
        self._relay = _Relay()
        self._relay.done.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)
        self._relay.progress.connect(self._on_progress)
        self._ids = itertools.count(1)
        self._jobs: dict[int, tuple[JobHandle, Callable | None, Callable | None, str]] = {}

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        title: str = "Working",
        on_success: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException, str], None] | None = None,
        supersede: Hashable | None = None,
        cache_key: Hashable | None = None,
        **kwargs: Any,
    ) -> int:
        """Run ``fn(ctx, *args, **kwargs)`` in the background; returns a job id."""
        job_id = next(self._ids)
        relay = self._relay

        def report(fraction: float, message: str) -> None:
            relay.progress.emit(job_id, fraction, message)

        handle = self.runner.submit(fn, *args, supersede=supersede, cache_key=cache_key, on_progress=report, **kwargs)
        was_busy = bool(self._jobs)
        self._jobs[job_id] = (handle, on_success, on_error, title)
        if not was_busy:
            self.busy_changed.emit(True)
        self.progress.emit(0.0, title)

        def finished(future: Any) -> None:
            if future.cancelled():
                relay.failed.emit(job_id, Cancelled(), "")
                return
            exc = future.exception()
            if exc is None:
                relay.done.emit(job_id, future.result())
            else:
                details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
                relay.failed.emit(job_id, exc, details)

        handle.future.add_done_callback(finished)
        return job_id

    def cancel_all(self) -> None:
        """Ask every running job to stop."""
        for handle, *_ in list(self._jobs.values()):
            handle.cancel()

    def running(self) -> int:
        return len(self._jobs)

    def wait_all(self, timeout_ms: int = 30_000) -> bool:
        """Process events until no job is running (for tests and shutdown)."""
        timer = QtCore.QElapsedTimer()
        timer.start()
        while self._jobs and timer.elapsed() < timeout_ms:
            QtCore.QCoreApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
            if self._jobs:
                QtCore.QThread.msleep(5)  # a bare spin would hold the GIL and a core from the engine job (3× slower)
        return not self._jobs

    def _finish(self, job_id: int) -> tuple | None:
        entry = self._jobs.pop(job_id, None)
        if not self._jobs:
            self.busy_changed.emit(False)
        return entry

    def _on_done(self, job_id: int, result: object) -> None:
        entry = self._finish(job_id)
        if entry and entry[1] is not None:
            entry[1](result)

    def _on_failed(self, job_id: int, exc: BaseException, details: str) -> None:
        entry = self._finish(job_id)
        if entry is None or isinstance(exc, Cancelled):
            return
        _, _, on_error, title = entry
        if on_error is not None:
            on_error(exc, details)
        else:
            self.error.emit(f"{title} failed: {exc}", details)

    def _on_progress(self, job_id: int, fraction: float, message: str) -> None:
        entry = self._jobs.get(job_id)
        if entry:
            self.progress.emit(fraction, f"{entry[3]}: {message}" if message else entry[3])
