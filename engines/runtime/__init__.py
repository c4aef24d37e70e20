"""Engine runtime: device choice, worker pool, jobs, cancel, result cache."""

from engines.runtime.cache import ResultCache, make_key
from engines.runtime.device import configure_cpu_threads, select_device, worker_count
from engines.runtime.jobs import Cancelled, JobContext
from engines.runtime.runner import JobHandle, Runner


def create_runner(device: str = "cpu", synchronous: bool = False) -> Runner:
    """A runner sized for ``device`` ("cpu" by default so start-up never imports torch).

    Model engines call ``select_device`` lazily when they first load weights.
    """
    workers = worker_count(device)
    return Runner(max_workers=workers, synchronous=synchronous)


__all__ = [
    "Cancelled",
    "JobContext",
    "JobHandle",
    "ResultCache",
    "Runner",
    "configure_cpu_threads",
    "create_runner",
    "make_key",
    "select_device",
    "worker_count",
]
