"""The report as JSON: the full model, with stored images embedded as base64 PNG (byte-exact)."""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

from engines.evidence.canonical import plain
from engines.evidence.report_model import Report, ReportImage

REPORT_FORMAT = "truelens-report/1"


def _image(image: ReportImage, embed: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "role": image.role, "caption": image.caption, "file": image.file.name, "sha256": image.sha256,
        "width": image.width, "height": image.height,
    }
    if embed:
        out["png_base64"] = base64.b64encode(image.file.read_bytes()).decode("ascii")
    return out


def report_to_dict(report: Report, embed_images: bool = True) -> dict[str, Any]:
    """Plain-JSON view of a report; images are embedded unless ``embed_images`` is false."""
    data = plain(dataclasses.asdict(report))
    data["format"] = REPORT_FORMAT
    data["software"] = [{"name": name, "version": version} for name, version in report.software]
    data["weights"] = [{"engine": engine, "sha256": digest} for engine, digest in report.weights]
    for out, finding in zip(data["findings"], report.findings, strict=True):
        out["params"] = dict(finding.params)
        out["table"] = [list(row) for row in finding.table]
        out["images"] = [_image(image, embed_images) for image in finding.images]
    data["status_counts"] = report.status_counts()
    return data


def render_json(report: Report, embed_images: bool = True) -> bytes:
    """UTF-8 JSON bytes (sorted keys, indented) of a report."""
    text = json.dumps(report_to_dict(report, embed_images), indent=2, sort_keys=True, ensure_ascii=False,
                      allow_nan=False)
    return (text + "\n").encode("utf-8")
