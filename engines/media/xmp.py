"""XMP packets (RDF/XML) → metadata tree nodes with namespace prefixes (e.g. "xmp:CreatorTool")."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from typing import Any

from engines.media.meta_nodes import node

MAX_XMP_BYTES = 4 * 1024 * 1024
_MAX_DEPTH = 32
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_WRAPPERS = {"x:xmpmeta", "x:xapmeta", "rdf:RDF", "rdf:Description"}
_CONTAINERS = {"rdf:Seq", "rdf:Bag", "rdf:Alt"}
_KNOWN_PREFIXES = {
    _RDF: "rdf",
    "adobe:ns:meta/": "x",
    "http://www.w3.org/XML/1998/namespace": "xml",
}


def packet_text(raw: bytes) -> str:
    """The XML part of an XMP packet as text (decoded, trimmed to the outermost tags)."""
    if raw.startswith((b"\xfe\xff", b"\xff\xfe")):
        text = raw.decode("utf-16", errors="replace")
    else:
        text = raw.decode("utf-8", errors="replace")
    start, end = text.find("<"), text.rfind(">")
    return text[start : end + 1] if 0 <= start < end else ""


def _prefixes(text: str) -> dict[str, str]:
    mapping = dict(_KNOWN_PREFIXES)
    for _event, (prefix, uri) in ET.iterparse(io.StringIO(text), events=("start-ns",)):
        mapping.setdefault(uri, prefix or "ns")
    return mapping


def _qname(tag: str, prefixes: dict[str, str]) -> str:
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        prefix = prefixes.get(uri)
        return f"{prefix}:{local}" if prefix else local
    return tag


def _attributes(elem: ET.Element, prefixes: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for key, value in elem.attrib.items():
        name = _qname(key, prefixes)
        if name in ("rdf:about", "rdf:parseType"):
            continue
        out.append(node(name, value.strip()))
    return out


def _convert(elem: ET.Element, prefixes: dict[str, str], depth: int) -> list[dict[str, Any]]:
    if depth > _MAX_DEPTH:
        return [node("…", "nesting too deep")]
    name = _qname(elem.tag, prefixes)
    if name in _WRAPPERS:
        nodes = _attributes(elem, prefixes)
        for child in elem:
            nodes.extend(_convert(child, prefixes, depth + 1))
        return nodes
    if name in _CONTAINERS:
        items = []
        for index, li in enumerate(elem, start=1):
            lang = li.attrib.get("{http://www.w3.org/XML/1998/namespace}lang")
            label = f"[{index}]" if lang is None else f"[{lang}]"
            children = _attributes(li, prefixes)
            children = [c for c in children if c["name"] != "xml:lang"]
            for grandchild in li:
                children.extend(_convert(grandchild, prefixes, depth + 2))
            items.append(node(label, (li.text or "").strip(), children))
        return items
    children = _attributes(elem, prefixes)
    for child in elem:
        children.extend(_convert(child, prefixes, depth + 1))
    return [node(name, (elem.text or "").strip(), children)]


def parse_xmp(raw: bytes) -> list[dict[str, Any]]:
    """Tree nodes for the properties of an XMP packet. Raises ``ET.ParseError``/``ValueError`` on bad XML."""
    if len(raw) > MAX_XMP_BYTES:
        raise ValueError(f"XMP packet of {len(raw):,} bytes is above the {MAX_XMP_BYTES:,}-byte limit")
    text = packet_text(raw)
    if not text:
        raise ValueError("no XML in the XMP packet")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise ValueError("XMP packet declares a DOCTYPE/ENTITY (not allowed in XMP); not parsed")
    prefixes = _prefixes(text)
    root = ET.fromstring(text)
    return _convert(root, prefixes, 0)
