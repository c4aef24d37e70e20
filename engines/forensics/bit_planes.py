"""Bit planes: one bit of one channel shown as a black-and-white map."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from engines.findings import Finding
from engines.forensics._pixel_maps import check_rgb
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"
CHANNELS = ("luma", "red", "green", "blue")


def channel_values(image: np.ndarray, channel: str) -> np.ndarray:
    """The uint8 plane of ``channel``: luma (Rec. 601, rounded) or one of R, G, B."""
    rgb = check_rgb(image)
    if channel == "luma":
        return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    return rgb[:, :, CHANNELS.index(channel) - 1]


def bit_plane(values: np.ndarray, bit: int) -> np.ndarray:
    """Bit ``bit`` (0 = least significant) of a uint8 array as a bool array."""
    if not 0 <= bit <= 7:
        raise ValueError(f"bit must be 0..7, got {bit}")
    return (np.asarray(values, dtype=np.uint8) >> np.uint8(bit)) & np.uint8(1) == 1


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    ctx.progress(0.1, "extracting the bit plane")
    plane = bit_plane(channel_values(subject.image, params["channel"]), int(params["bit"]))
    heat = plane.astype(np.float32)
    ones = float(plane.mean()) if plane.size else 0.0
    summary = (
        f"Bit {params['bit']} of the {params['channel']} channel: {ones * 100:.1f}% of pixels have it set. "
        "Low bits of a camera photo look like uniform noise; smooth patches, hard-edged shapes or regular "
        "patterns there point to editing, generation, hidden data or a different compression history."
    )
    return Finding(
        engine="bit_planes",
        version=VERSION,
        params=dict(params),
        summary=summary,
        heatmap=heat,
        table=(("Pixels with the bit set", f"{ones * 100:.1f}%"),),
        details={"ones_fraction": ones},
    )


ANALYSIS = register(
    Analysis(
        id="bit_planes",
        group="Detail and colour",
        title="Bit planes",
        how_to_read=(
            "Shows one bit of each pixel (white = 1). High bits (7, 6) show the picture's coarse shapes; low "
            "bits (0, 1) are normally noise-like in a camera photo. Areas whose low bits are flat, blocky or "
            "patterned were processed differently from the rest (pasted, painted, generated, or carrying "
            "hidden data)."
        ),
        params=(
            Param("channel", "Channel", "choice", "luma", choices=CHANNELS, help="Which values to slice."),
            Param("bit", "Bit", "int", 0, 0, 7, 1, help="0 = least significant, 7 = most significant."),
        ),
        output="map",
        run=_run,
        version=VERSION,
    )
)
