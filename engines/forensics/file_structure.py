"""File structure: real type vs extension, JPEG segment list / PNG chunk list, trailing bytes, embedded JPEGs."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from engines.findings import Finding
from engines.forensics.registry import Analysis, Subject, register
from engines.media.jpeg_structure import EmbeddedJpeg, find_embedded_jpegs, walk_jpeg
from engines.media.png_structure import walk_png
from engines.media.sniff import extension_matches, sniff_format
from engines.runtime.jobs import JobContext

VERSION = "1.0"
MAX_STRUCTURE_BYTES = 1024**3
_MAX_ROWS = 400


def _trailing_verdict(trailing: int, after_eoi: list[EmbeddedJpeg], has_mpf: bool) -> tuple[float, str]:
    """Score and reason for bytes after the end of the main image."""
    explained = sum(e.length for e in after_eoi)
    if trailing <= 0:
        return 0.0, ""
    if explained >= trailing - 16 and after_eoi:
        if has_mpf:
            return 0.1, f"{trailing:,} bytes after EOI hold {len(after_eoi)} MPF image(s) (normal for many cameras)"
        return 0.4, f"{trailing:,} bytes after EOI hold {len(after_eoi)} appended JPEG image(s) not declared by MPF"
    return 0.6, f"{trailing:,} bytes after the end of the image are not part of it (appended data)"


def describe_jpeg(data: bytes) -> dict[str, Any]:
    """Segments, trailing bytes, embedded JPEGs and a (score, reasons) verdict for JPEG bytes."""
    main = walk_jpeg(data)
    embedded = find_embedded_jpegs(data, main)
    trailing = None if main.end is None else len(data) - main.end
    reasons: list[str] = []
    score = 0.0
    if trailing:
        has_mpf = bool(main.app_segments("MPF"))
        score, reason = _trailing_verdict(trailing, [e for e in embedded if e.location == "after EOI"], has_mpf)
        reasons.append(reason)
    if main.warnings:
        score = max(score, 0.3)
        reasons.extend(main.warnings)
    segments = [
        {
            "offset": s.offset,
            "marker": s.name,
            "length": s.length,
            "identifier": s.identifier,
            "scan_bytes": s.scan_bytes,
        }
        for s in main.segments
    ]
    return {
        "segments": segments,
        "trailing_bytes": trailing,
        "embedded": [dataclasses.asdict(e) for e in embedded],
        "width": main.width,
        "height": main.height,
        "warnings": list(main.warnings),
        "score": score,
        "reasons": reasons,
    }


def describe_png(data: bytes) -> dict[str, Any]:
    """Chunks, trailing bytes and a verdict for PNG bytes."""
    png = walk_png(data)
    trailing = None if png.end is None else len(data) - png.end
    reasons: list[str] = []
    score = 0.0
    if trailing:
        score = 0.6
        reasons.append(f"{trailing:,} bytes after the IEND chunk are not part of the image (appended data)")
    if png.warnings:
        score = max(score, 0.3)
        reasons.extend(png.warnings)
    chunks = [{"offset": c.offset, "type": c.type, "length": c.length, "crc_ok": c.crc_ok} for c in png.chunks]
    return {
        "chunks": chunks,
        "trailing_bytes": trailing,
        "warnings": list(png.warnings),
        "score": score,
        "reasons": reasons,
    }


def _rows(info: dict[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for seg in info.get("segments", []):
        text = f"length {seg['length']}" if seg["length"] else "standalone"
        if seg["identifier"]:
            text += f", {seg['identifier']}"
        if seg["scan_bytes"]:
            text += f", {seg['scan_bytes']:,} bytes of scan data"
        rows.append((f"@{seg['offset']} {seg['marker']}", text))
    for chunk in info.get("chunks", []):
        rows.append(
            (
                f"@{chunk['offset']} {chunk['type']}",
                f"{chunk['length']} bytes" + ("" if chunk["crc_ok"] else ", bad CRC"),
            )
        )
    for emb in info.get("embedded", []):
        size = f"{emb['width']}×{emb['height']}" if emb["width"] else "?"
        rows.append((f"Embedded JPEG @{emb['offset']}", f"{size}, {emb['length']:,} bytes, {emb['location']}"))
    return rows[:_MAX_ROWS]


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    path: Path = subject.path  # type: ignore[assignment]  # needs_file guarantees a path
    ctx.progress(0.1, "reading file")
    size = path.stat().st_size
    with open(path, "rb") as fh:
        data = fh.read(MAX_STRUCTURE_BYTES)
    fmt = sniff_format(data[:64])
    ext_ok = fmt is not None and extension_matches(fmt, path.suffix)
    ctx.progress(0.4, "walking structure")
    info: dict[str, Any] = {"score": 0.0, "reasons": []}
    if fmt == "jpeg":
        info = describe_jpeg(data)
    elif fmt == "png":
        info = describe_png(data)
    score = float(info["score"])
    reasons = list(info["reasons"])
    if fmt is None:
        reasons.insert(0, "file type not recognised from its content")
        score = max(score, 0.3)
    elif not ext_ok:
        reasons.insert(0, f"content is {fmt.upper()} but the extension is '{path.suffix or '(none)'}'")
        score = max(score, 0.5)
    if size > len(data):
        reasons.append(f"only the first {len(data):,} bytes were examined")
    table = [
        ("Detected type", fmt or "unknown"),
        ("Extension", f"{path.suffix or '(none)'} — {'matches' if ext_ok else 'does not match'} the content"),
        ("File size", f"{size:,} bytes"),
    ]
    if "trailing_bytes" in info:
        trailing = info["trailing_bytes"]
        label = "Bytes after EOI" if fmt == "jpeg" else "Bytes after IEND"
        table.append((label, "unknown (no end marker)" if trailing is None else f"{trailing:,}"))
    if fmt == "jpeg":
        table.append(("Embedded JPEG images", str(len(info["embedded"]))))
    table.extend(("Finding", r) for r in reasons)
    table.extend(_rows(info))
    summary = "; ".join(reasons) if reasons else f"{(fmt or 'unknown').upper()} structure is unremarkable."
    details = {"format": fmt, "extension": path.suffix, "extension_ok": ext_ok, "size": size, **info}
    return Finding(
        engine="file_structure",
        version=VERSION,
        params=dict(params),
        summary=summary,
        score=score,
        table=tuple(table),
        details=details,
    )


ANALYSIS = register(
    Analysis(
        id="file_structure",
        group="File",
        title="File structure",
        how_to_read=(
            "Lists the file's building blocks: for JPEG every marker segment with its offset, length and "
            "APPn signature (Exif, XMP, ICC_PROFILE, Photoshop 3.0, MPF…), for PNG every chunk. Editors leave "
            "typical segments (e.g. Photoshop 3.0 blocks, Adobe APP14). Data after the end-of-image marker is "
            "flagged: multi-picture (MPF) previews from cameras are normal, anything else may be appended or "
            "hidden content. A type that does not match the extension means the file was renamed."
        ),
        params=(),
        output="table",
        run=_run,
        version=VERSION,
        needs_file=True,
    )
)
