"""Canonical JSON, hashes and timestamps shared by the audit log, signatures and manifests."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
from typing import Any


def canonical_json(value: Any) -> bytes:
    """UTF-8 JSON with sorted keys and no whitespace: equal data always gives equal bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` as lowercase hex."""
    return hashlib.sha256(data).hexdigest()


def utc_now() -> str:
    """The current time in UTC as ISO 8601 with microseconds and a ``Z`` suffix."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_from_ns(ns: int) -> str:
    """A file timestamp in nanoseconds since the epoch as ISO 8601 UTC."""
    seconds, rest = divmod(int(ns), 1_000_000_000)
    moment = _dt.datetime.fromtimestamp(seconds, _dt.UTC).replace(microsecond=rest // 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def plain(value: Any) -> Any:
    """Convert numpy scalars/arrays, paths, tuples and sets into plain JSON types (recursively).

    Non-finite floats (NaN, ±inf) become ``None`` so the result is always valid, canonical JSON.
    """
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars
    if callable(tolist):
        return plain(tolist())
    return str(value)
