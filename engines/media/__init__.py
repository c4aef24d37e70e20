"""Open media files read-only: stills, animations and videos with random-access frames."""

from engines.media.errors import (
    CorruptMedia,
    EmptyFile,
    MediaError,
    MediaTooLarge,
    UnreadableFile,
    UnsupportedFormat,
)
from engines.media.hashing import file_digests, sha256_file
from engines.media.limits import DEFAULT_LIMITS, Limits
from engines.media.media import Media, MediaInfo
from engines.media.opener import open_media

__all__ = [
    "DEFAULT_LIMITS",
    "CorruptMedia",
    "EmptyFile",
    "Limits",
    "Media",
    "MediaError",
    "MediaInfo",
    "MediaTooLarge",
    "UnreadableFile",
    "UnsupportedFormat",
    "file_digests",
    "open_media",
    "sha256_file",
]
