"""Read every kind of still-image metadata from a file into one tree: EXIF, XMP, IPTC, ICC, JPEG tables.

JPEG files are read segment by segment (our own walker), other formats through Pillow. Nothing here
raises on malformed metadata: each section that cannot be read becomes a warning.
"""

from __future__ import annotations

import dataclasses
import io
import warnings as _warnings
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms, IptcImagePlugin

import engines.media.pillow_source  # noqa: F401  (registers the HEIF/AVIF opener with Pillow)
from engines.media.exif_tree import ExifData, GpsFix, read_exif, read_exif_bytes
from engines.media.iptc import iptc_nodes, parse_iim, parse_photoshop_resources, resource_nodes
from engines.media.jpeg_structure import JpegStructure, walk_jpeg
from engines.media.meta_nodes import PARSE_ERRORS, find_values, flatten, node
from engines.media.sniff import sniff_format
from engines.media.xmp import parse_xmp

MAX_METADATA_FILE_BYTES = 1024**3
_XMP_SIGNATURE = b"http://ns.adobe.com/xap/1.0/\x00"


@dataclasses.dataclass
class MetadataReport:
    """All metadata of one file. ``tree`` is a list of JSON-able {"name", "value", "children"} nodes."""

    format: str | None
    tree: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    exif: ExifData = dataclasses.field(default_factory=ExifData)
    xmp_tree: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    icc_description: str | None = None
    quantization: dict[int, list[int]] | None = None
    photoshop_resources: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)

    @property
    def has_exif(self) -> bool:
        return bool(self.exif.fields)

    @property
    def gps(self) -> GpsFix | None:
        return self.exif.gps

    @property
    def thumbnail(self) -> bytes | None:
        return self.exif.thumbnail

    def rows(self) -> list[tuple[str, str]]:
        """Flattened (path, value) rows of the whole tree."""
        return flatten(self.tree)

    def xmp_values(self, name: str) -> list[str]:
        """Values of an XMP property by prefixed name (e.g. "xmp:CreatorTool", "stEvt:softwareAgent")."""
        return find_values(self.xmp_tree, name)


@dataclasses.dataclass
class _Raw:
    exif: bytes | None = None
    xmp: bytes | None = None
    icc: bytes | None = None
    photoshop: bytes | None = None


def _jpeg_raw(data: bytes, structure: JpegStructure) -> _Raw:
    raw = _Raw()
    icc_chunks: list[tuple[int, bytes]] = []
    for seg in structure.app_segments():
        payload = data[seg.payload_start : seg.end]
        if seg.name == "APP1" and seg.identifier == "Exif" and raw.exif is None:
            raw.exif = payload
        elif seg.name == "APP1" and payload.startswith(_XMP_SIGNATURE) and raw.xmp is None:
            raw.xmp = payload[len(_XMP_SIGNATURE) :]
        elif seg.name == "APP2" and seg.identifier == "ICC_PROFILE" and len(payload) >= 14:
            icc_chunks.append((payload[12], payload[14:]))
        elif seg.name == "APP13" and seg.identifier == "Photoshop 3.0":
            raw.photoshop = (raw.photoshop or b"") + payload[14:]
    if icc_chunks:
        raw.icc = b"".join(chunk for _, chunk in sorted(icc_chunks, key=lambda c: c[0]))
    return raw


def icc_nodes(icc: bytes) -> tuple[list[dict[str, Any]], str | None]:
    """Header fields of an ICC profile and its description (raises on a profile LittleCMS rejects)."""
    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile
    fields = [
        ("Description", profile.profile_description),
        ("Manufacturer", profile.manufacturer),
        ("Model", profile.model),
        ("Copyright", profile.copyright),
        ("Device class", profile.device_class),
        ("Colour space", profile.xcolor_space),
        ("Connection space", profile.connection_space),
        ("Version", profile.version),
    ]
    nodes = [node("Size", f"{len(icc)} bytes")]
    nodes += [node(name, str(value).strip()) for name, value in fields if value not in (None, "")]
    return nodes, (profile.profile_description or None)


def _guard(report: MetadataReport, label: str, fn: Any) -> Any:
    try:
        return fn()
    except (*PARSE_ERRORS, ImageCms.PyCMSError) as exc:
        report.warnings.append(f"{label}: unreadable ({type(exc).__name__}: {exc})"[:300])
        return None


def _pillow_raw(path: Path, report: MetadataReport) -> tuple[_Raw, Any, dict[int, list[int]] | None]:
    """Raw blocks via Pillow for non-JPEG formats (and JPEG quantization tables)."""
    raw = _Raw()
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        with Image.open(path) as im:
            info = im.info
            raw.icc = info.get("icc_profile") or None
            xmp = info.get("xmp") or info.get("XML:com.adobe.xmp")
            raw.xmp = xmp.encode("utf-8") if isinstance(xmp, str) else xmp
            exif_obj = None
            if report.format == "tiff":
                exif_obj = im.getexif()
            elif isinstance(info.get("exif"), bytes):
                raw.exif = info["exif"]
            else:
                exif_obj = im.getexif()
            iptc = _guard(report, "IPTC", lambda: IptcImagePlugin.getiptcinfo(im)) if report.format == "tiff" else None
            quant = getattr(im, "quantization", None)
            quant = {int(k): list(v) for k, v in quant.items()} if quant else None
    if iptc:
        report.tree.append(node("IPTC", "", iptc_nodes(iptc)))
    return raw, exif_obj, quant


def read_metadata(path: str | Path) -> MetadataReport:
    """Metadata tree of a file; every unreadable part is reported in ``warnings`` instead of raising."""
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fmt = sniff_format(fh.read(64))
    report = MetadataReport(format=fmt)
    report.tree.append(node("File", "", [node("Format", fmt or "unknown"), node("Size", f"{size} bytes")]))
    exif_obj = None
    if fmt == "jpeg":
        with open(path, "rb") as fh:
            data = fh.read(MAX_METADATA_FILE_BYTES)
        structure = walk_jpeg(data)
        raw = _jpeg_raw(data, structure)
        pil = _guard(report, "Pillow", lambda: _pillow_raw(path, report))
        report.quantization = pil[2] if pil else None
    else:
        pil = _guard(report, "Pillow", lambda: _pillow_raw(path, report))
        raw, exif_obj = (pil[0], pil[1]) if pil else (_Raw(), None)
    if raw.exif is not None:
        report.exif = read_exif_bytes(raw.exif)
    elif exif_obj is not None:
        report.exif = _guard(report, "EXIF", lambda: read_exif(exif_obj)) or ExifData()
    report.warnings.extend(report.exif.warnings)
    if report.exif.tree:
        report.tree.append(node("EXIF", "", report.exif.tree))
    if raw.xmp:
        report.xmp_tree = _guard(report, "XMP", lambda: parse_xmp(raw.xmp)) or []
        report.tree.append(node("XMP", f"{len(raw.xmp)} bytes", report.xmp_tree))
    if raw.photoshop:
        _add_photoshop(report, raw.photoshop)
    if raw.icc:
        icc = _guard(report, "ICC profile", lambda: icc_nodes(raw.icc))
        children, report.icc_description = icc if icc else ([node("Size", f"{len(raw.icc)} bytes")], None)
        report.tree.append(node("ICC profile", report.icc_description or "", children))
    if report.quantization:
        report.tree.append(_quant_node(report.quantization))
    return report


def _add_photoshop(report: MetadataReport, payload: bytes) -> None:
    resources = _guard(report, "Photoshop resources", lambda: parse_photoshop_resources(payload)) or []
    report.photoshop_resources = [n["name"] for n in resource_nodes(resources)]
    report.tree.append(node("Photoshop", "", resource_nodes(resources)))
    for res in resources:
        if res.resource_id == 0x0404:
            datasets = _guard(report, "IPTC", lambda data=res.data: parse_iim(data)) or {}
            if datasets:
                report.tree.append(node("IPTC", "", iptc_nodes(datasets)))
            break


def _quant_node(tables: dict[int, list[int]]) -> dict[str, Any]:
    children = []
    for index, table in sorted(tables.items()):
        children.append(node(f"Table {index}", " ".join(str(v) for v in table)))
    return node("JPEG quantization", f"{len(tables)} table(s)", children)
