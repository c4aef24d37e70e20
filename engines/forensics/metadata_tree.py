"""All embedded metadata (EXIF, GPS, maker notes, XMP, IPTC, ICC, JPEG tables) as a searchable tree."""

from __future__ import annotations

from typing import Any

from engines.findings import Finding
from engines.forensics.registry import Analysis, Subject, register
from engines.media.metadata import read_metadata
from engines.runtime.jobs import JobContext

VERSION = "1.0"
MAX_TABLE_ROWS = 2000


def _sections(tree: list[dict[str, Any]]) -> list[str]:
    return [n["name"] for n in tree if n["name"] != "File"]


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    assert subject.path is not None  # guaranteed by needs_file
    ctx.progress(0.1, "reading metadata")
    report = read_metadata(subject.path)
    ctx.progress(0.8, "building tree")
    rows = report.rows()
    sections = _sections(report.tree)
    parts = [f"{len(rows)} metadata fields"]
    parts.append(f"sections: {', '.join(sections)}" if sections else "no embedded metadata")
    for key in ("Make", "Model", "Software", "DateTimeOriginal"):
        if key in report.exif.fields:
            parts.append(f"{key} {report.exif.fields[key]}")
    gps = None
    if report.gps is not None:
        gps = {"latitude": report.gps.latitude, "longitude": report.gps.longitude, "altitude": report.gps.altitude}
        parts.append(f"GPS {report.gps.latitude:.6f}, {report.gps.longitude:.6f}")
    if report.warnings:
        parts.append(f"{len(report.warnings)} unreadable part(s)")
    table = [("Warning", w) for w in report.warnings] + rows[:MAX_TABLE_ROWS]
    details = {
        "tree": report.tree,
        "format": report.format,
        "gps": gps,
        "warnings": list(report.warnings),
        "sections": sections,
        "truncated_rows": max(0, len(rows) - MAX_TABLE_ROWS),
    }
    return Finding(
        engine="metadata",
        version=VERSION,
        params=dict(params),
        summary="; ".join(parts) + ".",
        table=tuple(table),
        details=details,
    )


ANALYSIS = register(
    Analysis(
        id="metadata",
        group="Metadata",
        title="Metadata",
        how_to_read=(
            "Everything the file says about itself: EXIF (camera, exposure, dates, GPS position in decimal "
            "degrees, maker notes), XMP (editing history, creator tool), IPTC (caption, credit, keywords), "
            "the ICC colour profile and the JPEG quantization tables. Metadata is easy to edit or strip, so it "
            "supports a story but never proves one; look for fields that contradict each other or the pixels."
        ),
        params=(),
        output="table",
        run=_run,
        version=VERSION,
        needs_file=True,
    )
)
