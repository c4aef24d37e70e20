"""``truelens analyze FILE [--tool ID ...] [--out DIR] [--json]``: run analyses headless."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.cli import EXIT_USAGE, CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="run forensic analyses on a file and write the maps")
    p.add_argument("file", nargs="?", help="image, GIF or video")
    p.add_argument("--tool", action="append", dest="tools", metavar="ID", help="analysis id (repeatable)")
    p.add_argument("--param", action="append", default=[], metavar="ID.NAME=VALUE",
                   help="parameter for a tool, e.g. ela.quality=85")
    p.add_argument("--frame", type=int, default=0, help="frame index for GIF/video (default 0)")
    p.add_argument("--out", metavar="DIR", help="write maps (PNG) and findings.json here")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.add_argument("--report", action="store_true", help="also write report.html into --out")
    p.add_argument("--list", action="store_true", help="list the available tools and exit")
    p.set_defaults(handler=handle)


def _parse_params(items: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        if "=" not in item or "." not in item.split("=", 1)[0]:
            raise CliError(f"--param must look like TOOL.NAME=VALUE, got {item!r}", EXIT_USAGE)
        key, value = item.split("=", 1)
        tool, name = key.split(".", 1)
        out.setdefault(tool, {})[name] = value
    return out


def analyze_to_folder(path: str, tools: list[str], out: str | None, params: dict[str, dict[str, Any]],
                      frame: int = 0, write_report: bool = False) -> tuple[list[dict], Path | None]:
    """Run ``tools`` on ``path``; write maps/JSON (and report.html) into ``out``.

    Returns the findings as JSON records and the report path (or None).
    """
    from engines.atomic import atomic_write_text
    from engines.forensics import Subject, get_analysis, run_analysis
    from engines.media import MediaError, open_media
    from engines.render import heatmap_rgb, save_png

    for tool in tools:
        try:
            get_analysis(tool)
        except KeyError as exc:
            raise CliError(str(exc).strip("'\""), EXIT_USAGE) from None
    try:
        media = open_media(path)
    except MediaError as exc:
        raise CliError(str(exc)) from None
    with media:
        if not 0 <= frame < media.frame_count:
            raise CliError(f"frame {frame} is out of range (the file has {media.frame_count} frame(s))", EXIT_USAGE)
        try:
            image = media.frame(frame)
        except MediaError as exc:
            raise CliError(str(exc)) from None
        subject = Subject(image=image, path=media.path, frame_index=frame, format=media.info.format)
        findings = []
        for tool in tools:
            try:
                findings.append(run_analysis(tool, subject, params.get(tool), None))
            except ValueError as exc:
                raise CliError(f"{tool}: {exc}", EXIT_USAGE) from None
        records = [{"tool": t, **f.to_json()} for t, f in zip(tools, findings, strict=True)]
        report_path = None
        if out:
            folder = Path(out)
            folder.mkdir(parents=True, exist_ok=True)
            for tool, f in zip(tools, findings, strict=True):
                if f.heatmap is not None:
                    save_png(folder / f"{tool}_map.png", heatmap_rgb(f.heatmap))
                if f.mask is not None:
                    save_png(folder / f"{tool}_mask.png", (f.mask.astype("uint8") * 255))
            document = {"file": str(media.path), "sha256": media.sha256, "frame": frame, "findings": records}
            atomic_write_text(folder / "findings.json", json.dumps(document, indent=2))
            if write_report:
                from engines.quick_report import quick_report_html

                report_path = folder / "report.html"
                atomic_write_text(report_path, quick_report_html(media.info, image, findings))
    return records, report_path


def handle(args: argparse.Namespace) -> int:
    if args.list:
        from engines.forensics import list_analyses

        for a in list_analyses():
            print(f"{a.id:24s} {a.group:18s} {a.title}")
        return 0
    if not args.file:
        raise CliError("a FILE is required (or --list)", EXIT_USAGE)
    tools = args.tools or ["ela"]
    records, report = analyze_to_folder(args.file, tools, args.out, _parse_params(args.param), args.frame, args.report)
    if args.json or not args.out:
        json.dump(records, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for rec in records:
            print(f"{rec['tool']}: {rec['summary']}")
    if report:
        print(f"report: {report}")
    return 0
