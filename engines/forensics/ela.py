"""Error level analysis: re-save as JPEG and amplify the difference."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from engines.findings import Finding
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"


def jpeg_roundtrip(image: np.ndarray, quality: int) -> np.ndarray:
    """Encode an RGB image as JPEG at ``quality`` and decode it again."""
    ok, buf = cv2.imencode(".jpg", image[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1]


def error_level(image: np.ndarray, quality: int = 90, scale: float = 20.0) -> np.ndarray:
    """Per-pixel error level in [0, 1]: max channel |image − JPEG(image)| × scale / 255."""
    resaved = jpeg_roundtrip(image, quality)
    diff = cv2.absdiff(np.ascontiguousarray(image), resaved).max(axis=2).astype(np.float32)
    return np.clip(diff * (scale / 255.0), 0.0, 1.0)


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    ctx.progress(0.1, "re-saving as JPEG")
    heat = error_level(subject.image, params["quality"], params["scale"])
    ctx.progress(0.9, "summarising")
    mean = float(heat.mean())
    bright = float((heat > 0.5).mean())
    summary = (
        f"Mean error level {mean:.3f} at quality {params['quality']}; "
        f"{bright * 100:.1f}% of pixels are bright. Look for regions that are much brighter "
        "or darker than similar texture elsewhere."
    )
    return Finding(engine="ela", version=VERSION, params=dict(params), summary=summary, heatmap=heat)


ANALYSIS = register(
    Analysis(
        id="ela",
        group="JPEG",
        title="Error level analysis",
        how_to_read=(
            "The image is saved again as JPEG and the difference is amplified. Areas edited after "
            "the last JPEG save often re-compress differently and stand out as brighter (or darker) "
            "than surrounding content of the same texture. Edges and fine texture are always bright; "
            "compare like with like. Uniform output means nothing, not authenticity."
        ),
        params=(
            Param("quality", "JPEG quality", "int", 90, 50, 100, 1, help="Re-save quality."),
            Param("scale", "Amplification", "float", 20.0, 1.0, 100.0, 1.0, help="Difference multiplier."),
        ),
        output="map",
        run=_run,
        version=VERSION,
    )
)
