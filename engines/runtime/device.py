"""Pick the compute device: CUDA, then MPS, then CPU; overridable."""

from __future__ import annotations

import os

ENV_VAR = "TRUELENS_DEVICE"
VALID = ("auto", "cuda", "mps", "cpu")


def select_device(preference: str | None = None) -> str:
    """Return "cuda", "mps" or "cpu".

    ``preference`` (from a CLI flag or setting) wins over the ``TRUELENS_DEVICE``
    environment variable; "auto" or None means best available. A requested device
    that is not available falls back to CPU.
    """
    choice = (preference or os.environ.get(ENV_VAR) or "auto").strip().lower()
    if choice not in VALID:
        raise ValueError(f"unknown device {choice!r}; choose one of {', '.join(VALID)}")
    if choice == "cpu":
        return "cpu"
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a pinned dependency
        return "cpu"
    cuda_ok = torch.cuda.is_available()
    mps_ok = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if choice == "cuda":
        return "cuda" if cuda_ok else "cpu"
    if choice == "mps":
        return "mps" if mps_ok else "cpu"
    if cuda_ok:
        return "cuda"
    if mps_ok:
        return "mps"
    return "cpu"


def worker_count(device: str) -> int:
    """Workers for the inference pool: one per GPU, a small bounded pool on CPU."""
    if device == "cuda":
        import torch

        return max(1, torch.cuda.device_count())
    if device == "mps":
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def configure_cpu_threads(workers: int) -> int:
    """Share the CPU cores between pool workers so torch does not oversubscribe."""
    threads = max(1, (os.cpu_count() or 1) // max(1, workers))
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:  # pragma: no cover
        pass
    return threads
