"""CFA / demosaicing consistency (after Ferrara et al. 2012): where the colour-filter-array trace is missing."""

from __future__ import annotations

import dataclasses
from typing import Any

import cv2
import numpy as np

from engines.findings import Finding
from engines.forensics._pixel_maps import check_rgb, grid_to_map
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"
_NEIGHBOUR_MEAN = np.array([[0, 0.25, 0], [0.25, 0, 0.25], [0, 0.25, 0]], dtype=np.float32)
_EPS = 0.05  # grey levels² added to local variances (8-bit rounding alone gives ≈ 0.08)
_MIN_ACTIVITY = 1.0  # blocks whose acquired-site variance is below this (grey levels²) carry no information
_MIN_TRACE = 1.0  # natural-log ratio below which the image as a whole shows no demosaicing trace
_SCORE_AREA = 0.02
_PHASES = ((0, 0), (0, 1), (1, 0), (1, 1))


@dataclasses.dataclass(frozen=True)
class CfaEstimate:
    """Per-block CFA trace strength and the Bayer layout that best explains the image."""

    trace: np.ndarray  # natural log of (acquired / interpolated) prediction-error variance, per block
    active: np.ndarray  # bool per block: enough texture to judge
    rows: np.ndarray
    cols: np.ndarray
    pattern: str  # e.g. "RGGB": top-left 2×2 cell, row by row
    green_lattice: int  # parity (i + j) % 2 of the acquired green sites


def prediction_error(channel: np.ndarray) -> np.ndarray:
    """Error of predicting each pixel by the mean of its four neighbours (bilinear demosaicing's rule)."""
    x = np.asarray(channel, dtype=np.float32)
    return x - cv2.filter2D(x, cv2.CV_32F, _NEIGHBOUR_MEAN, borderType=cv2.BORDER_REFLECT)


def checkerboard(shape: tuple[int, int]) -> np.ndarray:
    """float32 map that is 1 where (row + column) is even and 0 elsewhere."""
    h, w = shape
    tile = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    return np.tile(tile, ((h + 1) // 2, (w + 1) // 2))[:h, :w]


def lattice_variances(error: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Local Gaussian-weighted mean of error² over the even and the odd quincunx lattice, at every pixel."""
    e2 = error * error
    even = checkerboard(error.shape)
    out = []
    for mask in (even, 1.0 - even):
        num = cv2.GaussianBlur(e2 * mask, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
        den = cv2.GaussianBlur(mask, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
        out.append(num / np.maximum(den, 1e-6))
    return out[0], out[1]


def estimate_pattern(image: np.ndarray, green_error: np.ndarray) -> tuple[str, int]:
    """Bayer layout: green sites are the quincunx lattice with the larger prediction error; red and blue
    sites are the remaining 2×2 phases where the red and blue errors are largest."""
    rgb = check_rgb(image)
    e2 = green_error * green_error
    even = _phase_energy(e2, (0, 0)) + _phase_energy(e2, (1, 1))
    odd = _phase_energy(e2, (0, 1)) + _phase_energy(e2, (1, 0))
    green = 0 if even >= odd else 1
    others = [p for p in _PHASES if (p[0] + p[1]) % 2 != green]
    red_err = prediction_error(rgb[:, :, 0]) ** 2
    blue_err = prediction_error(rgb[:, :, 2]) ** 2
    gain = _phase_energy(red_err, others[0]) - _phase_energy(red_err, others[1])
    gain -= _phase_energy(blue_err, others[0]) - _phase_energy(blue_err, others[1])
    red, blue = (others[0], others[1]) if gain >= 0 else (others[1], others[0])
    layout = {red: "R", blue: "B"}
    return "".join(layout.get(p, "G") for p in _PHASES), green


def _phase_energy(err: np.ndarray, phase: tuple[int, int]) -> float:
    part = err[phase[0] :: 2, phase[1] :: 2]
    return float(part.mean()) if part.size else 0.0


def cfa_trace(image: np.ndarray, block: int = 32, sigma: float = 1.5) -> CfaEstimate:
    """Per-block log ratio of green prediction-error variance at acquired vs interpolated sites."""
    rgb = check_rgb(image)
    h, w = rgb.shape[:2]
    error = prediction_error(rgb[:, :, 1])
    pattern, green = estimate_pattern(rgb, error)
    var_even, var_odd = lattice_variances(error, sigma)
    acquired, interpolated = (var_even, var_odd) if green == 0 else (var_odd, var_even)
    log_ratio = np.log(acquired + np.float32(_EPS)) - np.log(interpolated + np.float32(_EPS))
    b = max(2, min(block, h, w))
    stride = max(1, b // 2)
    trace = cv2.blur(log_ratio, (b, b), borderType=cv2.BORDER_REFLECT)
    activity = cv2.blur(acquired, (b, b), borderType=cv2.BORDER_REFLECT)
    ny, nx = max(1, (h - b) // stride + 1), max(1, (w - b) // stride + 1)
    rows = np.arange(ny, dtype=np.float32) * stride + b / 2.0 - 0.5
    cols = np.arange(nx, dtype=np.float32) * stride + b / 2.0 - 0.5
    ys = np.clip(np.rint(rows).astype(np.int64), 0, h - 1)
    xs = np.clip(np.rint(cols).astype(np.int64), 0, w - 1)
    grid = trace[ys][:, xs]
    active = activity[ys][:, xs] >= _MIN_ACTIVITY
    return CfaEstimate(grid.astype(np.float32), active, rows, cols, pattern, green)


def absent_probability(trace: np.ndarray, active: np.ndarray, iterations: int = 50) -> tuple[np.ndarray, float]:
    """Posterior that each block lacks the CFA trace, from a two-Gaussian mixture on the trace values.

    The "absent" component is centred at 0 (no difference between lattices); the "present" component's
    mean, both spreads and the weights are fitted by EM. Returns (posterior, fitted present-mean).
    """
    values = trace[active].astype(np.float64)
    post = np.zeros(trace.shape, np.float32)
    if values.size < 2:
        return post, 0.0
    mu1 = float(np.percentile(values, 75))
    s0 = s1 = max(float(np.std(values)), 0.1)
    w0 = 0.5
    for _ in range(iterations):
        p0 = w0 * np.exp(-0.5 * (values / s0) ** 2) / s0
        p1 = (1 - w0) * np.exp(-0.5 * ((values - mu1) / s1) ** 2) / s1
        r0 = p0 / np.maximum(p0 + p1, 1e-300)
        r1 = 1.0 - r0
        w0 = float(np.clip(r0.mean(), 1e-3, 1 - 1e-3))
        mu1 = float(np.sum(r1 * values) / max(r1.sum(), 1e-9))
        s0 = max(float(np.sqrt(np.sum(r0 * values**2) / max(r0.sum(), 1e-9))), 0.05)
        s1 = max(float(np.sqrt(np.sum(r1 * (values - mu1) ** 2) / max(r1.sum(), 1e-9))), 0.05)
    t = trace.astype(np.float64)
    p0 = w0 * np.exp(-0.5 * (t / s0) ** 2) / s0
    p1 = (1 - w0) * np.exp(-0.5 * ((t - mu1) / s1) ** 2) / s1
    posterior = p0 / np.maximum(p0 + p1, 1e-300)
    # a block with a stronger trace than the present component's mean is never "absent"
    posterior[t >= mu1] = 0.0
    post[:] = np.where(active, posterior, 0.0)
    return post, mu1


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    ctx.progress(0.05, "green-channel prediction error")
    image = check_rgb(subject.image)
    h, w = image.shape[:2]
    if min(h, w) < 4:
        return Finding(
            engine="cfa",
            version=VERSION,
            params=dict(params),
            summary="The image is too small for a demosaicing analysis (at least 4 × 4 px needed).",
            heatmap=np.zeros((h, w), np.float32),
            mask=np.zeros((h, w), bool),
            score=0.0,
        )
    est = cfa_trace(image, int(params["block"]), float(params["sigma"]))
    ctx.progress(0.6, "fitting trace present / absent")
    overall = float(np.median(est.trace[est.active])) if est.active.any() else 0.0
    if overall < _MIN_TRACE:
        heat = np.zeros((h, w), np.float32)
        summary = (
            f"No demosaicing trace found in the image as a whole (median log variance ratio {overall:.2f}). "
            "The picture was probably resized, strongly compressed, generated, or taken with a sensor "
            "without a Bayer filter; this map cannot localise edits here."
        )
        mu1 = 0.0
    else:
        post, mu1 = absent_probability(est.trace, est.active)
        heat = np.clip(grid_to_map(post, est.rows, est.cols, (h, w)), 0.0, 1.0).astype(np.float32)
        summary = ""
    mask = heat > 0.5
    fraction = float(mask.mean())
    score = float(1.0 - np.exp(-fraction / _SCORE_AREA)) if overall >= _MIN_TRACE else 0.0
    if not summary:
        summary = (
            f"Demosaicing trace present (Bayer layout {est.pattern}, typical log variance ratio {overall:.2f}); "
            f"{fraction * 100:.1f}% of the image lacks it. Bright regions were likely pasted from another "
            "source, resampled, blurred or synthesised. Smooth, dark or clipped areas are not judged."
        )
    details = {
        "pattern": est.pattern,
        "green_lattice_parity": est.green_lattice,
        "median_trace": overall,
        "present_component_mean": mu1,
        "absent_fraction": fraction,
        "judged_blocks": int(est.active.sum()),
        "blocks": int(est.active.size),
    }
    table = (
        ("Bayer layout", est.pattern),
        ("Median trace (log ratio)", f"{overall:.2f}"),
        ("Area without trace", f"{fraction * 100:.1f}%"),
    )
    return Finding(
        engine="cfa",
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
        id="cfa",
        group="Detail and colour",
        title="CFA demosaicing traces",
        how_to_read=(
            "A camera sensor records one colour per pixel behind a Bayer filter and interpolates the rest. "
            "Interpolated green pixels are predicted almost exactly by their neighbours, recorded ones are not; "
            "the ratio of the two prediction-error variances is measured per block. Bright areas lack this "
            "trace although the rest of the picture has it: content pasted from elsewhere, resampled, blurred "
            "or generated. If the whole image lacks the trace, the map cannot be used."
        ),
        params=(
            Param("block", "Block size (px)", "int", 32, 8, 256, 8, help="Blocks overlap by half."),
            Param("sigma", "Local window (px)", "float", 1.5, 0.5, 5.0, 0.5, help="Gaussian window of the variances."),
        ),
        output="map",
        run=_run,
        version=VERSION,
    )
)
