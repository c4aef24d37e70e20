"""Noise residual: luminance minus a denoised copy (median, Gaussian or wavelet shrinkage)."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import cv2
import numpy as np
import pywt

from engines.findings import Finding
from engines.forensics._pixel_maps import luminance, stretch
from engines.forensics.noise_level import global_noise_sigma
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"
DENOISERS = ("median", "gaussian", "wavelet")
THRESHOLDS = ("bayes", "universal")
_MAD_TO_SIGMA = 1.0 / 0.6745
_STRIP_PIXELS = 3_000_000  # wavelet shrinkage works on strips of about this many pixels
_WORKERS = 2


def median_denoise(lum: np.ndarray, kernel: int) -> np.ndarray:
    """Median filter with an odd ``kernel`` (3..9); kernels above 5 work on the luminance rounded to 8 bits."""
    if kernel % 2 == 0 or kernel < 3:
        raise ValueError("median kernel must be an odd number ≥ 3")
    x = np.asarray(lum, dtype=np.float32)
    if kernel <= 5:
        return cv2.medianBlur(x, kernel)
    return cv2.medianBlur(np.clip(np.rint(x), 0, 255).astype(np.uint8), kernel).astype(np.float32)


def gaussian_denoise(lum: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian low-pass of width ``sigma`` px."""
    return cv2.GaussianBlur(np.asarray(lum, np.float32), (0, 0), float(sigma), borderType=cv2.BORDER_REFLECT)


def wavelet_denoise(lum: np.ndarray, levels: int = 2, rule: str = "bayes", wavelet: str = "db2") -> np.ndarray:
    """Soft-threshold the detail bands of a ``levels``-deep wavelet decomposition and reconstruct.

    ``rule="bayes"`` uses a BayesShrink-like threshold per band (sigma² / signal sigma);
    ``rule="universal"`` uses sigma·sqrt(2 ln N). Sigma is the MAD of the finest diagonal band / 0.6745.
    Large images are transformed in overlapping horizontal strips on two threads, with thresholds
    computed from all strips together.
    """
    if rule not in THRESHOLDS:
        raise ValueError(f"unknown threshold rule {rule!r}; use one of {', '.join(THRESHOLDS)}")
    x = np.asarray(lum, dtype=np.float32)
    filter_length = pywt.Wavelet(wavelet).dec_len
    max_level = pywt.dwt_max_level(min(x.shape), filter_length)
    levels = max(1, min(levels, max_level)) if max_level >= 1 else 0
    if levels == 0:
        return x.copy()
    strips = _strips(x.shape, 2**levels, filter_length * 2**levels)
    with ThreadPoolExecutor(max_workers=min(_WORKERS, len(strips))) as pool:
        decomposed = list(pool.map(lambda s: pywt.wavedec2(x[s[0] : s[1]], wavelet, level=levels), strips))
        finest = np.concatenate([np.abs(c[-1][2]).ravel() for c in decomposed])
        sigma = float(np.median(finest)) * _MAD_TO_SIGMA
        if sigma <= 0.0:
            return x.copy()
        thresholds = _band_thresholds(decomposed, sigma, rule, x.size)

        def rebuild(item: tuple[tuple[int, int, int, int], list[Any]]) -> np.ndarray:
            (start, stop, core_start, core_stop), coeffs = item
            shrunk = [coeffs[0]] + [
                tuple(pywt.threshold(band, thresholds[i][j], mode="soft") for j, band in enumerate(bands))
                for i, bands in enumerate(coeffs[1:])
            ]
            out = pywt.waverec2(shrunk, wavelet)[: stop - start, : x.shape[1]]
            return out[core_start - start : core_stop - start]

        parts = list(pool.map(rebuild, zip(strips, decomposed, strict=True)))
    return np.concatenate(parts, axis=0).astype(np.float32)


def _strips(shape: tuple[int, ...], align: int, margin: int) -> list[tuple[int, int, int, int]]:
    """(start, stop, core start, core stop) rows of overlapping strips; starts are multiples of ``align``."""
    h, w = shape[0], shape[1]
    count = max(1, min(8, round(h * w / _STRIP_PIXELS), h // (4 * margin)))
    cuts = [0] + [round(k * h / count / align) * align for k in range(1, count)] + [h]
    margin = -(-margin // align) * align
    return [(max(0, a - margin), min(h, b + margin), a, b) for a, b in itertools.pairwise(cuts)]


def _band_thresholds(decomposed: list[list[Any]], sigma: float, rule: str, size: int) -> list[list[float]]:
    """Soft thresholds per level and band (horizontal, vertical, diagonal), pooled over strips."""
    universal = sigma * float(np.sqrt(2.0 * np.log(max(size, 2))))
    out = []
    for level in range(1, len(decomposed[0])):
        row = []
        for band in range(3):
            if rule == "universal":
                row.append(universal)
                continue
            energy = sum(float(np.sum(c[level][band].astype(np.float64) ** 2)) for c in decomposed)
            count = sum(c[level][band].size for c in decomposed)
            signal_var = max(energy / max(count, 1) - sigma**2, 0.0)
            peak = max(float(np.abs(c[level][band]).max()) for c in decomposed)
            row.append(sigma**2 / np.sqrt(signal_var) if signal_var > 0 else peak)
        out.append(row)
    return out


def noise_residual(lum: np.ndarray, denoiser: str = "median", **options: Any) -> np.ndarray:
    """Signed residual ``lum − denoised(lum)`` (float32, grey levels)."""
    x = np.asarray(lum, dtype=np.float32)
    if denoiser == "median":
        smooth = median_denoise(x, int(options.get("kernel", 3)))
    elif denoiser == "gaussian":
        smooth = gaussian_denoise(x, float(options.get("sigma", 1.0)))
    elif denoiser == "wavelet":
        smooth = wavelet_denoise(x, int(options.get("levels", 2)), str(options.get("rule", "bayes")))
    else:
        raise ValueError(f"unknown denoiser {denoiser!r}; use one of {', '.join(DENOISERS)}")
    return x - smooth


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    ctx.progress(0.05, "computing luminance")
    lum = luminance(subject.image)
    ctx.progress(0.2, f"denoising ({params['denoiser']})")
    residual = noise_residual(
        lum,
        params["denoiser"],
        kernel=params["kernel"],
        sigma=params["sigma"],
        levels=params["levels"],
        rule=params["threshold"],
    )
    ctx.progress(0.7, "building the map")
    magnitude = np.abs(residual)
    if params["smoothing"] > 0:
        size = 2 * int(params["smoothing"]) + 1
        magnitude = cv2.blur(magnitude, (size, size), borderType=cv2.BORDER_REFLECT)
    heat = stretch(magnitude, 0.0, float(params["percentile"]))
    rms = float(np.sqrt(np.mean(residual.astype(np.float64) ** 2))) if residual.size else 0.0
    sigma = global_noise_sigma(lum)
    summary = (
        f"Residual RMS {rms:.2f} grey levels after a {params['denoiser']} denoiser (global noise sigma ≈ "
        f"{sigma:.2f}). The map shows |residual| stretched so that its {params['percentile']:g}th percentile is "
        "white. Edges and texture are always bright; look for smooth areas whose grain differs from other "
        "smooth areas (stronger, weaker or with another pattern)."
    )
    return Finding(
        engine="noise_residual",
        version=VERSION,
        params=dict(params),
        summary=summary,
        heatmap=heat,
        table=(("Residual RMS", f"{rms:.2f}"), ("Global noise sigma", f"{sigma:.2f}")),
        details={"residual_rms": rms, "global_sigma": sigma},
    )


ANALYSIS = register(
    Analysis(
        id="noise_residual",
        group="Noise",
        title="Noise residual",
        how_to_read=(
            "The luminance is denoised and subtracted from itself, leaving the fine grain (sensor noise, "
            "compression artefacts) plus edges. Authentic areas of one photo share one grain; pasted, "
            "cloned, retouched or generated regions often show grain that is stronger, weaker, or of another "
            "character than similar content around them. Compare like with like: edges are always bright."
        ),
        params=(
            Param("denoiser", "Denoiser", "choice", "median", choices=DENOISERS, help="How the clean image is made."),
            Param("kernel", "Median kernel", "int", 3, 3, 9, 2, help="Odd window size of the median filter."),
            Param("sigma", "Gaussian sigma (px)", "float", 1.0, 0.3, 5.0, 0.1, help="Width of the Gaussian filter."),
            Param("levels", "Wavelet levels", "int", 2, 1, 5, 1, help="Decomposition depth of the wavelet denoiser."),
            Param("threshold", "Wavelet threshold", "choice", "bayes", choices=THRESHOLDS, help="Shrinkage rule."),
            Param("smoothing", "Local average (px)", "int", 0, 0, 32, 1, help="Average |residual| over a window."),
            Param("percentile", "White point (percentile)", "float", 99.0, 50.0, 100.0, 0.5, help="Contrast stretch."),
        ),
        output="map",
        run=_run,
        version=VERSION,
    )
)
