"""Local noise level: a robust noise standard deviation per overlapping block, shown as a map."""

from __future__ import annotations

import dataclasses
from typing import Any

import cv2
import numpy as np

from engines.findings import Finding
from engines.forensics._pixel_maps import (
    block_centres,
    block_starts,
    check_rgb,
    grid_to_map,
    luminance,
    sample,
)
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"
METHODS = ("wavelet", "laplacian")
CHANNELS = ("rgb", "luminance")
_MAD_TO_SIGMA = 1.0 / 0.6745
_IMMERKAER_SCALE = float(np.sqrt(np.pi / 2.0) / 6.0)
_IMMERKAER_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)


@dataclasses.dataclass(frozen=True)
class NoiseGrid:
    """Noise sigma per block; ``rows``/``cols`` are the block centres in image pixels."""

    sigma: np.ndarray
    rows: np.ndarray
    cols: np.ndarray

    def to_map(self, shape: tuple[int, int]) -> np.ndarray:
        """The grid interpolated to a full-size float32 map."""
        return grid_to_map(self.sigma, self.rows, self.cols, shape)


def haar_diagonal(lum: np.ndarray) -> np.ndarray:
    """Finest diagonal (HH) Haar wavelet band of a 2-D image, same values as ``pywt.dwt2(x, "haar")[1][2]``."""
    x = np.asarray(lum, dtype=np.float32)
    h, w = (x.shape[0] // 2) * 2, (x.shape[1] // 2) * 2
    x = x[:h, :w]
    return (x[0::2, 0::2] - x[0::2, 1::2] - x[1::2, 0::2] + x[1::2, 1::2]) * np.float32(0.5)


def laplacian_response(lum: np.ndarray) -> np.ndarray:
    """Absolute response to Immerkær's noise mask (a difference of two Laplacians), border pixels dropped."""
    x = np.asarray(lum)
    if x.dtype != np.uint8:
        x = x.astype(np.float32, copy=False)
    if min(x.shape) < 3:
        return np.zeros((0, 0), np.float32)
    return np.abs(cv2.filter2D(x, cv2.CV_32F, _IMMERKAER_KERNEL)[1:-1, 1:-1])


def global_noise_sigma(lum: np.ndarray, method: str = "wavelet") -> float:
    """One robust noise sigma for the whole image (grey levels)."""
    x = np.asarray(lum)
    if method == "wavelet":
        return _global_wavelet_sigma(*_abs_haar_diagonal(x)) if min(x.shape) >= 2 else 0.0
    if method == "laplacian":
        resp = laplacian_response(x)
        return float(resp.mean()) * _IMMERKAER_SCALE if resp.size else 0.0
    raise ValueError(f"unknown noise method {method!r}; use one of {', '.join(METHODS)}")


def local_noise_sigma(lum: np.ndarray, block: int = 32, method: str = "wavelet") -> NoiseGrid:
    """Noise sigma in blocks of ``block`` px overlapping by half, by wavelet MAD or Immerkær's method."""
    return plane_noise(lum, block, method)[0]


def plane_noise(plane: np.ndarray, block: int = 32, method: str = "wavelet") -> tuple[NoiseGrid, float]:
    """Block noise sigmas and the whole-plane sigma of one 2-D plane (uint8 or float grey levels)."""
    if block < 4:
        raise ValueError("block must be at least 4 px")
    x = np.asarray(plane)
    if method == "wavelet":
        return _wavelet_noise(x, block)
    if method == "laplacian":
        return _laplacian_noise(x, block)
    raise ValueError(f"unknown noise method {method!r}; use one of {', '.join(METHODS)}")


def image_noise(
    image: np.ndarray, block: int = 32, method: str = "wavelet", channels: str = "rgb"
) -> tuple[NoiseGrid, float]:
    """Block noise sigmas and global sigma of an RGB image: mean over R, G, B ("rgb") or of the luminance."""
    rgb = check_rgb(image)
    if channels == "luminance":
        return plane_noise(luminance(rgb), block, method)
    if channels != "rgb":
        raise ValueError(f"unknown channels {channels!r}; use one of {', '.join(CHANNELS)}")
    results = [plane_noise(rgb[:, :, c], block, method) for c in range(3)]
    mean = (results[0][0].sigma + results[1][0].sigma + results[2][0].sigma) / np.float32(3.0)
    overall = float(np.mean([r[1] for r in results]))
    return NoiseGrid(mean, results[0][0].rows, results[0][0].cols), overall


def image_noise_sigma(image: np.ndarray, block: int = 32, method: str = "wavelet", channels: str = "rgb") -> NoiseGrid:
    """Block noise sigmas of an RGB image (see ``image_noise``)."""
    return image_noise(image, block, method, channels)[0]


def _abs_haar_diagonal(x: np.ndarray) -> tuple[np.ndarray, float]:
    """|HH| and the factor that turns it into grey levels; uint8 input stays in exact int16 arithmetic (2·|HH|)."""
    if x.dtype != np.uint8:
        return np.abs(haar_diagonal(x)), 1.0
    h, w = (x.shape[0] // 2) * 2, (x.shape[1] // 2) * 2
    a, b = x[0:h:2, 0:w:2].astype(np.int16), x[0:h:2, 1:w:2].astype(np.int16)
    c, d = x[1:h:2, 0:w:2].astype(np.int16), x[1:h:2, 1:w:2].astype(np.int16)
    return np.abs(a - b - c + d), 0.5


def _global_wavelet_sigma(abs_hh: np.ndarray, unit: float) -> float:
    """MAD sigma of a whole |HH| band (median over a regular subsample of at most a million values)."""
    sub = sample(abs_hh)
    return float(np.partition(sub, sub.size // 2)[sub.size // 2]) * unit * _MAD_TO_SIGMA


def _wavelet_noise(x: np.ndarray, block: int) -> tuple[NoiseGrid, float]:
    if min(x.shape) < 2:
        return _flat_grid(x.shape), 0.0
    hh, unit = _abs_haar_diagonal(x)
    medians, rows, cols = block_medians(hh, max(1, block // 4))
    scale = np.float32(unit * _MAD_TO_SIGMA)
    overall = _global_wavelet_sigma(hh, unit)
    # one HH coefficient spans 2x2 image pixels
    return NoiseGrid(medians.astype(np.float32) * scale, rows * 2 + 0.5, cols * 2 + 0.5), overall


def block_medians(values: np.ndarray, cell: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Medians over blocks of 2x2 cells of ``cell`` px (blocks overlap by half); returns (grid, row, col centres).

    Maps smaller than two cells use smaller cells; a remainder narrower than a cell at the bottom/right is left out.
    """
    v = np.asarray(values)
    cy, cx = _cell_size(v.shape[0], cell), _cell_size(v.shape[1], cell)
    ny, nx = v.shape[0] // cy, v.shape[1] // cx
    ky, kx = min(2, ny), min(2, nx)
    cells = v[: ny * cy, : nx * cx].reshape(ny, cy, nx, cx).transpose(0, 2, 1, 3).reshape(ny, nx, cy * cx)
    parts = [cells[dy : ny - ky + 1 + dy, dx : nx - kx + 1 + dx] for dy in range(ky) for dx in range(kx)]
    blocks = np.concatenate(parts, axis=2) if len(parts) > 1 else parts[0]
    k = blocks.shape[2] // 2
    grid = np.partition(blocks, k, axis=2)[:, :, k]
    rows = np.arange(grid.shape[0], dtype=np.float32) * cy + ky * cy / 2.0 - 0.5
    cols = np.arange(grid.shape[1], dtype=np.float32) * cx + kx * cx / 2.0 - 0.5
    return np.ascontiguousarray(grid), rows, cols


def _cell_size(length: int, cell: int) -> int:
    return max(1, min(cell, length // 2))


def _laplacian_noise(x: np.ndarray, block: int) -> tuple[NoiseGrid, float]:
    resp = laplacian_response(x)
    if resp.size == 0:
        return _flat_grid(x.shape), 0.0
    stride = max(1, block // 2)
    by, bx = min(block, resp.shape[0]), min(block, resp.shape[1])
    ys, xs = block_starts(resp.shape[0], by, stride), block_starts(resp.shape[1], bx, stride)
    integral = cv2.integral(resp, sdepth=cv2.CV_64F)
    y0, x0 = ys[:, None], xs[None, :]
    sums = integral[y0 + by, x0 + bx] - integral[y0, x0 + bx] - integral[y0 + by, x0] + integral[y0, x0]
    sigma = (sums / (by * bx) * _IMMERKAER_SCALE).astype(np.float32)
    rows = ys.astype(np.float32) + 1 + by / 2.0 - 0.5
    cols = xs.astype(np.float32) + 1 + bx / 2.0 - 0.5
    overall = float(integral[-1, -1]) / resp.size * _IMMERKAER_SCALE
    return NoiseGrid(sigma, rows, cols), overall


def _flat_grid(shape: tuple[int, ...]) -> NoiseGrid:
    h, w = shape[0], shape[1]
    return NoiseGrid(np.zeros((1, 1), np.float32), block_centres(h, h, 1), block_centres(w, w, 1))


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    ctx.progress(0.05, "estimating noise per block")
    image = check_rgb(subject.image)
    grid, overall = image_noise(image, params["block"], params["method"], params["channels"])
    ctx.progress(0.8, "building the map")
    sig = grid.sigma
    p10, p50, p90 = (float(v) for v in np.percentile(sig, (10, 50, 90)))
    top = max(float(np.percentile(sig, 99)), 1e-6)
    heat = np.clip(grid.to_map(image.shape[:2]) / np.float32(top), 0.0, 1.0)
    spread = p90 / p10 if p10 > 1e-6 else None
    ratio = "undefined" if spread is None else f"{spread:.1f}"
    summary = (
        f"Global noise sigma ≈ {overall:.2f} grey levels ({params['method']}, {params['channels']}); "
        f"block sigmas range {p10:.2f}–{p90:.2f} (10th–90th percentile, ratio {ratio}). The map is scaled so that "
        f"{top:.2f} is white. Textured areas always read noisier; look for smooth areas that are "
        "much noisier or cleaner than other smooth areas."
    )
    details = {
        "global_sigma": overall,
        "block_sigma_percentiles": {"p10": p10, "p50": p50, "p90": p90, "p99": top},
        "spread_ratio_p90_p10": spread,
        "map_white_level": top,
        "block": int(params["block"]),
    }
    table = (
        ("Global sigma", f"{overall:.2f}"),
        ("Median block sigma", f"{p50:.2f}"),
        ("10th / 90th percentile", f"{p10:.2f} / {p90:.2f}"),
        ("Blocks", f"{sig.shape[0]} × {sig.shape[1]}"),
    )
    return Finding(
        engine="noise_level",
        version=VERSION,
        params=dict(params),
        summary=summary,
        heatmap=heat.astype(np.float32),
        table=table,
        details=details,
    )


ANALYSIS = register(
    Analysis(
        id="noise_level",
        group="Noise",
        title="Local noise level",
        how_to_read=(
            "Each block gets a robust estimate of its noise standard deviation (wavelet: median absolute "
            "value of the finest diagonal wavelet band / 0.6745; laplacian: Immerkær's fast estimator). "
            "A photo from one camera has similar noise in all smooth areas; a pasted or retouched region "
            "often has more (added grain, other camera) or less (blur, clone, generated content). "
            "Edges and fine texture raise the estimate, so compare smooth areas with smooth areas."
        ),
        params=(
            Param("block", "Block size (px)", "int", 32, 8, 256, 8, help="Blocks overlap by half."),
            Param("method", "Estimator", "choice", "wavelet", choices=METHODS, help="Noise sigma estimator."),
            Param(
                "channels", "Channels", "choice", "rgb", choices=CHANNELS, help="Average of R, G, B or luminance only."
            ),
        ),
        output="map",
        run=_run,
        version=VERSION,
    )
)
