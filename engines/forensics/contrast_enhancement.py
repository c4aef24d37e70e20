"""Contrast enhancement (after Stamm & Liu): gaps and peaks that a tone curve leaves in 8-bit histograms."""

from __future__ import annotations

import dataclasses
from typing import Any

import cv2
import numpy as np

from engines.findings import Finding, Plot
from engines.forensics._pixel_maps import check_rgb
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"
_LEVELS = np.arange(256, dtype=np.float32)
_MIN_RANGE = 16  # a histogram spanning fewer grey levels cannot be judged
_SCORE_CENTRE = 0.3  # high-frequency share at which the score is 0.5 (natural photos ≈ 0.1–0.2)
_SCORE_WIDTH = 0.05
_PEAK_FACTOR = 1.5


@dataclasses.dataclass(frozen=True)
class HistogramStats:
    """Histogram evidence of a tone mapping for one channel."""

    name: str
    histogram: np.ndarray  # 256 counts
    high_frequency: float  # share of the histogram's spectral magnitude above the cutoff
    gaps: int  # empty bins inside the occupied range
    peaks: int  # bins standing well above both neighbours
    occupied: int  # width of the occupied range in grey levels


def pinch_window(width: int = 8) -> np.ndarray:
    """Weights that fade the first and last ``width`` bins to zero (saturation would otherwise dominate)."""
    window = np.ones(256, dtype=np.float64)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(width) / width)
    window[:width] = ramp
    window[256 - width :] = ramp[::-1]
    return window


def high_frequency_share(histogram: np.ndarray, cutoff: int = 32) -> float:
    """Share of |DFT| of the pinched histogram at frequencies ≥ ``cutoff`` (of 128): gaps/peaks make it large."""
    spectrum = np.abs(np.fft.rfft(np.asarray(histogram, np.float64) * pinch_window()))
    total = float(spectrum.sum())
    return float(spectrum[cutoff:].sum()) / total if total > 0 else 0.0


def histogram_stats(name: str, channel: np.ndarray, cutoff: int = 32) -> HistogramStats:
    """Histogram, high-frequency share, gaps and peaks of one uint8 channel."""
    hist = cv2.calcHist([np.ascontiguousarray(channel)], [0], None, [256], [0, 256]).ravel().astype(np.float64)
    occupied_bins = np.flatnonzero(hist)
    if occupied_bins.size == 0:
        return HistogramStats(name, hist, 0.0, 0, 0, 0)
    lo, hi = int(occupied_bins[0]), int(occupied_bins[-1])
    inner = hist[lo : hi + 1]
    gaps = int((inner == 0).sum())
    peaks = 0
    if inner.size >= 3:
        centre, left, right = inner[1:-1], inner[:-2], inner[2:]
        floor = max(1.0, hist.sum() / 256.0 * 0.1)
        peaks = int(((centre > _PEAK_FACTOR * 0.5 * (left + right)) & (centre > floor)).sum())
    return HistogramStats(name, hist, high_frequency_share(hist, cutoff), gaps, peaks, hi - lo + 1)


def enhancement_score(stats: list[HistogramStats]) -> float | None:
    """Logistic score of the largest high-frequency share among judgeable channels; None if none is."""
    usable = [s.high_frequency for s in stats if s.occupied >= _MIN_RANGE]
    if not usable:
        return None
    return float(1.0 / (1.0 + np.exp(-(max(usable) - _SCORE_CENTRE) / _SCORE_WIDTH)))


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    ctx.progress(0.1, "histograms")
    image = check_rgb(subject.image)
    cutoff = int(params["cutoff"])
    channels = [("Luminance", cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))]
    channels += [(n, image[:, :, i]) for i, n in enumerate(("Red", "Green", "Blue"))]
    stats = [histogram_stats(n, c, cutoff) for n, c in channels]
    ctx.progress(0.8, "scoring")
    score = enhancement_score(stats[1:])
    plots = tuple(
        Plot(f"{s.name} histogram", _LEVELS.copy(), s.histogram.astype(np.float32), "level", "pixels") for s in stats
    )
    table = tuple(
        (s.name, f"HF share {s.high_frequency:.3f}, {s.gaps} empty bins, {s.peaks} peaks in {s.occupied} levels")
        for s in stats
    )
    worst = max(stats[1:], key=lambda s: s.high_frequency)
    if score is None:
        summary = "The histograms span too few grey levels to judge contrast enhancement."
    else:
        verdict = (
            "The comb of gaps and peaks typical of a contrast or gamma adjustment is present"
            if score >= 0.5
            else "The histograms are smooth, as expected from an unadjusted photo"
        )
        summary = (
            f"{verdict} (score {score:.2f}; strongest in {worst.name.lower()}: high-frequency share "
            f"{worst.high_frequency:.3f}, {worst.gaps} empty bins, {worst.peaks} peaks). Levels, curves, "
            "gamma and equalisation all leave this comb; so do posterised graphics and some codecs. It shows "
            "global processing, not where an edit is."
        )
    details = {
        s.name.lower(): {"high_frequency": s.high_frequency, "gaps": s.gaps, "peaks": s.peaks, "occupied": s.occupied}
        for s in stats
    }
    return Finding(
        engine="contrast_enhancement",
        version=VERSION,
        params=dict(params),
        summary=summary,
        score=score,
        plots=plots,
        table=table,
        details=details,
    )


ANALYSIS = register(
    Analysis(
        id="contrast_enhancement",
        group="Detail and colour",
        title="Contrast enhancement",
        how_to_read=(
            "An 8-bit tone curve (levels, curves, gamma, equalisation) maps 256 input levels onto 256 output "
            "levels: where it stretches, some levels are never used (gaps); where it compresses, two levels "
            "merge (peaks). The histogram then looks like a comb, which shows as energy at high frequencies of "
            "the histogram's Fourier transform. A smooth histogram scores low; a comb scores high."
        ),
        params=(Param("cutoff", "Frequency cutoff", "int", 32, 8, 100, 1, help="Histogram DFT bin counted as high."),),
        output="plot",
        run=_run,
        version=VERSION,
    )
)
