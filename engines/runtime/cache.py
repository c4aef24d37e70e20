"""Result cache keyed by (content hash, engine, parameters, weights hash)."""

from __future__ import annotations

import collections
import json
import threading
from collections.abc import Hashable, Mapping
from typing import Any


def make_key(content_hash: str, engine: str, params: Mapping[str, Any], weights_hash: str = "") -> tuple:
    """A stable, hashable cache key; parameters are canonicalised as sorted JSON."""
    return (content_hash, engine, json.dumps(dict(params), sort_keys=True, default=str), weights_hash)


class ResultCache:
    """A small thread-safe LRU cache."""

    def __init__(self, max_entries: int = 64):
        self._max = max_entries
        self._data: collections.OrderedDict[Hashable, Any] = collections.OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
            return None

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
