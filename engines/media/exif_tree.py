"""EXIF (TIFF IFDs) → metadata tree: IFD0, Exif, GPS, Interop, MakerNote, IFD1 thumbnail; GPS to decimal degrees."""

from __future__ import annotations

import dataclasses
import io
import warnings
from typing import Any

from PIL import ExifTags, Image

from engines.media.meta_nodes import PARSE_ERRORS, format_value, node

MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024
_INTEROP_NAMES = {1: "InteropIndex", 2: "InteropVersion", 0x1001: "RelatedImageWidth", 0x1002: "RelatedImageHeight"}
_MAKER_SIGNATURES = (
    (b"Nikon", "Nikon"),
    (b"OLYMPUS", "Olympus"),
    (b"OM SYSTEM", "OM System"),
    (b"FUJIFILM", "Fujifilm"),
    (b"Panasonic", "Panasonic"),
    (b"SONY", "Sony"),
    (b"Apple iOS", "Apple"),
    (b"PENTAX", "Pentax"),
    (b"AOC\x00", "Pentax"),
    (b"LEICA", "Leica"),
    (b"SIGMA", "Sigma"),
    (b"Ricoh", "Ricoh"),
    (b"SAMSUNG", "Samsung"),
    (b"Nintendo", "Nintendo"),
)


@dataclasses.dataclass(frozen=True)
class GpsFix:
    latitude: float
    longitude: float
    altitude: float | None = None


@dataclasses.dataclass
class ExifData:
    """Parsed EXIF: ``tree`` nodes (one per IFD), ``fields`` tag name → text, GPS fix, thumbnail JPEG bytes."""

    tree: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    fields: dict[str, str] = dataclasses.field(default_factory=dict)
    gps: GpsFix | None = None
    thumbnail: bytes | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)


def _tag_name(tag: int, names: dict[int, str]) -> str:
    return names.get(tag) or f"Tag 0x{tag:04X}"


def _rational(value: Any) -> float:
    number = float(value)
    if number != number:  # NaN from a zero denominator
        raise ValueError("zero denominator")
    return number


def dms_to_decimal(dms: Any, ref: Any) -> float:
    """Degrees/minutes/seconds rationals plus an N/S/E/W reference → signed decimal degrees."""
    parts = tuple(dms) if isinstance(dms, (tuple, list)) else (dms,)
    if not 1 <= len(parts) <= 3:
        raise ValueError("GPS coordinate needs 1 to 3 values")
    degrees = sum(_rational(v) / 60.0**i for i, v in enumerate(parts))
    ref_text = ref.decode("latin-1") if isinstance(ref, bytes) else str(ref)
    ref_text = ref_text.strip("\x00 ").upper()
    return -degrees if ref_text in ("S", "W") else degrees


def gps_fix(gps: dict[int, Any]) -> GpsFix | None:
    """Decimal position from a GPS IFD (tags 1–4, optional altitude 5/6); None when no position is stored."""
    if 2 not in gps or 4 not in gps:
        return None
    lat = dms_to_decimal(gps[2], gps.get(1, "N"))
    lon = dms_to_decimal(gps[4], gps.get(3, "E"))
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"GPS position {lat:.6f}, {lon:.6f} is out of range")
    altitude = None
    if 6 in gps:
        altitude = _rational(gps[6])
        ref = gps.get(5, 0)
        below = ref in (1, b"\x01") or (isinstance(ref, bytes) and ref[:1] == b"\x01")
        altitude = -altitude if below else altitude
    return GpsFix(lat, lon, altitude)


def _ifd_nodes(ifd: dict[int, Any], names: dict[int, str], data: ExifData, skip: set[int]) -> list[dict[str, Any]]:
    nodes = []
    for tag in sorted(ifd):
        if tag in skip:
            continue
        name = _tag_name(tag, names)
        text = format_value(ifd[tag])
        nodes.append(node(name, text))
        data.fields.setdefault(name, text)
    return nodes


def maker_note_signature(raw: bytes) -> str:
    """Maker-note family from its leading signature ("" when it has none, e.g. Canon)."""
    for prefix, maker in _MAKER_SIGNATURES:
        if raw.startswith(prefix):
            return maker
    return ""


def _section(data: ExifData, label: str, fn: Any) -> Any:
    try:
        return fn()
    except PARSE_ERRORS as exc:
        data.warnings.append(f"EXIF {label}: unreadable ({type(exc).__name__}: {exc})"[:300])
        return None


def _thumbnail(ifd1: dict[int, Any], tiff: bytes) -> bytes | None:
    offset, length = ifd1.get(0x0201), ifd1.get(0x0202)
    if not isinstance(offset, int) or not isinstance(length, int):
        return None
    if length <= 0 or length > MAX_THUMBNAIL_BYTES or offset < 0 or offset + length > len(tiff):
        raise ValueError(f"thumbnail offset {offset} / length {length} lie outside the EXIF block")
    blob = tiff[offset : offset + length]
    if not blob.startswith(b"\xff\xd8"):
        raise ValueError("IFD1 thumbnail is not a JPEG")
    return blob


def read_exif(exif: Image.Exif, tiff: bytes | None = None) -> ExifData:
    """Walk a Pillow ``Exif`` object; ``tiff`` (raw TIFF bytes) lets the IFD1 thumbnail be cut out.

    Pillow's "corrupt EXIF" warnings are collected into ``warnings`` instead of being printed.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = _read_exif(exif, tiff)
    data.warnings.extend(f"EXIF: {w.message}"[:300] for w in caught)
    return data


def _read_exif(exif: Image.Exif, tiff: bytes | None) -> ExifData:
    data = ExifData()
    pointers = {int(ExifTags.IFD.Exif), int(ExifTags.IFD.GPSInfo), int(ExifTags.IFD.Interop)}
    base = _section(data, "IFD0", lambda: dict(exif.items()))
    if base is None:
        return data
    data.tree.append(node("IFD0", "", _ifd_nodes(base, ExifTags.TAGS, data, pointers)))
    sub = _section(data, "Exif IFD", lambda: exif.get_ifd(ExifTags.IFD.Exif)) or {}
    if sub:
        maker = sub.get(0x927C)
        data.tree.append(node("Exif", "", _ifd_nodes(sub, ExifTags.TAGS, data, pointers | {0x927C})))
        if isinstance(maker, bytes):
            data.tree.append(_maker_node(exif, maker, data))
    gps = _section(data, "GPS IFD", lambda: exif.get_ifd(ExifTags.IFD.GPSInfo)) or {}
    if gps:
        children = _ifd_nodes(gps, ExifTags.GPSTAGS, data, set())
        fix = _section(data, "GPS position", lambda: gps_fix(gps))
        if fix is not None:
            data.gps = fix
            children.insert(0, node("Position (decimal)", f"{fix.latitude:.6f}, {fix.longitude:.6f}"))
            if fix.altitude is not None:
                children.insert(1, node("Altitude (m)", f"{fix.altitude:g}"))
        data.tree.append(node("GPS", "", children))
    interop = _section(data, "Interop IFD", lambda: exif.get_ifd(ExifTags.IFD.Interop)) or {}
    if interop:
        data.tree.append(node("Interop", "", _ifd_nodes(interop, _INTEROP_NAMES, data, set())))
    ifd1 = _section(data, "IFD1", lambda: exif.get_ifd(ExifTags.IFD.IFD1)) or {}
    if ifd1:
        children = [node(_tag_name(t, ExifTags.TAGS), format_value(v)) for t, v in sorted(ifd1.items())]
        if tiff is not None:
            data.thumbnail = _section(data, "thumbnail", lambda: _thumbnail(ifd1, tiff))
            if data.thumbnail is not None:
                children.insert(0, node("Thumbnail", f"JPEG, {len(data.thumbnail)} bytes"))
        data.tree.append(node("IFD1 (thumbnail)", "", children))
    return data


def _maker_node(exif: Image.Exif, raw: bytes, data: ExifData) -> dict[str, Any]:
    maker = maker_note_signature(raw)
    label = f"{len(raw)} bytes" + (f", {maker} format" if maker else "")
    parsed = _section(data, "MakerNote", lambda: exif.get_ifd(ExifTags.IFD.MakerNote)) or {}
    children = [node(f"Tag 0x{t:04X}", format_value(v)) for t, v in sorted(parsed.items())][:500]
    return node("MakerNote", label, children)


def read_exif_bytes(raw: bytes) -> ExifData:
    """Parse a raw EXIF block (TIFF bytes, with or without the "Exif\\0\\0" prefix); never raises."""
    tiff = raw[6:] if raw.startswith(b"Exif\x00\x00") else raw
    exif = Image.Exif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exif.load(tiff)
    except PARSE_ERRORS as exc:
        return ExifData(warnings=[f"EXIF: unreadable ({type(exc).__name__}: {exc})"[:300]])
    return read_exif(exif, tiff)


def thumbnail_image(blob: bytes) -> Image.Image:
    """Decode thumbnail JPEG bytes to an RGB Pillow image (raises on bad data)."""
    with Image.open(io.BytesIO(blob)) as im:
        if im.width * im.height > 4_000_000:
            raise ValueError("thumbnail is implausibly large")
        return im.convert("RGB")
