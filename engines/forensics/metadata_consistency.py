"""Metadata consistency checks: dates, editing-software traces, standard JPEG tables on camera files, missing EXIF."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any

from engines.findings import Finding
from engines.forensics.registry import Analysis, Subject, register
from engines.media.jpeg_quant import ijg_quality
from engines.media.metadata import MetadataReport, read_metadata
from engines.runtime.jobs import JobContext

VERSION = "1.0"
CAMERA_FORMATS = {"jpeg", "heif", "tiff"}
EDITOR_PATTERNS = (
    "photoshop",
    "lightroom",
    "adobe",
    "gimp",
    "snapseed",
    "affinity",
    "pixelmator",
    "paint.net",
    "paintshop",
    "picsart",
    "facetune",
    "faceapp",
    "canva",
    "luminar",
    "capture one",
    "darktable",
    "rawtherapee",
    "photoscape",
    "fotor",
    "pixlr",
    "photopea",
    "meitu",
    "airbrush",
    "acdsee",
    "corel",
    "imagemagick",
    "remini",
    "midjourney",
    "stable diffusion",
    "dall-e",
    "dall·e",
    "firefly",
)
_EDITOR_RE = re.compile("|".join(re.escape(p) for p in EDITOR_PATTERNS), re.IGNORECASE)
WEIGHTS = {"Dates": 0.35, "Editing software": 0.5, "JPEG tables": 0.4, "EXIF presence": 0.3}
SAME_TIME = dt.timedelta(seconds=2)
MODIFY_SLACK = dt.timedelta(seconds=60)
MTIME_SLACK = dt.timedelta(hours=26)  # EXIF times are local with unknown zone; mtime is UTC


@dataclasses.dataclass(frozen=True)
class Check:
    """One check: ``status`` is "OK", "warning" or "n/a"; ``weight`` in [0, 1] scales a warning."""

    name: str
    status: str
    reason: str
    weight: float = 0.0


def parse_exif_datetime(text: str) -> dt.datetime:
    """Parse "YYYY:MM:DD HH:MM:SS" (also with "-" or "T"); raises ValueError on anything else."""
    cleaned = text.strip().replace("T", " ")
    match = re.fullmatch(
        r"(\d{4})[:-](\d{2})[:-](\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?", cleaned
    )
    if not match:
        raise ValueError(f"not an EXIF date/time: {text!r}")
    return dt.datetime(*(int(g) for g in match.groups()))


def _gap(a: dt.datetime, b: dt.datetime) -> str:
    seconds = abs((a - b).total_seconds())
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def check_dates(fields: dict[str, str], mtime: dt.datetime | None) -> Check:
    """DateTimeOriginal vs DateTimeDigitized vs ModifyDate (EXIF DateTime) vs the file's modification time."""
    name = "Dates"
    parsed: dict[str, dt.datetime] = {}
    problems: list[str] = []
    for key in ("DateTimeOriginal", "DateTimeDigitized", "DateTime"):
        if fields.get(key):
            try:
                parsed[key] = parse_exif_datetime(fields[key])
            except ValueError:
                problems.append(f"{key} '{fields[key]}' is not a valid date")
    if not parsed and not problems:
        return Check(name, "n/a", "no EXIF dates to compare")
    original, digitized, modified = (parsed.get(k) for k in ("DateTimeOriginal", "DateTimeDigitized", "DateTime"))
    if original and digitized and abs(original - digitized) > SAME_TIME:
        problems.append(f"DateTimeOriginal and DateTimeDigitized differ by {_gap(original, digitized)}")
    if original and modified:
        if modified - original > MODIFY_SLACK:
            problems.append(f"ModifyDate is {_gap(modified, original)} after DateTimeOriginal (saved again later)")
        elif original - modified > MODIFY_SLACK:
            problems.append(f"ModifyDate is {_gap(modified, original)} before DateTimeOriginal (impossible order)")
    capture = original or digitized or modified
    if capture and mtime and capture - mtime > MTIME_SLACK:
        problems.append(
            f"EXIF date {capture:%Y-%m-%d %H:%M} is after the file's modification time {mtime:%Y-%m-%d %H:%M}"
        )
    if problems:
        return Check(name, "warning", "; ".join(problems), WEIGHTS[name])
    shown = ", ".join(f"{k} {v:%Y-%m-%d %H:%M:%S}" for k, v in parsed.items())
    return Check(name, "OK", f"consistent ({shown})")


def software_traces(report: MetadataReport) -> list[str]:
    """Fields that name editing software or generators, as "field = value" strings."""
    candidates: list[tuple[str, str]] = []
    for key in ("Software", "ProcessingSoftware", "HostComputer"):
        if report.exif.fields.get(key):
            candidates.append((f"EXIF {key}", report.exif.fields[key]))
    for key in ("xmp:CreatorTool", "stEvt:softwareAgent", "tiff:Software", "exif:Software"):
        candidates.extend((f"XMP {key}", value) for value in report.xmp_values(key))
    traces = [f"{label} = '{value}'" for label, value in candidates if _EDITOR_RE.search(value)]
    photoshop_fields = {v for v in report.photoshop_resources if v not in ("IPTC-NAA", "IPTC digest")}
    if photoshop_fields:
        traces.append(f"Photoshop image resources ({', '.join(sorted(photoshop_fields))})")
    return list(dict.fromkeys(traces))


def check_software(report: MetadataReport) -> Check:
    name = "Editing software"
    traces = software_traces(report)
    if traces:
        return Check(name, "warning", "; ".join(traces[:6]), WEIGHTS[name])
    software = report.exif.fields.get("Software")
    detail = f" (Software = '{software}')" if software else ""
    return Check(name, "OK", f"no known editor or generator named{detail}")


def check_tables(report: MetadataReport) -> Check:
    name = "JPEG tables"
    if report.format != "jpeg" or not report.quantization:
        return Check(name, "n/a", "not a JPEG (or tables unreadable)")
    make, model = report.exif.fields.get("Make", ""), report.exif.fields.get("Model", "")
    camera = model if make and model.lower().startswith(make.lower()) else f"{make} {model}".strip()
    quality = ijg_quality(report.quantization)
    if not camera:
        note = f"standard libjpeg tables at quality {quality}" if quality else "non-standard tables"
        return Check(name, "n/a", f"no camera make/model to compare with ({note})")
    if quality is not None:
        return Check(
            name,
            "warning",
            f"camera '{camera}' but the quantization tables are exactly libjpeg's standard tables at quality "
            f"{quality}: typical of a re-save by software, rare in camera firmware",
            WEIGHTS[name],
        )
    return Check(name, "OK", f"custom (non-libjpeg) tables, consistent with camera '{camera}'")


def check_exif_presence(report: MetadataReport) -> Check:
    name = "EXIF presence"
    if report.format not in CAMERA_FORMATS:
        return Check(name, "n/a", f"{(report.format or 'unknown').upper()} files rarely carry camera EXIF")
    if not report.has_exif:
        return Check(
            name,
            "warning",
            "no EXIF in a camera-type file: stripped by an editor or a sharing platform, or not from a camera",
            WEIGHTS[name],
        )
    if not (report.exif.fields.get("Make") or report.exif.fields.get("Model")):
        return Check(name, "warning", "EXIF present but without camera make/model", WEIGHTS[name] / 2)
    return Check(name, "OK", "camera EXIF present")


def run_checks(report: MetadataReport, mtime: dt.datetime | None) -> list[Check]:
    """All consistency checks in display order."""
    return [
        check_dates(report.exif.fields, mtime),
        check_software(report),
        check_tables(report),
        check_exif_presence(report),
    ]


def overall_score(checks: list[Check]) -> float:
    """1 − ∏(1 − weight) over the checks that warned."""
    keep = 1.0
    for check in checks:
        if check.status == "warning":
            keep *= 1.0 - check.weight
    return round(1.0 - keep, 6)


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).replace(tzinfo=None)


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    assert subject.path is not None  # guaranteed by needs_file
    ctx.progress(0.1, "reading metadata")
    report = read_metadata(subject.path)
    ctx.progress(0.7, "checking consistency")
    checks = run_checks(report, _mtime(subject.path))
    score = overall_score(checks)
    warned = [c for c in checks if c.status == "warning"]
    if warned:
        summary = f"{len(warned)} of {len(checks)} checks raised a warning: " + "; ".join(
            f"{c.name}: {c.reason}" for c in warned
        )
    else:
        summary = "No metadata inconsistency found (metadata can still have been rewritten consistently)."
    table = tuple((c.name, f"{c.status}: {c.reason}") for c in checks)
    table += tuple(("Unreadable metadata", w) for w in report.warnings)
    details = {"checks": [dataclasses.asdict(c) for c in checks], "warnings": list(report.warnings)}
    return Finding(
        engine="metadata_consistency",
        version=VERSION,
        params=dict(params),
        summary=summary,
        score=score,
        table=table,
        details=details,
    )


ANALYSIS = register(
    Analysis(
        id="metadata_consistency",
        group="Metadata",
        title="Metadata consistency",
        how_to_read=(
            "Cross-checks what the metadata claims: capture, digitising and modification dates against each "
            "other and the file's time stamp; names of editing software or image generators in EXIF/XMP; a "
            "camera make/model combined with libjpeg's standard quantization tables (cameras normally use their "
            "own tables, so this suggests a re-save by software); camera-type files without EXIF. Each warning "
            "is a lead, not proof: sharing platforms strip metadata and honest workflows use editors."
        ),
        params=(),
        output="table",
        run=_run,
        version=VERSION,
        needs_file=True,
    )
)
