"""Where TrueLens keeps cases and keys: ``TRUELENS_DATA_DIR`` or the platform's user-data folder."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

CASE_DB_NAME = "case.sqlite"
DERIVED_DIR_NAME = "derived"


def data_dir() -> Path:
    """The user's TrueLens data folder (not created here).

    ``TRUELENS_DATA_DIR`` wins; otherwise ``%APPDATA%\\TrueLens`` on Windows,
    ``~/Library/Application Support/TrueLens`` on macOS and ``$XDG_DATA_HOME/truelens``
    (default ``~/.local/share/truelens``) elsewhere.
    """
    override = os.environ.get("TRUELENS_DATA_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform.startswith("win"):
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        return Path(base) / "TrueLens"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "TrueLens"
    xdg = os.environ.get("XDG_DATA_HOME")
    base_dir = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base_dir / "truelens"


def cases_dir() -> Path:
    """Folder holding one sub-folder per case."""
    return data_dir() / "cases"


def keys_dir() -> Path:
    """Folder holding this installation's signing key pair."""
    return data_dir() / "keys"


_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def case_slug(name: str) -> str:
    """Folder name for a case name: lowercase letters and digits joined by single dashes.

    Raises ValueError when nothing usable is left (e.g. an empty name or only punctuation).
    """
    slug = _SLUG_STRIP.sub("-", name.strip().lower()).strip("-")[:80].strip("-")
    if not slug:
        raise ValueError(f"case name {name!r} has no letters or digits")
    return slug
