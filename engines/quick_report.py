"""A self-contained HTML report of one file's analyses (the headless main job; cases have fuller reports)."""

from __future__ import annotations

import base64
import datetime as dt
import html
import platform
from collections.abc import Sequence

import numpy as np

import engines
from engines.findings import Finding
from engines.media import MediaInfo
from engines.render import blend, encode_png


def _img_tag(rgb: np.ndarray, alt: str) -> str:
    data = base64.b64encode(encode_png(rgb)).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}" style="max-width:100%">'


def quick_report_html(info: MediaInfo, frame: np.ndarray, findings: Sequence[Finding]) -> str:
    """HTML page: file facts with SHA-256, then each finding with its overlay, summary and parameters."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in info.as_rows())
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>TrueLens analysis</title>",
        "<style>body{font-family:sans-serif;max-width:1000px;margin:auto;color:#222}"
        "th{text-align:left;padding-right:1em}td{font-family:monospace}"
        ".finding{border-top:1px solid #ccc;margin-top:1.5em}</style></head><body>",
        f"<h1>TrueLens analysis of {html.escape(info.path.name)}</h1>",
        f"<p>Generated {now} by TrueLens {engines.__version__} on Python {platform.python_version()}. "
        "The original file was opened read-only and was not modified.</p>",
        f"<table>{rows}</table>",
    ]
    for f in findings:
        params = ", ".join(f"{k}={v}" for k, v in f.params.items()) or "defaults"
        parts.append(f"<div class='finding'><h2>{html.escape(f.engine)} (v{html.escape(f.version)})</h2>")
        parts.append(f"<p>{html.escape(f.summary)}</p><p><small>Parameters: {html.escape(params)}</small></p>")
        if f.heatmap is not None or f.mask is not None:
            heat = f.heatmap if f.heatmap is not None and f.heatmap.shape[:2] == frame.shape[:2] else None
            mask = f.mask if f.mask is not None and f.mask.shape == frame.shape[:2] else None
            parts.append(_img_tag(blend(frame, heat, mask), f.engine))
        if f.table:
            parts.append("<table>" + "".join(
                f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in f.table
            ) + "</table>")
        parts.append("</div>")
    parts.append("<p><small>Classical analyses show traces, not verdicts: read each map with its explanation."
                 "</small></p></body></html>")
    return "".join(parts)
