"""Prefetch items on a background thread (batch generation overlapping training steps)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Prefetcher(Generic[T]):
    """Calls ``make(i)`` for i = first, first + 1, … on a daemon thread, keeping ``depth`` items ready.

    OpenCV and NumPy release the GIL, so generation overlaps the consumer's work. ``stop()`` ends the thread
    at the next item boundary.
    """

    def __init__(self, make: Callable[[int], T], first: int = 0, depth: int = 3):
        self._make, self._next = make, first
        self._queue: queue.Queue[T] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while not self._stop.is_set():
            item = self._make(self._next)
            self._next += 1
            while not self._stop.is_set():
                try:
                    self._queue.put(item, timeout=0.5)
                    break
                except queue.Full:
                    continue

    def get(self) -> T:
        return self._queue.get()

    def stop(self) -> None:
        self._stop.set()
