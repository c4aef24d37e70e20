"""Errors raised when a file cannot be opened as media. Each carries a one-line reason."""


class MediaError(Exception):
    """Base: the file cannot be opened; ``str(err)`` is a user-facing one-line reason."""


class UnreadableFile(MediaError):
    """Missing file, directory, or no permission to read."""


class EmptyFile(MediaError):
    """A zero-byte file."""


class UnsupportedFormat(MediaError):
    """Not an image or video format TrueLens can decode."""


class CorruptMedia(MediaError):
    """The format was recognised but the data is truncated or damaged."""


class MediaTooLarge(MediaError):
    """Above a safety limit (pixels, frames or bytes)."""
