"""Noise inconsistency: where the local noise level departs from the image's dominant level."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from engines.findings import Finding
from engines.forensics._pixel_maps import check_rgb, grid_to_map
from engines.forensics.noise_level import CHANNELS, METHODS, NoiseGrid, image_noise_sigma
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"
DIRECTIONS = ("both", "noisier", "cleaner")
_SIGMA_FLOOR = 0.5  # grey levels added before the log so that near-flat blocks do not explode
_MIN_LOG_SPREAD = 0.15  # smallest robust spread of log sigma (≈ ±15 %) to keep z-scores sane on uniform images
_SCORE_AREA = 0.02  # area of the largest flagged region at which the score reaches 1 − 1/e
_MAX_CLIPPED = 0.5  # blocks with more clipped pixels than this carry no noise information


def robust_z(
    log_sigma: np.ndarray, valid: np.ndarray | None = None, min_spread: float = _MIN_LOG_SPREAD
) -> tuple[np.ndarray, float, float]:
    """Robust z-score of each block's log sigma vs the median of the valid blocks; returns (z, median, spread)."""
    values = np.asarray(log_sigma, dtype=np.float64)
    ref = values if valid is None or not np.any(valid) else values[valid]
    centre = float(np.median(ref))
    spread = max(1.4826 * float(np.median(np.abs(ref - centre))), min_spread)
    return ((values - centre) / spread).astype(np.float32), centre, spread


def clipped_fraction(image: np.ndarray, grid: NoiseGrid, block: int) -> np.ndarray:
    """Fraction of pixels with a channel at 0 or 255 in the block around each grid centre."""
    rgb = check_rgb(image)
    clipped = (cv2.inRange(rgb, (1, 1, 1), (254, 254, 254)) == 0).astype(np.float32)
    size = (min(block, rgb.shape[1]), min(block, rgb.shape[0]))
    local = cv2.blur(clipped, size, borderType=cv2.BORDER_REFLECT)
    ys = np.clip(np.rint(grid.rows).astype(np.int64), 0, rgb.shape[0] - 1)
    xs = np.clip(np.rint(grid.cols).astype(np.int64), 0, rgb.shape[1] - 1)
    return local[ys][:, xs]


def inconsistency_grid(
    image: np.ndarray, block: int = 32, method: str = "wavelet", channels: str = "rgb", direction: str = "both"
) -> tuple[np.ndarray, NoiseGrid, float, float]:
    """Robust z of log local noise per block, folded by ``direction``; returns (z, noise grid, median sigma, spread).

    Blocks that are mostly clipped (a channel at 0 or 255) get z = 0 and do not count towards the dominant level.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; use one of {', '.join(DIRECTIONS)}")
    grid = image_noise_sigma(image, block, method, channels)
    valid = clipped_fraction(image, grid, block) <= _MAX_CLIPPED
    z, centre, spread = robust_z(np.log(grid.sigma + np.float32(_SIGMA_FLOOR)), valid)
    if direction == "both":
        z = np.abs(z)
    elif direction == "cleaner":
        z = np.maximum(-z, 0.0)
    else:
        z = np.maximum(z, 0.0)
    z[~valid] = 0.0
    return z, grid, float(np.exp(centre) - _SIGMA_FLOOR), spread


def largest_region_fraction(mask: np.ndarray) -> float:
    """Area fraction of the largest 8-connected region of a boolean mask."""
    if not mask.any():
        return 0.0
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return float(stats[1:, cv2.CC_STAT_AREA].max()) / mask.size


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    ctx.progress(0.05, "estimating local noise")
    image = check_rgb(subject.image)
    threshold = float(params["threshold"])
    z, grid, dominant, spread = inconsistency_grid(
        image, params["block"], params["method"], params["channels"], params["direction"]
    )
    dominant = max(0.0, float(dominant))  # a noise level is never negative (avoid printing "-0.00")
    ctx.progress(0.7, "scoring departures")
    heat_grid = z / (z + np.float32(threshold))
    heat = np.clip(grid_to_map(heat_grid, grid.rows, grid.cols, image.shape[:2]), 0.0, 1.0).astype(np.float32)
    mask = heat > 0.5
    fraction = float(mask.mean())
    largest = largest_region_fraction(mask)
    score = float(1.0 - np.exp(-largest / _SCORE_AREA))
    flagged_blocks = int((z > threshold).sum())
    summary = (
        f"Dominant noise sigma ≈ {dominant:.2f} grey levels; {fraction * 100:.1f}% of the image departs from it "
        f"by more than {threshold:g} robust standard deviations ({flagged_blocks} of {z.size} blocks, "
        f"direction: {params['direction']}). Fine texture and strong edges also read as noisier and flat or "
        "saturated areas as cleaner; a compact region that is off while similar content elsewhere is not "
        "is what matters. Mostly clipped blocks are ignored."
    )
    details = {
        "dominant_sigma": dominant,
        "log_sigma_spread": spread,
        "flagged_fraction": fraction,
        "largest_region_fraction": largest,
        "flagged_blocks": flagged_blocks,
        "blocks": int(z.size),
        "max_z": float(z.max()) if z.size else 0.0,
    }
    table = (
        ("Dominant sigma", f"{dominant:.2f}"),
        ("Flagged area", f"{fraction * 100:.1f}%"),
        ("Largest flagged region", f"{largest * 100:.1f}%"),
        ("Largest departure", f"{details['max_z']:.1f} robust SD"),
    )
    return Finding(
        engine="noise_inconsistency",
        version=VERSION,
        params=dict(params),
        summary=summary,
        heatmap=heat,
        mask=mask,
        score=score,
        table=table,
        details=details,
    )


ANALYSIS = register(
    Analysis(
        id="noise_inconsistency",
        group="Noise",
        title="Noise inconsistency",
        how_to_read=(
            "The noise level of each block is compared with the level that dominates the image (robust z-score "
            "of the log noise sigma against the median). Bright areas depart from the dominant level; the mask "
            "marks departures beyond the threshold. A region pasted from another photo, given extra grain, or "
            "smoothed by retouching or generation stands out. Texture and edges inflate the estimate and flat "
            "or clipped areas deflate it, so judge flagged regions against similar content elsewhere. Mostly clipped "
            "blocks are ignored. The score grows with the largest connected flagged region (about 0.63 when it "
            "covers 2% of the image)."
        ),
        params=(
            Param("block", "Block size (px)", "int", 32, 8, 256, 8, help="Blocks overlap by half."),
            Param("threshold", "Threshold (robust SD)", "float", 3.0, 1.0, 10.0, 0.5, help="Mask threshold."),
            Param("direction", "Flag", "choice", "both", choices=DIRECTIONS, help="Noisier, cleaner or both."),
            Param("method", "Estimator", "choice", "wavelet", choices=METHODS, help="Noise sigma estimator."),
            Param("channels", "Channels", "choice", "rgb", choices=CHANNELS, help="Average of R, G, B or luminance."),
        ),
        output="mask",
        run=_run,
        version=VERSION,
    )
)
