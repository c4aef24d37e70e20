"""Identify a file's real container format from its first bytes (never from the extension)."""

from __future__ import annotations

STILL_FORMATS = {"jpeg", "png", "gif", "webp", "bmp", "tiff", "heif", "avif"}
VIDEO_FORMATS = {"mp4", "mov", "matroska", "avi"}

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_MOV_BRANDS = {b"qt  "}


def sniff_format(head: bytes) -> str | None:
    """Return a short format name for the leading bytes of a file, or None if unknown."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:2] == b"BM":
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AVIF_BRANDS:
            return "avif"
        if brand in _HEIF_BRANDS:
            return "heif"
        if brand in _MOV_BRANDS:
            return "mov"
        return "mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "mov"
    return None


_EXTENSIONS = {
    "jpeg": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "png": {".png", ".apng"},
    "gif": {".gif"},
    "webp": {".webp"},
    "bmp": {".bmp", ".dib"},
    "tiff": {".tif", ".tiff"},
    "heif": {".heic", ".heif"},
    "avif": {".avif"},
    "mp4": {".mp4", ".m4v", ".3gp"},
    "mov": {".mov", ".qt", ".mp4"},
    "matroska": {".mkv", ".webm"},
    "avi": {".avi"},
}


def extension_matches(fmt: str, suffix: str) -> bool:
    """True when a file extension is one normally used for the sniffed format."""
    return suffix.lower() in _EXTENSIONS.get(fmt, set())
