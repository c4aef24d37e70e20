"""Shared helpers for metadata trees: JSON-able nodes, value formatting, flattening, tolerated parse errors."""

from __future__ import annotations

import math
import struct
import xml.etree.ElementTree as ET
import zlib
from typing import Any

# What malformed metadata may raise inside Pillow or our own parsers; callers catch exactly these.
PARSE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    SyntaxError,
    UnicodeError,
    OverflowError,
    ZeroDivisionError,
    RecursionError,
    struct.error,
    ET.ParseError,
    zlib.error,
    EOFError,
)

MAX_TEXT = 512
MAX_ITEMS = 32


def node(name: str, value: str = "", children: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A tree node as the GUI expects it: {"name", "value", "children"}."""
    return {"name": str(name), "value": str(value), "children": list(children or [])}


def format_value(value: Any) -> str:
    """Readable, bounded text for a metadata value (bytes, rationals, tuples, strings)."""
    if isinstance(value, bytes):
        stripped = value.rstrip(b"\x00")
        if stripped and len(stripped) <= 64 and all(32 <= b < 127 for b in stripped):
            return stripped.decode("ascii")
        if len(value) <= 8:
            return " ".join(str(b) for b in value)
        return f"<{len(value)} bytes>"
    if isinstance(value, str):
        text = value.replace("\x00", "").strip()
        return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"
    if isinstance(value, (tuple, list)):
        items = [format_value(v) for v in value[:MAX_ITEMS]]
        more = f", … ({len(value)} values)" if len(value) > MAX_ITEMS else ""
        return ", ".join(items) + more
    if isinstance(value, float) or hasattr(value, "denominator"):
        try:
            number = float(value)
        except (ZeroDivisionError, ValueError, OverflowError, TypeError):
            return "undefined"
        if math.isnan(number) or math.isinf(number):
            return "undefined"
        return f"{number:g}"
    return format_value(str(value)) if not isinstance(value, int) else str(value)


def flatten(tree: list[dict[str, Any]], limit: int = 5000) -> list[tuple[str, str]]:
    """(path, value) rows for every node with a value; the path joins names with " / "."""
    rows: list[tuple[str, str]] = []

    def walk(nodes: list[dict[str, Any]], prefix: str) -> None:
        for item in nodes:
            if len(rows) >= limit:
                return
            path = f"{prefix} / {item['name']}" if prefix else item["name"]
            if item["value"]:
                rows.append((path, item["value"]))
            walk(item["children"], path)

    walk(tree, "")
    return rows


def find_values(tree: list[dict[str, Any]], name: str) -> list[str]:
    """Values of every node called ``name`` anywhere in the tree."""
    found: list[str] = []
    stack = list(tree)
    while stack:
        item = stack.pop()
        if item["name"] == name and item["value"]:
            found.append(item["value"])
        stack.extend(item["children"])
    return found
