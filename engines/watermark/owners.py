"""Local register of owner texts by their 32-bit ID, so verification can name the owner, not only the hash."""

from __future__ import annotations

import json
from pathlib import Path

from engines.atomic import atomic_write_text
from engines.evidence.paths import data_dir
from engines.watermark.payload import owner_id


def register_path() -> Path:
    return data_dir() / "watermark" / "owners.json"


def _load() -> dict[str, str]:
    try:
        data = json.loads(register_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def remember(owner: str) -> str:
    """Record ``owner`` under its ID (hex) and return the ID."""
    ident = f"{owner_id(owner):08x}"
    known = _load()
    if known.get(ident) != owner:
        known[ident] = owner
        atomic_write_text(register_path(), json.dumps(known, indent=1, ensure_ascii=False, sort_keys=True))
    return ident


def lookup(ident: str) -> str | None:
    """The owner text registered on this machine for an ID, if any."""
    return _load().get(ident)
