"""Job context handed to engine functions: progress reporting and cooperative cancel."""

from __future__ import annotations

import threading
from collections.abc import Callable

ProgressCallback = Callable[[float, str], None]


class Cancelled(Exception):
    """Raised inside a job when it has been asked to stop."""


class JobContext:
    """Passed to long-running engine functions. Call ``progress`` and ``check_cancelled`` often."""

    def __init__(self, on_progress: ProgressCallback | None = None):
        self._cancel = threading.Event()
        self._on_progress = on_progress

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def check_cancelled(self) -> None:
        """Raise ``Cancelled`` if the job was cancelled."""
        if self._cancel.is_set():
            raise Cancelled()

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress in [0, 1]; also a cancellation point."""
        self.check_cancelled()
        if self._on_progress is not None:
            self._on_progress(min(1.0, max(0.0, float(fraction))), message)


NULL_CONTEXT_FACTORY: Callable[[], JobContext] = JobContext
