"""Photoshop image resource blocks (APP13 "Photoshop 3.0") and the IPTC-IIM records inside them."""

from __future__ import annotations

import dataclasses
from typing import Any

from engines.media.meta_nodes import format_value, node

_MAX_RESOURCES = 4096
_MAX_DATASETS = 4096

DATASET_NAMES = {
    (1, 0): "EnvelopeRecordVersion",
    (1, 90): "CodedCharacterSet",
    (2, 0): "ApplicationRecordVersion",
    (2, 5): "ObjectName",
    (2, 7): "EditStatus",
    (2, 10): "Urgency",
    (2, 15): "Category",
    (2, 20): "SupplementalCategories",
    (2, 25): "Keywords",
    (2, 40): "SpecialInstructions",
    (2, 55): "DateCreated",
    (2, 60): "TimeCreated",
    (2, 62): "DigitalCreationDate",
    (2, 63): "DigitalCreationTime",
    (2, 65): "OriginatingProgram",
    (2, 70): "ProgramVersion",
    (2, 80): "By-line",
    (2, 85): "By-lineTitle",
    (2, 90): "City",
    (2, 92): "Sub-location",
    (2, 95): "Province-State",
    (2, 100): "Country-PrimaryLocationCode",
    (2, 101): "Country-PrimaryLocationName",
    (2, 103): "OriginalTransmissionReference",
    (2, 105): "Headline",
    (2, 110): "Credit",
    (2, 115): "Source",
    (2, 116): "CopyrightNotice",
    (2, 118): "Contact",
    (2, 120): "Caption-Abstract",
    (2, 122): "Writer-Editor",
}

RESOURCE_NAMES = {
    0x03ED: "ResolutionInfo",
    0x0404: "IPTC-NAA",
    0x0409: "PhotoshopThumbnail (old)",
    0x040C: "PhotoshopThumbnail",
    0x040F: "ICC profile",
    0x0422: "EXIF data 1",
    0x0424: "XMP",
    0x0425: "IPTC digest",
}


@dataclasses.dataclass(frozen=True)
class Resource:
    resource_id: int
    name: str
    data: bytes


def parse_photoshop_resources(payload: bytes) -> list[Resource]:
    """8BIM resources of an APP13 payload (with or without its "Photoshop 3.0\\0" signature)."""
    if payload.startswith(b"Photoshop 3.0\x00"):
        payload = payload[14:]
    out: list[Resource] = []
    pos = 0
    while pos + 12 <= len(payload) and len(out) < _MAX_RESOURCES:
        if payload[pos : pos + 4] != b"8BIM":
            break
        rid = int.from_bytes(payload[pos + 4 : pos + 6], "big")
        name_len = payload[pos + 6]
        name_field = 1 + name_len
        name_field += name_field & 1
        name = payload[pos + 7 : pos + 7 + name_len].decode("latin-1")
        size_at = pos + 6 + name_field
        if size_at + 4 > len(payload):
            break
        size = int.from_bytes(payload[size_at : size_at + 4], "big")
        data = payload[size_at + 4 : size_at + 4 + size]
        out.append(Resource(rid, name, data))
        pos = size_at + 4 + size + (size & 1)
    return out


def parse_iim(data: bytes) -> dict[tuple[int, int], list[bytes]]:
    """IPTC-IIM datasets: (record, dataset) → list of raw values (repeatable datasets keep every value)."""
    out: dict[tuple[int, int], list[bytes]] = {}
    pos = 0
    count = 0
    while pos + 5 <= len(data) and count < _MAX_DATASETS:
        if data[pos] != 0x1C:
            break
        record, dataset = data[pos + 1], data[pos + 2]
        size = int.from_bytes(data[pos + 3 : pos + 5], "big")
        if size & 0x8000:  # extended dataset length: not used for text fields, stop here
            break
        out.setdefault((record, dataset), []).append(data[pos + 5 : pos + 5 + size])
        pos += 5 + size
        count += 1
    return out


def _text(raw: bytes) -> str:
    try:
        return format_value(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return format_value(raw.decode("latin-1"))


def iptc_nodes(datasets: dict[tuple[int, int], Any]) -> list[dict[str, Any]]:
    """Tree nodes for IPTC datasets (values may be bytes or lists of bytes, as Pillow returns them)."""
    nodes = []
    for key in sorted(datasets):
        values = datasets[key]
        values = values if isinstance(values, list) else [values]
        name = DATASET_NAMES.get(key, f"{key[0]}:{key[1]:03d}")
        texts = [_text(v) if isinstance(v, bytes) else format_value(v) for v in values]
        if len(texts) == 1:
            nodes.append(node(name, texts[0]))
        else:
            nodes.append(node(name, "; ".join(texts), [node(f"[{i}]", t) for i, t in enumerate(texts, 1)]))
    return nodes


def resource_nodes(resources: list[Resource]) -> list[dict[str, Any]]:
    """One node per Photoshop resource (id, name, size)."""
    return [
        node(RESOURCE_NAMES.get(r.resource_id, f"Resource 0x{r.resource_id:04X}"), f"{len(r.data)} bytes")
        for r in resources
    ]
