"""Atomic file output: write a temporary file in the target folder, fsync, then ``os.replace``."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_DEFAULT_MODE = 0o666 & ~_current_umask()  # read once at import: os.umask is process-wide


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], mode: int | None = None) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces ``path`` only if the block finishes without error.

    On any exception the temporary file is removed and ``path`` is left untouched.
    ``mode`` (e.g. ``0o600``) is applied to the file before it becomes visible; by default the
    file gets the usual permissions for new files (0666 less the umask), not mkstemp's 0600.
    """
    target = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _DEFAULT_MODE if mode is None else mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(target.parent)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically."""
    with atomic_output(path, mode) as fh:
        fh.write(data)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable where the platform allows opening folders (not on Windows)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
