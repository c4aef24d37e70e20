"""Evidence-bundle layout and the member-name safety rules shared by export, verify and import."""

from __future__ import annotations

import hashlib
import re
import stat
import zipfile
from typing import BinaryIO

from engines.evidence.errors import BundleError

BUNDLE_FORMAT = "truelens-bundle/1"
MANIFEST_NAME = "manifest.json"
MANIFEST_SIG_NAME = "manifest.sig"
AUDIT_NAME = "audit/audit-log.json"
MAX_MANIFEST_BYTES = 32 * 1024 * 1024
_CHUNK = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")
_SAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_name(name: str) -> str:
    """A file name reduced to letters, digits, dot, dash and underscore (never empty, never dot-only)."""
    cleaned = _SAFE_CHARS.sub("_", name).strip("._") or "file"
    return cleaned[:120]


def unsafe_name_reason(name: str) -> str | None:
    """Why a member name could escape the extraction folder, or ``None`` when it is a safe relative path."""
    if not name or "\x00" in name:
        return "empty or binary member name"
    if "\\" in name:
        return f"member name {name!r} contains a backslash"
    if name.startswith("/") or _DRIVE.match(name):
        return f"member {name!r} has an absolute path"
    parts = name.rstrip("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        return f"member {name!r} contains '..', '.' or an empty path part (path traversal)"
    return None


def check_member(info: zipfile.ZipInfo) -> None:
    """Raise ``BundleError`` for members that are unsafe to extract: traversal, absolute, links, encrypted."""
    reason = unsafe_name_reason(info.filename)
    if reason:
        raise BundleError(f"unsafe bundle: {reason}")
    mode = (info.external_attr >> 16) & 0xFFFF
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        raise BundleError(f"unsafe bundle: member {info.filename!r} is a symbolic link")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise BundleError(f"unsafe bundle: member {info.filename!r} is not a regular file")
    if info.flag_bits & 0x1:
        raise BundleError(f"member {info.filename!r} is encrypted")


def copy_hashed(src: BinaryIO, dst: BinaryIO | None, limit: int) -> tuple[str, int]:
    """Copy at most ``limit`` bytes while hashing; returns (sha256, size). Reading past ``limit`` is an error."""
    h = hashlib.sha256()
    size = 0
    while chunk := src.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise BundleError(f"a member is larger than its manifest says ({limit:,} bytes)")
        h.update(chunk)
        if dst is not None:
            dst.write(chunk)
    return h.hexdigest(), size
