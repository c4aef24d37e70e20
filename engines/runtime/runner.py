"""The engine runner: a bounded worker pool with supersede-and-cancel, a result cache and a sync mode."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import threading
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from engines.runtime.cache import ResultCache
from engines.runtime.jobs import Cancelled, JobContext, ProgressCallback


class JobHandle:
    """A submitted job: its future, its context (for cancel) and its supersede key."""

    def __init__(self, future: cf.Future, context: JobContext, key: Hashable | None):
        self.future = future
        self.context = context
        self.key = key

    def cancel(self) -> None:
        """Ask the job to stop; a pending job never starts."""
        self.context.cancel()
        self.future.cancel()

    @property
    def cancelled(self) -> bool:
        return self.context.cancelled or self.future.cancelled()

    def result(self, timeout: float | None = None) -> Any:
        return self.future.result(timeout)


class Runner:
    """Runs engine functions ``fn(ctx, *args, **kwargs)`` off the caller's thread.

    * ``supersede``: a new job with the same key cancels the previous one.
    * ``cache_key``: a finished result is reused for the same key.
    * ``synchronous=True`` (or ``force_sync()``) runs jobs inline, for tests and the CLI.
    """

    def __init__(self, max_workers: int = 2, cache: ResultCache | None = None, synchronous: bool = False):
        self._executor = cf.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="truelens-engine")
        self.cache = cache if cache is not None else ResultCache()
        self._synchronous = synchronous
        self._active: dict[Hashable, JobHandle] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def force_sync(self) -> Iterator[None]:
        """Within this block every job runs inline on the calling thread."""
        previous, self._synchronous = self._synchronous, True
        try:
            yield
        finally:
            self._synchronous = previous

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        supersede: Hashable | None = None,
        cache_key: Hashable | None = None,
        on_progress: ProgressCallback | None = None,
        **kwargs: Any,
    ) -> JobHandle:
        context = JobContext(on_progress)
        if supersede is not None:
            with self._lock:
                previous = self._active.get(supersede)
            if previous is not None:
                previous.cancel()
        if cache_key is not None:
            cached = self.cache.get(cache_key)
            if cached is not None:
                done: cf.Future = cf.Future()
                done.set_result(cached)
                return JobHandle(done, context, supersede)

        def call() -> Any:
            context.check_cancelled()
            result = fn(context, *args, **kwargs)
            context.check_cancelled()
            if cache_key is not None:
                self.cache.put(cache_key, result)
            return result

        if self._synchronous:
            future: cf.Future = cf.Future()
            try:
                future.set_result(call())
            except Cancelled as exc:
                future.set_exception(exc)
            except Exception as exc:  # noqa: BLE001 - delivered through the future
                future.set_exception(exc)
        else:
            future = self._executor.submit(call)
        handle = JobHandle(future, context, supersede)
        if supersede is not None:
            with self._lock:
                self._active[supersede] = handle
            future.add_done_callback(lambda _f, k=supersede, h=handle: self._forget(k, h))
        return handle

    def _forget(self, key: Hashable, handle: JobHandle) -> None:
        with self._lock:
            if self._active.get(key) is handle:
                del self._active[key]

    def shutdown(self) -> None:
        """Cancel pending jobs, ask running ones to stop and wait for the workers."""
        with self._lock:
            handles = list(self._active.values())
        for handle in handles:
            handle.cancel()
        self._executor.shutdown(wait=True, cancel_futures=True)
