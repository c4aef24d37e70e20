"""JPEG quality estimate: compare the file's quantisation tables with the standard IJG (libjpeg) tables."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from engines.findings import Finding
from engines.forensics._jpeg_file import JpegTables, NotJpeg, read_jpeg_tables
from engines.forensics._jpeg_tables import IJG_CHROMINANCE, IJG_LUMINANCE, ijg_scaled
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"

_BASES = {"luminance": IJG_LUMINANCE, "chrominance": IJG_CHROMINANCE}
_SCALED = {name: np.stack([ijg_scaled(base, q) for q in range(1, 101)]) for name, base in _BASES.items()}


@dataclasses.dataclass(frozen=True)
class QualityMatch:
    """Closest IJG table for one quantisation table."""

    quality: int
    kind: str  # "luminance" or "chrominance": which standard table it is closest to
    mean_deviation: float  # mean |table − IJG table| over the 64 entries
    lowest: int = 0  # lowest quality giving the same table (clamping makes a few low qualities identical)

    @property
    def exact(self) -> bool:
        return self.mean_deviation == 0.0

    @property
    def label(self) -> str:
        return f"{self.lowest}–{self.quality}" if 0 < self.lowest < self.quality else str(self.quality)


def match_quality(table: np.ndarray, prefer: str = "luminance") -> QualityMatch:
    """Best-matching IJG quality (1..100) for an 8×8 table; ties go to ``prefer``, then to the higher quality."""
    best: QualityMatch | None = None
    for kind in (prefer, *(k for k in _BASES if k != prefer)):
        deviation = np.abs(_SCALED[kind] - np.asarray(table)[None]).mean(axis=(1, 2))
        ties = np.flatnonzero(deviation == deviation.min()) + 1
        if best is None or deviation[ties[-1] - 1] < best.mean_deviation:
            best = QualityMatch(int(ties[-1]), kind, float(deviation[ties[-1] - 1]), int(ties[0]))
    assert best is not None
    return best


def _subsampling(tables: JpegTables) -> str:
    if len(tables.subsampling) < 3:
        return "single component (greyscale)" if len(tables.subsampling) == 1 else "unknown"
    (yh, yv), (ch, cv) = tables.subsampling[0], tables.subsampling[1]
    names = {(1, 1): "4:4:4", (2, 1): "4:2:2", (2, 2): "4:2:0", (1, 2): "4:4:0", (4, 1): "4:1:1"}
    ratio = (yh // max(ch, 1), yv // max(cv, 1))
    return names.get(ratio, f"{yh}x{yv}, {ch}x{cv}")


def describe(tables: JpegTables) -> tuple[str, list[tuple[str, str]], dict[str, Any]]:
    """Summary, table rows and details for the quantisation tables of one file."""
    users: dict[int, list[str]] = {}
    for name, table_id in tables.components:
        users.setdefault(table_id, []).append(name)
    rows: list[tuple[str, str]] = []
    matches: dict[int, QualityMatch] = {}
    for table_id in sorted(tables.tables):
        who = users.get(table_id, [])
        prefer = "luminance" if (who and who[0] in ("Y", "C")) or (not who and table_id == 0) else "chrominance"
        match = match_quality(tables.tables[table_id], prefer)
        matches[table_id] = match
        label = f"Table {table_id}" + (f" ({', '.join(who)})" if who else " (unused)")
        if match.exact:
            value = f"quality {match.label}: exact IJG standard {match.kind} table"
        else:
            value = (
                f"≈ quality {match.quality}: custom table (mean deviation {match.mean_deviation:.1f} "
                f"from the IJG {match.kind} table)"
            )
        rows.append((label, value))
    rows.append(("Chroma subsampling", _subsampling(tables)))
    used = [matches[t] for t in matches if t in users] or list(matches.values())
    qualities = sorted({m.label for m in used}, key=lambda label: int(label.split("–")[-1]))
    if all(m.exact for m in used) and len(qualities) == 1:
        summary = (
            f"Standard IJG tables at quality {qualities[0]} — as written by libjpeg and the many tools built on it "
            "(Pillow, OpenCV, GIMP, most web services)."
        )
    elif all(m.exact for m in used):
        summary = f"Standard IJG tables, but at different qualities per table ({', '.join(qualities)})."
    else:
        main = used[0].quality
        summary = (
            f"Custom quantisation tables, closest to IJG quality ≈ {main}: typical of cameras, phones and editors "
            "such as Photoshop. Compare with what the claimed source writes."
        )
    details = {
        "tables": {str(t): tables.tables[t].tolist() for t in sorted(tables.tables)},
        "components": [list(c) for c in tables.components],
        "estimates": {
            str(t): {"quality": m.quality, "kind": m.kind, "mean_deviation": m.mean_deviation, "exact": m.exact}
            for t, m in matches.items()
        },
    }
    return summary, rows, details


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    ctx.progress(0.1, "reading quantisation tables")
    try:
        tables = read_jpeg_tables(subject.path) if subject.path is not None else None
    except NotJpeg as exc:
        reason = str(exc)
        return Finding(
            engine="jpeg_quality",
            version=VERSION,
            params=dict(params),
            summary=f"No JPEG quality: {reason}.",
            table=(("Format", reason),),
            details={"jpeg": False},
        )
    if tables is None:
        raise ValueError("JPEG quality needs the original file")
    summary, rows, details = describe(tables)
    details["jpeg"] = True
    ctx.progress(1.0, "done")
    return Finding(
        engine="jpeg_quality",
        version=VERSION,
        params=dict(params),
        summary=summary,
        table=tuple(rows),
        details=details,
    )


ANALYSIS = register(
    Analysis(
        id="jpeg_quality",
        group="JPEG",
        title="JPEG quality and tables",
        how_to_read=(
            "Reads the quantisation tables stored in the JPEG file and compares each with the standard IJG tables "
            "scaled to qualities 1–100. An exact match means the file was last written by libjpeg or a tool built "
            "on it, at that quality; custom tables point to a camera, phone or editor with its own tables. The "
            "tables describe the last save only; they say nothing about earlier saves or edits."
        ),
        params=(),
        output="table",
        run=_run,
        version=VERSION,
        needs_file=True,
    )
)
