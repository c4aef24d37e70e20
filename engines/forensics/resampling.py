"""Resampling detection (Popescu–Farid / Kirchner style): periodic correlations of a linear-predictor residual."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import scipy.fft

from engines.findings import Finding
from engines.forensics._pixel_maps import grid_to_map, luminance
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"
PREDICTORS = ("combined", "fixed", "difference", "em")
# Kirchner's fixed predictor: the 8 neighbours, edge neighbours +1/2, corners −1/4
FIXED_WEIGHTS = np.array([[-0.25, 0.5, -0.25], [0.5, 0.0, 0.5], [-0.25, 0.5, -0.25]], dtype=np.float32)
# first difference to the left neighbour: asymmetric, so it also sees symmetric ×2 enlargement
DIFFERENCE_WEIGHTS = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]], dtype=np.float32)
_OFFSETS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]
_MIN_FREQ = 0.1  # cycles/px; lower frequencies of the p-map follow image content
_PIXEL_BUDGET = 4.0  # analyse at most this many times the image's pixels in (overlapping) blocks
_EM_SAMPLES = 200_000
_SCORE_AREA = 0.02


def em_weights(lum: np.ndarray, iterations: int = 15, samples: int = _EM_SAMPLES) -> tuple[np.ndarray, float]:
    """EM estimate of 3×3 predictor weights and residual sigma (Popescu–Farid), on a regular pixel subsample.

    Each pixel is either linearly predictable from its 8 neighbours (Gaussian residual) or an outlier
    (uniform over 256 grey levels); weights are refitted by weighted least squares on the posteriors.
    """
    x = np.asarray(lum, dtype=np.float64)
    h, w = x.shape
    if h < 3 or w < 3:
        return FIXED_WEIGHTS.copy(), 1.0
    step = max(1, int(np.sqrt((h - 2) * (w - 2) / samples)))
    centre = x[1:-1:step, 1:-1:step].ravel()
    design = np.stack([x[1 + dy : h - 1 + dy : step, 1 + dx : w - 1 + dx : step].ravel() for dy, dx in _OFFSETS], 1)
    weights = np.array([FIXED_WEIGHTS[dy + 1, dx + 1] for dy, dx in _OFFSETS], dtype=np.float64)
    sigma = max(float(np.std(centre - design @ weights)), 0.5)
    outlier_density = 1.0 / 256.0
    for _ in range(iterations):
        residual = centre - design @ weights
        likelihood = np.exp(-(residual**2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))
        post = likelihood / (likelihood + outlier_density)
        weighted = design * post[:, None]
        gram = design.T @ weighted + 1e-6 * np.eye(len(_OFFSETS))
        new = np.linalg.solve(gram, weighted.T @ centre)
        sigma = max(float(np.sqrt(np.sum(post * residual**2) / max(post.sum(), 1e-9))), 0.25)
        if np.max(np.abs(new - weights)) < 1e-4:
            weights = new
            break
        weights = new
    kernel = np.zeros((3, 3), np.float32)
    for (dy, dx), value in zip(_OFFSETS, weights, strict=True):
        kernel[dy + 1, dx + 1] = value
    return kernel, sigma


def probability_map(lum: np.ndarray, kernel: np.ndarray, sigma: float) -> np.ndarray:
    """p = exp(−r²/(2σ²)) of the residual r = lum − (kernel ⊛ lum): near 1 where the pixel is well predicted."""
    x = np.asarray(lum, dtype=np.float32)
    residual = x - cv2.filter2D(x, cv2.CV_32F, kernel, borderType=cv2.BORDER_REFLECT)
    return np.exp(residual * residual * np.float32(-0.5 / sigma**2))


def block_periodicity(
    pmap: np.ndarray, block: int, ignore_grid: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Peak-to-mean ratio of each block's p-map power spectrum above ``_MIN_FREQ`` cycles/px.

    Blocks of ``block`` px overlap by half unless that would analyse more than ``_PIXEL_BUDGET`` × the
    image's pixels; a remainder narrower than the stride at the bottom/right is left out.
    Returns (ratio grid, row centres, col centres).
    """
    h, w = pmap.shape
    b = min(block, h, w)
    stride = max(1, b // 2)
    if ((h - b) // stride + 1) * ((w - b) // stride + 1) * b * b > _PIXEL_BUDGET * h * w:
        stride = b
    ny, nx = (h - b) // stride + 1, (w - b) // stride + 1
    weights = _frequency_weights(b, ignore_grid)
    kept = float(weights.sum())
    window = cv2.createHanningWindow((b, b), cv2.CV_32F) if b > 2 else np.ones((b, b), np.float32)
    views = np.lib.stride_tricks.sliding_window_view(pmap, (b, b))[::stride, ::stride]
    ratios = np.zeros((ny, nx), np.float32)
    rows_per_chunk = max(1, 1024 // nx)
    for start in range(0, ny, rows_per_chunk):
        chunk = views[start : start + rows_per_chunk].astype(np.float32)
        chunk -= chunk.mean(axis=(2, 3), keepdims=True)
        chunk *= window
        spec = scipy.fft.rfft2(chunk, workers=-1)
        power = spec.real**2 + spec.imag**2
        power *= weights
        peak = power.max(axis=(2, 3))
        mean = power.sum(axis=(2, 3)) / kept
        ratios[start : start + rows_per_chunk] = np.where(mean > 1e-12, peak / np.maximum(mean, 1e-12), 0.0)
    rows = np.arange(ny, dtype=np.float32) * stride + b / 2.0 - 0.5
    cols = np.arange(nx, dtype=np.float32) * stride + b / 2.0 - 0.5
    return ratios, rows, cols


def _frequency_weights(b: int, ignore_grid: bool) -> np.ndarray:
    """1 for the rfft2 bins that count towards the periodicity score, 0 for the rest."""
    f = np.fft.fftfreq(b)
    fr = np.fft.rfftfreq(b)
    keep = np.hypot(f[:, None], fr[None, :]) >= _MIN_FREQ
    if ignore_grid:
        # multiples of 1/8 cycles/px and the neighbouring bin on each side (the Hann window's main lobe)
        tolerance = 8.0 * 1.01 / b
        on_grid_y = np.abs(f * 8 - np.round(f * 8)) <= tolerance
        on_grid_x = np.abs(fr * 8 - np.round(fr * 8)) <= tolerance
        keep &= ~(on_grid_y[:, None] & on_grid_x[None, :])
    return keep.astype(np.float32)


def null_ratio(block: int) -> float:
    """Typical peak-to-mean power ratio of a block with no periodicity (largest of N exponentials ≈ ln N + γ)."""
    bins = max(4, int(0.5 * block * block * (1 - np.pi * _MIN_FREQ**2)))
    return float(np.log(bins) + 0.5772)


def predictor_kernels(lum: np.ndarray, predictor: str, sigma: float) -> list[tuple[str, np.ndarray, float]]:
    """(name, kernel, sigma) of each linear predictor that ``predictor`` stands for."""
    if predictor == "em":
        kernel, em_sigma = em_weights(lum)
        return [("em", kernel, em_sigma)]
    kernels = {"fixed": [("fixed", FIXED_WEIGHTS)], "difference": [("difference", DIFFERENCE_WEIGHTS)]}
    kernels["combined"] = kernels["fixed"] + kernels["difference"]
    if predictor not in kernels:
        raise ValueError(f"unknown predictor {predictor!r}; use one of {', '.join(PREDICTORS)}")
    return [(name, kernel, sigma) for name, kernel in kernels[predictor]]


def periodicity_strength(
    lum: np.ndarray, predictor: str = "fixed", sigma: float = 1.0, block: int = 64, ignore_grid: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, float]]:
    """Log of each block's periodicity ratio over the image's typical block (or noise, if larger).

    With several predictors the largest value per block wins. Returns (grid, row centres, col centres,
    typical-block periodicity relative to noise per predictor).
    """
    x = np.asarray(lum, dtype=np.float32)
    base = null_ratio(min(block, *x.shape))
    strength: np.ndarray | None = None
    typical: dict[str, float] = {}
    rows = cols = np.zeros(0, np.float32)
    for name, kernel, sig in predictor_kernels(x, predictor, sigma):
        ratios, rows, cols = block_periodicity(probability_map(x, kernel, sig), block, ignore_grid)
        median = float(np.median(ratios)) if ratios.size else 0.0
        typical[name] = median / base
        value = np.log(np.maximum(ratios, 1e-6) / max(base, median))
        strength = value if strength is None else np.maximum(strength, value)
    assert strength is not None
    return strength.astype(np.float32), rows, cols, typical


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    ctx.progress(0.05, "computing luminance")
    lum = luminance(subject.image)
    if min(lum.shape) < 8:
        return Finding(
            engine="resampling",
            version=VERSION,
            params=dict(params),
            summary="The image is too small for resampling detection (at least 8 × 8 px needed).",
            heatmap=np.zeros(lum.shape, np.float32),
            mask=np.zeros(lum.shape, bool),
            score=0.0,
        )
    ctx.progress(0.2, "prediction residuals and block spectra")
    strength, rows, cols, typical = periodicity_strength(
        lum, params["predictor"], float(params["sigma"]), int(params["block"]), bool(params["ignore_jpeg_grid"])
    )
    grid_heat = np.clip(strength / np.float32(np.log(float(params["contrast"]))), 0.0, 1.0)
    ctx.progress(0.85, "building the map")
    heat = np.clip(grid_to_map(grid_heat, rows, cols, lum.shape), 0.0, 1.0)
    mask = heat > 0.5
    fraction = float(mask.mean())
    score = float(1.0 - np.exp(-fraction / _SCORE_AREA))
    flagged = int((grid_heat > 0.5).sum())
    level = max(typical.values())
    overall = f"The typical block is {level:.1f}× as periodic as noise" + (
        ", so the whole image may have been resized, demosaiced or JPEG-compressed." if level > 3 else "."
    )
    summary = (
        f"{flagged} of {grid_heat.size} blocks ({fraction * 100:.1f}% of the image) show clearly stronger periodic "
        f"pixel correlations than the typical block ({params['predictor']} predictor). {overall} A bright patch "
        "suggests a pasted region that was enlarged, reduced or rotated. Flat and clipped areas stay dark."
    )
    details = {
        "typical_periodicity": typical,
        "flagged_blocks": flagged,
        "blocks": int(grid_heat.size),
        "flagged_fraction": fraction,
    }
    return Finding(
        engine="resampling",
        version=VERSION,
        params=dict(params),
        summary=summary,
        heatmap=heat,
        mask=mask,
        score=score,
        table=(("Flagged blocks", f"{flagged} / {grid_heat.size}"), ("Flagged area", f"{fraction * 100:.1f}%")),
        details=details,
    )


ANALYSIS = register(
    Analysis(
        id="resampling",
        group="Detail and colour",
        title="Resampling detection",
        how_to_read=(
            "Each pixel is predicted from its neighbours; the probability that it fits the prediction forms "
            "a map. Resizing or rotating interpolates new pixels from old ones, which makes that map periodic. "
            "Each block is scored by the strongest peak of its spectrum relative to the typical block of the "
            "image (or to noise, whichever is larger): bright blocks were likely resampled. Enlargement is "
            "found far more reliably than reduction. Camera demosaicing and JPEG blocks are periodic too: "
            "tick 'ignore JPEG grid' for JPEG photos and look for regions that differ from the rest."
        ),
        params=(
            Param("block", "Block size (px)", "int", 64, 32, 256, 32, help="Size of the analysed blocks."),
            Param(
                "predictor",
                "Predictor",
                "choice",
                "fixed",
                choices=PREDICTORS,
                help="Kirchner's fixed 3×3, first difference, both (combined) or EM-estimated weights.",
            ),
            Param("sigma", "Residual sigma", "float", 1.0, 0.1, 20.0, 0.1, help="Scale of the fixed predictor's map."),
            Param("contrast", "Contrast", "float", 6.0, 2.0, 1000.0, 1.0, help="Peak ratio (× typical) shown white."),
            Param("ignore_jpeg_grid", "Ignore JPEG grid", "bool", False, help="Skip multiples of 1/8 cycles/px."),
        ),
        output="map",
        run=_run,
        version=VERSION,
    )
)
