"""Run one function over a quality sweep on two threads, reporting progress (and so honouring cancel) per item."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from engines.runtime.jobs import JobContext

T = TypeVar("T")
R = TypeVar("R")


def sweep_map(
    fn: Callable[[T], R],
    items: Sequence[T],
    ctx: JobContext | None = None,
    span: tuple[float, float] = (0.0, 1.0),
    message: str = "",
) -> list[R]:
    """``[fn(x) for x in items]`` on two worker threads (OpenCV's codecs release the GIL), in order.

    After each result ``ctx.progress`` moves through ``span``; a cancel raised there drops the items not started.
    """
    results: list[R] = []
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        for i, result in enumerate(pool.map(fn, items)):
            results.append(result)
            if ctx is not None:
                ctx.progress(span[0] + (span[1] - span[0]) * (i + 1) / len(items), message)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results
