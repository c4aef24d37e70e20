"""Luminance gradient: Sobel gradient of the luminance as a colour map (x → red, y → green, magnitude → blue)."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from engines.findings import Finding
from engines.forensics._pixel_maps import luminance, sample
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"


def sobel_gradient(lum: np.ndarray, kernel: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Sobel derivatives (gx, gy) of a float luminance image; gx > 0 where brightness grows to the right."""
    if kernel not in (1, 3, 5, 7):
        raise ValueError(f"Sobel kernel must be 1, 3, 5 or 7, got {kernel}")
    x = np.asarray(lum, dtype=np.float32)
    gx = cv2.Sobel(x, cv2.CV_32F, 1, 0, ksize=kernel, borderType=cv2.BORDER_REPLICATE)
    gy = cv2.Sobel(x, cv2.CV_32F, 0, 1, ksize=kernel, borderType=cv2.BORDER_REPLICATE)
    return gx, gy


def gradient_colours(gx: np.ndarray, gy: np.ndarray, scale: float) -> np.ndarray:
    """RGB uint8: red = 128 + gx·scale·127.5, green = 128 + gy·scale·127.5, blue = |g|·scale·255 (saturating)."""
    half = float(scale) * 127.5
    red = cv2.addWeighted(gx, half, gx, 0.0, 128.0, dtype=cv2.CV_8U)
    green = cv2.addWeighted(gy, half, gy, 0.0, 128.0, dtype=cv2.CV_8U)
    blue = cv2.convertScaleAbs(cv2.magnitude(gx, gy), alpha=float(scale) * 255.0)
    return cv2.merge((red, green, blue))


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    ctx.progress(0.05, "computing luminance")
    lum = luminance(subject.image)
    ctx.progress(0.3, "Sobel gradient")
    gx, gy = sobel_gradient(lum, params["kernel"])
    mag = cv2.magnitude(gx, gy)
    ref = float(np.percentile(sample(mag), params["percentile"])) if mag.size else 0.0
    scale = float(params["intensity"]) / ref if ref > 1e-6 else 0.0
    ctx.progress(0.7, "colouring")
    heat = gradient_colours(gx, gy, scale)
    mean = float(mag.mean()) if mag.size else 0.0
    summary = (
        f"Mean gradient magnitude {mean:.1f} (Sobel {params['kernel']}×{params['kernel']}); the "
        f"{params['percentile']:g}th percentile {ref:.1f} maps to full blue. Red/green show the direction "
        "(brighter red: brighter to the right; brighter green: brighter downwards). Look for edges whose "
        "sharpness, direction or lighting does not match their surroundings, and for unnaturally flat areas."
    )
    return Finding(
        engine="luminance_gradient",
        version=VERSION,
        params=dict(params),
        summary=summary,
        heatmap=heat,
        table=(("Mean magnitude", f"{mean:.1f}"), (f"P{params['percentile']:g} magnitude", f"{ref:.1f}")),
        details={"mean_magnitude": mean, "reference_magnitude": ref, "scale": scale},
    )


ANALYSIS = register(
    Analysis(
        id="luminance_gradient",
        group="Detail and colour",
        title="Luminance gradient",
        how_to_read=(
            "The brightness gradient is shown as colour: red encodes the horizontal slope (above mid-grey: "
            "brighter to the right), green the vertical slope (brighter downwards) and blue its strength. "
            "Flat areas are olive-grey. Edges of a pasted object often look sharper or softer than other "
            "edges at the same depth, and lighting that comes from another direction shows as a different hue."
        ),
        params=(
            Param("kernel", "Sobel kernel", "int", 3, 1, 7, 2, help="Derivative kernel size: 1, 3, 5 or 7."),
            Param("intensity", "Intensity", "float", 1.0, 0.1, 10.0, 0.1, help="Colour gain."),
            Param("percentile", "Reference percentile", "float", 99.0, 50.0, 100.0, 0.5, help="Full-scale level."),
        ),
        output="map",
        run=_run,
        version=VERSION,
    )
)
