"""``open_media(path)``: validate a path, sniff its type, and build a ``Media``."""

from __future__ import annotations

import os
from pathlib import Path

from engines.media.errors import EmptyFile, MediaTooLarge, UnreadableFile, UnsupportedFormat
from engines.media.hashing import sha256_file
from engines.media.limits import DEFAULT_LIMITS, Limits
from engines.media.media import Media, MediaInfo
from engines.media.sniff import STILL_FORMATS, VIDEO_FORMATS, extension_matches, sniff_format


def _check_path(path: Path, limits: Limits) -> int:
    if not path.exists():
        raise UnreadableFile(f"file not found: {path}")
    if path.is_dir():
        raise UnreadableFile(f"is a folder, not a file: {path}")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            fh.read(1)
    except PermissionError as exc:
        raise UnreadableFile(f"no permission to read {path.name}") from exc
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    if size == 0:
        raise EmptyFile(f"{path.name} is empty (0 bytes)")
    if size > limits.max_file_bytes:
        raise MediaTooLarge(f"{path.name} is {size:,} bytes, above the limit of {limits.max_file_bytes:,}")
    return size


def open_media(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> Media:
    """Open an image, animation or video read-only. Raises ``MediaError`` with a one-line reason."""
    path = Path(path)
    size = _check_path(path, limits)
    with open(path, "rb") as fh:
        head = fh.read(64)
    fmt = sniff_format(head)
    if fmt is None:
        raise UnsupportedFormat(f"{path.name} is not an image or video TrueLens can read")
    digest = sha256_file(path)
    mismatch = not extension_matches(fmt, path.suffix)
    if fmt in STILL_FORMATS:
        from engines.media.pillow_source import PillowSource

        src = PillowSource(path, limits)
        kind = "animated" if src.animated else "still"
        durations = src.durations
        fps = None
        if src.animated and durations:
            total = sum(durations)
            fps = len(durations) / total if total > 0 else None
        info = MediaInfo(
            path=path,
            kind=kind,
            format=fmt,
            width=src.width,
            height=src.height,
            frame_count=src.frame_count,
            durations=durations,
            fps=fps,
            codec=None,
            duration=float(sum(durations)) if durations else None,
            file_size=size,
            sha256=digest,
            extension_mismatch=mismatch,
            extra=src.extra,
        )
        return Media(info, src)
    if fmt in VIDEO_FORMATS:
        from engines.media.video_source import VideoSource

        vsrc = VideoSource(path, limits)
        info = MediaInfo(
            path=path,
            kind="video",
            format=fmt,
            width=vsrc.width,
            height=vsrc.height,
            frame_count=vsrc.frame_count,
            durations=vsrc.durations,
            fps=vsrc.fps,
            codec=vsrc.codec,
            duration=vsrc.duration,
            file_size=size,
            sha256=digest,
            extension_mismatch=mismatch,
        )
        return Media(info, vsrc)
    raise UnsupportedFormat(f"{fmt} files are not supported")  # pragma: no cover
