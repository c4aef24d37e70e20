"""Frequency spectrum: windowed log-magnitude 2-D FFT of the luminance, its radial average and periodic peaks."""

from __future__ import annotations

import dataclasses
from typing import Any

import cv2
import numpy as np
import scipy.fft
from scipy import special, stats

from engines.findings import Finding, Plot
from engines.forensics._pixel_maps import luminance, stretch
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"
_LAPLACIAN = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float32)
_MIN_RADIUS = 0.04  # cycles/px: below this the residual spectrum is dominated by content, not periodicity
_FALSE_ALARM = 0.01  # expected number of noise bins above the peak threshold per image
_MAX_PEAKS = 10
_TILE_PIXEL_BUDGET = 1 << 24  # at most 16 Mpx of tiles per spectrum (memory)
_MIN_TILE = 32  # smaller tiles give too few frequency bins for a background estimate


@dataclasses.dataclass(frozen=True)
class Peak:
    """A periodic component of the high-pass residual: frequency (cycles/px) and strength over background."""

    fx: float
    fy: float
    ratio: float

    @property
    def period(self) -> float:
        return 1.0 / max(float(np.hypot(self.fx, self.fy)), 1e-9)

    @property
    def decibels(self) -> float:
        return 10.0 * float(np.log10(self.ratio))

    def cause(self) -> str:
        """A plain-language guess at what produces a peak at this frequency."""
        on_grid = [abs(v * 8 - round(v * 8)) < 0.02 for v in (self.fx, self.fy)]
        nyquist = [abs(abs(v) - 0.5) < 0.01 or abs(v) < 0.01 for v in (self.fx, self.fy)]
        if all(nyquist):
            return "period 2: colour-filter demosaicing, ×2 resampling or JPEG blocks"
        if all(on_grid):
            return "multiple of 1/8: JPEG 8-px blocks (or ×4 / ×8 upsampling)"
        return "periodic interpolation: resampling or generator upsampling"


def tile_corners(shape: tuple[int, int], tile: int, max_tiles: int) -> list[tuple[int, int]]:
    """Top-left corners of up to ``max_tiles`` non-overlapping tiles spread evenly over the image."""
    h, w = shape
    ny, nx = max(1, h // tile), max(1, w // tile)
    ys = np.linspace(0, h - tile, ny).round().astype(int) if ny > 1 else np.array([(h - tile) // 2])
    xs = np.linspace(0, w - tile, nx).round().astype(int) if nx > 1 else np.array([(w - tile) // 2])
    corners = [(int(y), int(x)) for y in ys for x in xs]
    if len(corners) > max_tiles:
        keep = np.linspace(0, len(corners) - 1, max_tiles).round().astype(int)
        corners = [corners[i] for i in keep]
    return corners


def tile_stack(plane: np.ndarray, tile: int, max_tiles: int = 16, margin: int = 0) -> np.ndarray:
    """Tiles of ``tile`` px (plus ``margin`` px of context, reflected at the image border) as one array.

    Large tiles lower the tile count so that at most ``_TILE_PIXEL_BUDGET`` pixels are transformed.
    """
    x = np.asarray(plane, dtype=np.float32)
    corners = tile_corners(x.shape, tile, max(1, min(max_tiles, _TILE_PIXEL_BUDGET // (tile * tile))))
    if margin:
        x = cv2.copyMakeBorder(x, margin, margin, margin, margin, cv2.BORDER_REFLECT)
    size = tile + 2 * margin
    return np.stack([x[y : y + size, c : c + size] for y, c in corners])


def stack_power(stack: np.ndarray) -> np.ndarray:
    """Mean Hann-windowed power spectrum of a stack of square tiles, DC at the centre."""
    tile = stack.shape[-1]
    window = cv2.createHanningWindow((tile, tile), cv2.CV_32F) if tile > 2 else np.ones((tile, tile), np.float32)
    centred = (stack - stack.mean(axis=(1, 2), keepdims=True)) * window
    spectra = scipy.fft.fft2(centred, workers=-1)
    return scipy.fft.fftshift((spectra.real**2 + spectra.imag**2).mean(axis=0).astype(np.float32))


def welch_power(plane: np.ndarray, tile: int, max_tiles: int = 16) -> tuple[np.ndarray, int]:
    """Mean Hann-windowed power spectrum over tiles (DC at the centre); returns (power, number of tiles)."""
    stack = tile_stack(plane, tile, max_tiles)
    return stack_power(stack), len(stack)


def radial_average(power: np.ndarray, bins: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ``power`` in rings of normalised frequency 0..0.5 cycles/px; returns (frequency, mean)."""
    n = power.shape[0]
    f = np.fft.fftshift(np.fft.fftfreq(n))
    radius = np.hypot(f[:, None], f[None, :])
    edges = np.linspace(0.0, 0.5, bins + 1)
    idx = np.digitize(radius.ravel(), edges) - 1
    ok = (idx >= 0) & (idx < bins)
    sums = np.bincount(idx[ok], weights=power.ravel()[ok], minlength=bins)
    counts = np.bincount(idx[ok], minlength=bins)
    centres = (edges[:-1] + edges[1:]) / 2
    valid = counts > 0
    return centres[valid], sums[valid] / counts[valid]


def high_pass_residuals(tiles: np.ndarray) -> list[np.ndarray]:
    """|horizontal difference|, |vertical difference| and |Laplacian| of tiles that carry 1 px of context.

    Interpolation makes their local variance periodic; which of them shows it depends on the resampling
    phase (a symmetric ×2 resize, for instance, leaves the Laplacian's variance flat but not the differences').
    """
    x = np.asarray(tiles, dtype=np.float32)
    centre = x[..., 1:-1, 1:-1]
    right, below = x[..., 1:-1, 2:], x[..., 2:, 1:-1]
    dx = np.abs(right - centre)
    dy = np.abs(below - centre)
    lap = np.abs(right + below + x[..., 1:-1, :-2] + x[..., :-2, 1:-1] - 4 * centre)
    return [dx, dy, lap]


def periodicity_ratio(residual_tiles: np.ndarray) -> np.ndarray:
    """Mean power spectrum of residual tiles divided by its smooth local background."""
    count = len(residual_tiles)
    power = stack_power(residual_tiles)
    log_power = np.log(power + np.float32(1e-12))
    background = _wrapped_blur(log_power, float(np.clip(power.shape[0] / 64.0, 2.0, 8.0)))
    # the mean log of a Gamma(count) periodogram lies below the log of its mean by digamma(count) − ln(count)
    bias = float(special.digamma(count) - np.log(count))
    return np.exp(log_power - background + np.float32(bias))


def residual_peaks(lum: np.ndarray, tile: int, max_tiles: int = 16) -> tuple[list[Peak], float, np.ndarray]:
    """Peaks in the spectra of high-pass residual magnitudes (a periodic variance betrays interpolation).

    Returns (peaks sorted by strength, detection threshold as a power ratio, ratio map = max over residuals).
    The threshold keeps the expected number of noise bins above it near ``_FALSE_ALARM`` per image.
    """
    tiles = tile_stack(lum, tile, max_tiles, margin=1)
    residuals = high_pass_residuals(tiles)
    count = len(tiles)
    ratio = np.maximum.reduce([periodicity_ratio(r) for r in residuals])
    n = ratio.shape[0]
    f = np.fft.fftshift(np.fft.fftfreq(n)).astype(np.float32)
    radius = np.hypot(f[:, None], f[None, :])
    candidates = radius >= _MIN_RADIUS
    # each real-signal peak appears twice (f and −f); count the tests and list the peaks once
    tests = max(int(candidates.sum()) // 2, 1) * len(residuals)
    threshold = float(stats.gamma.isf(_FALSE_ALARM / tests, a=count, scale=1.0 / count))
    local_max = ratio >= cv2.dilate(np.pad(ratio, 1, mode="wrap"), np.ones((3, 3), np.uint8))[1:-1, 1:-1]
    hits = np.argwhere(candidates & local_max & (ratio > threshold))
    unique: dict[tuple[float, float], Peak] = {}
    for r, c in hits:
        fx, fy = _canonical(float(f[c]), float(f[r]))
        key = (round(fx, 6), round(fy, 6))
        if key not in unique or unique[key].ratio < ratio[r, c]:
            unique[key] = Peak(fx, fy, float(ratio[r, c]))
    peaks = sorted(unique.values(), key=lambda p: p.ratio, reverse=True)
    return peaks[:_MAX_PEAKS], threshold, ratio


def _canonical(fx: float, fy: float) -> tuple[float, float]:
    """One representative of the conjugate pair ±(fx, fy), with ±0.5 written as +0.5."""
    if fy < 0 or (fy == 0 and fx < 0):
        fx, fy = -fx, -fy
    fx = 0.5 if fx == -0.5 else fx + 0.0  # + 0.0 turns −0.0 into 0.0
    fy = 0.5 if fy == -0.5 else fy + 0.0
    return fx, fy


def _wrapped_blur(plane: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a periodic 2-D plane (a spectrum wraps around at ±0.5 cycles/px)."""
    pad = min(int(np.ceil(3 * sigma)), plane.shape[0] - 1, plane.shape[1] - 1)
    padded = np.pad(plane, pad, mode="wrap")
    blurred = cv2.GaussianBlur(padded, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    return blurred[pad : pad + plane.shape[0], pad : pad + plane.shape[1]]


def _tile_size(shape: tuple[int, int], wanted: int) -> int:
    return max(2, min(wanted, shape[0], shape[1]) // 2 * 2) if min(shape) >= 2 else 0


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    ctx.progress(0.05, "computing luminance")
    lum = luminance(subject.image)
    tile = _tile_size(lum.shape, int(params["tile"]))
    if tile < _MIN_TILE:
        return Finding(
            engine="spectrum",
            version=VERSION,
            params=dict(params),
            summary=f"The image is too small for a frequency spectrum (at least {_MIN_TILE} × {_MIN_TILE} px needed).",
            score=None,
        )
    ctx.progress(0.2, "luminance spectrum")
    power, count = welch_power(lum, tile, int(params["max_tiles"]))
    heat = stretch(np.log10(power + np.float32(1e-6)), 0.5, 99.9)
    freq, radial = radial_average(power, max(8, tile // 8))
    ctx.progress(0.55, "residual periodicity")
    peaks, threshold, _ = residual_peaks(lum, tile, int(params["max_tiles"]))
    best = peaks[0].ratio if peaks else 0.0
    score = float(1.0 - threshold / best) if best > threshold else 0.0
    plots = (
        Plot(
            "Radial average of the luminance spectrum",
            freq.astype(np.float32),
            (10.0 * np.log10(radial + 1e-12)).astype(np.float32),
            "frequency (cycles/px)",
            "power (dB)",
        ),
    )
    table = tuple(
        (
            f"Peak {i + 1}: ({p.fx:+.3f}, {p.fy:+.3f}) cycles/px",
            f"{p.decibels:.1f} dB, period {p.period:.2f} px, {p.cause()}",
        )
        for i, p in enumerate(peaks)
    )
    if peaks:
        found = f"{len(peaks)} periodic peak(s) in the high-pass residual; strongest {peaks[0].decibels:.1f} dB at "
        found += f"period {peaks[0].period:.2f} px ({peaks[0].cause()})."
    else:
        found = "No periodic peak in the high-pass residual stands out from the background."
    summary = (
        f"Spectrum averaged over {count} windowed tile(s) of {tile} px. {found} Natural photos have a smooth "
        "spectrum falling towards high frequencies; sharp peaks or a hard cut-off point to resampling, "
        "upsampling in a generator, or compression grids."
    )
    details = {
        "tile": tile,
        "tiles": count,
        "threshold_ratio": threshold,
        "peaks": [
            {"fx": p.fx, "fy": p.fy, "ratio": p.ratio, "db": p.decibels, "period": p.period, "cause": p.cause()}
            for p in peaks
        ],
        "heatmap_is_spectrum": True,
    }
    return Finding(
        engine="spectrum",
        version=VERSION,
        params=dict(params),
        summary=summary,
        heatmap=heat,
        score=score,
        plots=plots,
        table=table,
        details=details,
    )


ANALYSIS = register(
    Analysis(
        id="spectrum",
        group="Detail and colour",
        title="Frequency spectrum",
        how_to_read=(
            "The map is the log-magnitude Fourier spectrum of the luminance (centre = low frequencies, edges = "
            "finest detail), averaged over windowed tiles; it is not aligned with the picture. The plot is its "
            "average over rings. Resampling, generator upsampling and JPEG leave periodic traces that appear as "
            "isolated bright dots in the spectrum of the high-pass residual; these are listed with their period "
            "and a likely cause. Period 2 also comes from ordinary camera demosaicing and 8 px from JPEG."
        ),
        params=(
            Param("tile", "Tile size (px)", "int", 512, 64, 2048, 64, help="FFT size; larger = finer frequency."),
            Param("max_tiles", "Tiles averaged (max)", "int", 16, 1, 64, 1, help="More tiles = smoother spectrum."),
        ),
        output="plot",
        run=_run,
        version=VERSION,
    )
)
