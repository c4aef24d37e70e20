"""Double JPEG compression map: which 8×8 blocks carry the traces of an earlier save and which do not.

An image saved as JPEG, edited and saved again keeps, in the untouched parts, the quantisation of the first save
beneath that of the second; a region pasted in from elsewhere usually does not. Per DCT frequency the histogram
of all blocks is modelled as a mixture of "compressed once" and "quantised earlier with step q1" (Lin et al.
2009; Bianchi & Piva 2012, see ``_dq_model``), q1 is estimated, and each block gets the posterior probability
that it was compressed only once — the map. "aligned": the earlier save used the same block grid; "non-aligned":
the earlier grid is shifted (e.g. the picture was cropped between saves), searched over all 64 offsets.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from engines.findings import Finding
from engines.forensics._block_dct import block_dct, blocks_to_pixels, clipped_blocks, jpeg_luma
from engines.forensics._dq_model import FrequencyFit, fit_aligned, fit_nonaligned
from engines.forensics._jpeg_file import NotJpeg, read_jpeg_tables
from engines.forensics._jpeg_grid import GridScan, estimate_steps, scan_grids
from engines.forensics._jpeg_tables import zigzag_order
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"

_MIN_GRID_CONTRAST = 0.05  # zero-share contrast below which no JPEG grid is visible at all
_MIN_SHIFTED_CONTRAST = 0.1  # periodicity contrast needed to accept a shifted earlier grid
_MIN_GAIN = 0.05  # nats per coefficient for a frequency to count as showing an earlier quantisation
_MIN_ALPHA = 0.2  # and at least this share of blocks must follow it
_FIT_BLOCKS = 40_000  # observed blocks used to fit the models
_CALIBRATION_BLOCKS = 20_000
_SCORE_CLIP = 4.0


def _sample(blocks: np.ndarray, limit: int) -> np.ndarray:
    return blocks[:: max(1, blocks.shape[0] // limit)]


def last_steps(subject: Subject, usable: np.ndarray, positions: list[tuple[int, int]], grid: tuple[int, int]) -> dict:
    """Last save's step per frequency: the file's luminance table when it fits the pixels, else estimated.

    The estimate is the coarsest lattice the coefficients sit on, which is a multiple of the true step (when an
    earlier step was a multiple of the last one the two saves cannot be told apart). So the file's table fits when
    its steps divide the confident estimates; a transposed table (a rotated picture) is tried too.
    """
    estimated = estimate_steps(usable, positions)
    table = None
    if subject.path is not None and grid == (0, 0):
        try:
            table = read_jpeg_tables(subject.path).table_for(0)
        except NotJpeg:
            table = None
    if table is None:
        return estimated
    confident = [p for p in positions if estimated[p] > 1]
    for candidate in (table, table.T):
        fits = sum(estimated[p] % int(candidate[p]) == 0 for p in confident)
        if fits >= 0.8 * len(confident):
            return {p: int(candidate[p]) for p in positions}
    return estimated


def _fit_all(
    mode: str,
    subject: Subject,
    coeffs: np.ndarray,
    usable: np.ndarray,
    calibration: np.ndarray,
    n_freq: int,
    grid: tuple[int, int],
) -> tuple[list[FrequencyFit], dict]:
    positions = zigzag_order()[1 : 1 + n_freq]
    blocks = coeffs[usable]
    sample = _sample(blocks, _FIT_BLOCKS)
    fits = []
    steps: dict = {}
    if mode == "aligned":
        steps = last_steps(subject, sample, positions, grid)
        for p in positions:
            if steps[p] > 0:
                first = np.arange(1, max(40, 3 * steps[p]) + 1)
                fits.append(fit_aligned(p, sample[:, p[0], p[1]], calibration[:, p[0], p[1]], steps[p], first))
    else:
        for p in positions:
            fits.append(fit_nonaligned(p, sample[:, p[0], p[1]], calibration[:, p[0], p[1]], np.arange(2, 41)))
    return fits, steps


def block_log_ratio(coeffs: np.ndarray, fits: list[FrequencyFit], steps: dict, usable: np.ndarray) -> np.ndarray:
    """Per block: Σ over frequencies of log(H1 / H0) — positive means "quantised earlier". 0 where unusable."""
    total = np.zeros(usable.shape, np.float32)
    for fit in fits:
        u, v = fit.position
        values = coeffs[:, :, u, v]
        observed = np.round(values / steps[fit.position]) if steps else np.round(values)
        total += np.clip(fit.block_scores(observed), -_SCORE_CLIP, _SCORE_CLIP).astype(np.float32)
    return np.where(usable, total, 0.0).astype(np.float32)


def posterior_single(log_ratio: np.ndarray, usable: np.ndarray, alpha: float, smoothing: int) -> np.ndarray:
    """Probability each block was compressed only once, from its (neighbourhood-averaged) log ratio and the
    image-wide share ``alpha`` of doubly compressed blocks as prior. Blocks with no evidence get the prior."""
    k = max(1, int(smoothing))
    weight = usable.astype(np.float32)
    if k > 1:
        sums = cv2.boxFilter(log_ratio, -1, (k, k), normalize=False, borderType=cv2.BORDER_REFLECT)
        counts = cv2.boxFilter(weight, -1, (k, k), normalize=False, borderType=cv2.BORDER_REFLECT)
        mean = np.where(counts > 0, sums / np.maximum(counts, 1e-6), 0.0)
    else:
        mean = log_ratio
    prior = np.log(alpha / (1.0 - alpha))
    return (1.0 / (1.0 + np.exp(np.clip(mean + prior, -50, 50)))).astype(np.float32)


def _quiet(params: dict[str, Any], shape: tuple[int, int], summary: str, details: dict | None = None) -> Finding:
    return Finding(
        engine="double_jpeg",
        version=VERSION,
        params=dict(params),
        summary=summary,
        heatmap=np.zeros(shape, np.float32),
        details=details or {},
    )


def _choose_grid(scan: GridScan, mode: str) -> tuple[tuple[int, int] | None, str]:
    if scan.last_grid_contrast < _MIN_GRID_CONTRAST:
        return None, "No JPEG block grid is visible: the image was probably never JPEG-compressed (or was resized)."
    if mode == "aligned":
        return scan.last_grid, ""
    grid, contrast = scan.earlier_grid()
    if contrast < _MIN_SHIFTED_CONTRAST:
        return None, "No shifted earlier JPEG grid found: no sign of non-aligned double compression."
    return grid, ""


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    image = subject.image
    h, w = image.shape[:2]
    mode = params["mode"]
    ctx.progress(0.0, "starting")
    if min(h, w) < 64:
        return _quiet(params, (h, w), "Image too small (under 64 px) for block statistics.")
    ctx.progress(0.05, "locating block grids")
    luma = jpeg_luma(image)
    scan = scan_grids(luma)
    grid, reason = _choose_grid(scan, mode)
    grids = {"last_grid": list(scan.last_grid), "last_grid_contrast": scan.last_grid_contrast}
    if grid is None:
        return _quiet(params, (h, w), reason, grids)
    ctx.progress(0.3, "block DCT")
    coeffs = block_dct(luma, grid)
    usable = ~clipped_blocks(image, grid)
    calibration_grid = scan.quietest
    cal_coeffs = block_dct(luma, calibration_grid)[~clipped_blocks(image, calibration_grid)]
    calibration = _sample(cal_coeffs, _CALIBRATION_BLOCKS)
    if usable.sum() < 64 or calibration.shape[0] < 64:
        return _quiet(params, (h, w), "Too few unclipped blocks to model the DCT statistics.", grids)
    ctx.progress(0.45, "fitting first-quantisation models")
    fits, steps = _fit_all(mode, subject, coeffs, usable, calibration, params["frequencies"], grid)
    accepted = [f for f in fits if f.gain > _MIN_GAIN and f.alpha >= _MIN_ALPHA]
    first_table = np.zeros((8, 8), np.int32)
    for f in accepted:
        first_table[f.position] = f.first_step
    details = {
        **grids,
        "grid": list(grid),
        "calibration_grid": list(calibration_grid),
        "first_steps": first_table,
        "last_steps": {f"{p[0]},{p[1]}": q for p, q in steps.items()},
        "fits": [
            {"position": list(f.position), "q1": f.first_step, "alpha": f.alpha, "gain": f.gain, "spread": f.spread}
            for f in fits
        ],
    }
    if mode == "non-aligned":
        details["grid_shift"] = [(grid[0] - scan.last_grid[0]) % 8, (grid[1] - scan.last_grid[1]) % 8]
    if not accepted:
        return _quiet(
            params,
            (h, w),
            "No DCT frequency shows an earlier quantisation: no sign of double "
            f"compression ({mode}). The map is empty, not a proof of authenticity.",
            details,
        )
    ctx.progress(0.8, "scoring blocks")
    alpha = float(np.clip(np.median([f.alpha for f in accepted]), 0.05, 0.95))
    ratio = block_log_ratio(coeffs, accepted, steps if mode == "aligned" else {}, usable)
    prob = posterior_single(ratio, usable, alpha, params["smoothing"])
    heat = blocks_to_pixels(prob, (h, w), grid, fill=0.0)
    single = float((prob[usable] > 0.5).mean())
    where = f"earlier grid at offset {grid}" if mode == "non-aligned" else "same grid as the last save"
    summary = (
        f"Double compression found ({mode}, {where}) in {len(accepted)} of {len(fits)} frequencies; about "
        f"{alpha * 100:.0f}% of blocks follow it. {single * 100:.1f}% of usable blocks look compressed only once "
        "(bright): pasted or re-rendered content shows up there."
    )
    details["alpha"] = alpha
    return Finding(
        engine="double_jpeg", version=VERSION, params=dict(params), summary=summary, heatmap=heat, details=details
    )


ANALYSIS = register(
    Analysis(
        id="double_jpeg",
        group="JPEG",
        title="Double JPEG compression",
        how_to_read=(
            "When a JPEG is edited and saved again, its untouched parts keep the fingerprint of the first save in "
            "the statistics of their DCT coefficients; content pasted in from elsewhere usually lacks it. Bright "
            "blocks look compressed only once while most of the image looks compressed twice. 'aligned' expects "
            "both saves on the same 8×8 grid (the usual case); 'non-aligned' searches for an earlier grid shifted "
            "by a crop and reports the shift (shifts of one pixel are not searched: on smooth content they mimic "
            "the last grid). Needs a first save at a lower quality than the last (a first save at a higher quality "
            "leaves almost no trace); flat, dark or saturated areas carry no evidence and take the image-wide prior. "
            "An empty map means no double compression was found, not that the image is authentic."
        ),
        params=(
            Param(
                "mode",
                "Grid",
                "choice",
                "aligned",
                choices=("aligned", "non-aligned"),
                help="Same grid for both saves, or search the 64 shifts.",
            ),
            Param("frequencies", "DCT frequencies", "int", 20, 3, 40, 1, help="AC frequencies used, in zig-zag order."),
            Param("smoothing", "Smoothing (blocks)", "int", 3, 1, 15, 1, help="Neighbourhood that shares evidence."),
        ),
        output="map",
        run=_run,
        version=VERSION,
    )
)
