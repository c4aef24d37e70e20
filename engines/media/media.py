"""The ``Media`` object: one opened still, animation or video with random-access frames."""

from __future__ import annotations

import collections
import dataclasses
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class FrameSource(Protocol):
    """What a decoder provides to ``Media``."""

    def read(self, index: int) -> np.ndarray: ...

    def close(self) -> None: ...


@dataclasses.dataclass(frozen=True)
class MediaInfo:
    """Basic facts about an opened file."""

    path: Path
    kind: str  # "still" | "animated" | "video"
    format: str
    width: int
    height: int
    frame_count: int
    durations: tuple[float, ...]  # seconds per frame (empty for stills)
    fps: float | None
    codec: str | None
    duration: float | None
    file_size: int
    sha256: str
    extension_mismatch: bool
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_rows(self) -> list[tuple[str, str]]:
        """Human-readable (label, value) rows for an info panel or report."""
        rows = [
            ("File", self.path.name),
            ("Folder", str(self.path.parent)),
            ("Kind", self.kind),
            ("Format", self.format.upper() + ("  (extension does not match!)" if self.extension_mismatch else "")),
            ("Size", f"{self.width} × {self.height} px"),
            ("File size", f"{self.file_size:,} bytes"),
        ]
        if self.kind != "still":
            rows.append(("Frames", str(self.frame_count)))
        if self.fps:
            rows.append(("Frame rate", f"{self.fps:.3f} fps"))
        if self.duration:
            rows.append(("Duration", f"{self.duration:.3f} s"))
        if self.codec:
            rows.append(("Codec", self.codec))
        for key, value in self.extra.items():
            rows.append((key, str(value)))
        rows.append(("SHA-256", self.sha256))
        return rows


class Media:
    """An opened media file. Frames are RGB ``uint8`` arrays of shape (H, W, 3).

    Thread-safe: ``frame(i)`` may be called from worker threads.
    """

    def __init__(self, info: MediaInfo, source: FrameSource, cache_size: int = 12):
        self.info = info
        self._source = source
        self._cache: collections.OrderedDict[int, np.ndarray] = collections.OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self.info.path

    @property
    def kind(self) -> str:
        return self.info.kind

    @property
    def frame_count(self) -> int:
        return self.info.frame_count

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return self.info.width, self.info.height

    @property
    def sha256(self) -> str:
        return self.info.sha256

    def timestamp(self, index: int) -> float:
        """Presentation time of a frame in seconds."""
        durations = self.info.durations
        if not durations:
            return 0.0
        return float(sum(durations[:index]))

    def frame(self, index: int = 0) -> np.ndarray:
        """Decoded frame ``index`` (read-only array)."""
        if not 0 <= index < self.info.frame_count:
            raise IndexError(f"frame {index} out of range 0..{self.info.frame_count - 1}")
        with self._lock:
            cached = self._cache.get(index)
            if cached is not None:
                self._cache.move_to_end(index)
                return cached
            image = self._source.read(index)
            image.setflags(write=False)
            self._cache[index] = image
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return image

    def close(self) -> None:
        with self._lock:
            self._cache.clear()
            self._source.close()

    def __enter__(self) -> Media:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
