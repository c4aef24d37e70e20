"""JPEG ghosts (after Farid 2009): re-save at a sweep of qualities and look for regions whose difference dips early.

A region that was once saved at a lower quality q1 and pasted into an image saved later at q2 > q1 shows a local
minimum ("ghost") of the re-compression difference at q1, while the rest of the image only has its minimum at q2.
The difference is measured on luminance, averaged over b×b windows. For each quality the ghost strength of a
window is how far its difference at q lies below its highest difference at any higher quality (0 where the curve
falls with quality, as it does for content compressed once), minus the image-wide median of that strength so that
a dip the whole image shares (the last save) cancels.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from engines.findings import Finding, Plot
from engines.forensics._sweep import sweep_map
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"

_LUMA = np.array([[0.299, 0.587, 0.114]], np.float32)
_FLOOR = 0.1  # difference floor, as a fraction of the image's median peak difference (keeps flat areas quiet)
_CLIP = 4  # pixel values this close to 0 or 255 count as clipped
_FULL_SCALE = 0.6  # ghost strength shown as 1.0 in the heatmap


def qualities(q_min: int, q_max: int, step: int) -> list[int]:
    """The sweep q_min, q_min+step, … up to q_max (q_max always included)."""
    sweep = list(range(int(q_min), int(q_max) + 1, max(1, int(step))))
    if not sweep or sweep[-1] != q_max:
        sweep.append(int(q_max))
    return sorted(set(sweep))


def luma_roundtrip(luma: np.ndarray, quality: int) -> np.ndarray:
    """Encode an 8-bit luminance plane as greyscale JPEG at ``quality`` and decode it.

    Gives the same luminance a colour save at that quality would (JPEG codes luminance on its own, with the same
    table), for a third of the work.
    """
    ok, buf = cv2.imencode(".jpg", luma, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def difference_curves(image: np.ndarray, sweep: list[int], block: int, ctx: JobContext | None = None) -> np.ndarray:
    """Mean squared luminance difference image − JPEG(image, q) over ``block``-wide windows, for each q.

    Returns float32 (len(sweep), rows, cols) on a grid of cells ``block // 4`` pixels wide (empty when too small).
    """
    cell = max(1, block // 4)
    rows, cols = image.shape[0] // cell, image.shape[1] // cell
    if rows == 0 or cols == 0:
        return np.zeros((len(sweep), 0, 0), np.float32)
    window = max(1, block // cell)
    src = np.ascontiguousarray(image)
    exact = cv2.transform(src.astype(np.float32), _LUMA)[: rows * cell, : cols * cell]
    coded = cv2.cvtColor(src, cv2.COLOR_RGB2GRAY)  # the 8-bit luminance an encoder starts from

    def one(q: int) -> np.ndarray:
        diff = cv2.subtract(exact, luma_roundtrip(coded, q)[: rows * cell, : cols * cell], dtype=cv2.CV_32F)
        sq = cv2.multiply(diff, diff)
        small = cv2.resize(sq, (cols, rows), interpolation=cv2.INTER_AREA) if cell > 1 else sq
        return cv2.blur(small, (window, window), borderType=cv2.BORDER_REFLECT)

    return np.stack(sweep_map(one, sweep, ctx, (0.05, 0.8), "re-saving")).astype(np.float32)


def unclipped_fraction(image: np.ndarray, block: int) -> np.ndarray:
    """Per cell (as in ``difference_curves``): share of pixels with no channel near 0 or 255 in the window.

    Re-compression differences of clipped pixels do not follow quality, so they carry no ghost evidence.
    """
    cell = max(1, block // 4)
    rows, cols = image.shape[0] // cell, image.shape[1] // cell
    lo = cv2.inRange(np.ascontiguousarray(image), (_CLIP, _CLIP, _CLIP), (255 - _CLIP,) * 3)
    ok = lo[: rows * cell, : cols * cell].astype(np.float32) / 255.0
    small = cv2.resize(ok, (cols, rows), interpolation=cv2.INTER_AREA) if cell > 1 else ok
    window = max(1, block // cell)
    return cv2.blur(small, (window, window), borderType=cv2.BORDER_REFLECT)


def ghost_strength(curves: np.ndarray) -> np.ndarray:
    """Per quality and cell: relative dip below the highest difference at a higher quality, minus its median."""
    n = curves.shape[0]
    if curves.size == 0:
        return np.zeros_like(curves)
    floor = _FLOOR * float(np.median(curves.max(axis=0))) + 1e-6
    later_max = np.maximum.accumulate(curves[::-1], axis=0)[::-1]
    above = np.concatenate([later_max[1:], curves[-1:]])  # max over strictly higher qualities
    dip = np.clip(1.0 - (curves + floor) / (above + floor), 0.0, 1.0)
    return dip - np.median(dip.reshape(n, -1), axis=1)[:, None, None]


def separation(strength: np.ndarray) -> np.ndarray:
    """How strongly each quality's ghost map stands out: mean of its top 1% after a 3×3 cell smoothing."""
    scores = []
    for plane in strength:
        smooth = cv2.blur(plane, (3, 3), borderType=cv2.BORDER_REFLECT)
        count = max(1, smooth.size // 100)
        top = np.partition(smooth.ravel(), smooth.size - count)[-count:]
        scores.append(float(top.mean()))
    return np.array(scores, np.float32)


def choose_quality(scores: np.ndarray, mean_curve: np.ndarray) -> int:
    """Index of the best-separating quality below the last save's (the mean curve's minimum); -1 if none."""
    last = int(np.argmin(mean_curve))  # every area dips at the last save's quality, so no ghost can show there
    return int(np.argmax(scores[:last])) if last > 0 else -1


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    image = subject.image
    h, w = image.shape[:2]
    block = params["block"]
    ctx.progress(0.0, "starting")
    if params["q_min"] >= params["q_max"]:
        raise ValueError("q_min must be below q_max")
    sweep = qualities(params["q_min"], params["q_max"], params["q_step"])
    if min(h, w) < block:
        return Finding(
            "jpeg_ghost",
            VERSION,
            dict(params),
            f"Image too small for {block}×{block} windows: no ghost map.",
            heatmap=np.zeros((h, w), np.float32),
        )
    ctx.progress(0.05, f"re-saving at {len(sweep)} qualities")
    curves = difference_curves(image, sweep, block, ctx)
    ctx.progress(0.8, "measuring ghosts")
    strength = ghost_strength(curves) * unclipped_fraction(image, block)[None]
    scores = separation(strength)
    mean_curve = curves.reshape(len(sweep), -1).mean(axis=1)
    best = choose_quality(scores, mean_curve)
    chosen = params["show_quality"]
    index = int(np.argmin(np.abs(np.array(sweep) - chosen))) if chosen else max(best, 0)
    cells = np.clip(strength[index] / _FULL_SCALE, 0.0, 1.0)
    if not chosen and best < 0:
        cells = np.zeros_like(cells)
    cell = max(1, block // 4)
    heat = cv2.resize(cells, (curves.shape[2] * cell, curves.shape[1] * cell), interpolation=cv2.INTER_LINEAR)
    heat = cv2.copyMakeBorder(heat, 0, h - heat.shape[0], 0, w - heat.shape[1], cv2.BORDER_REPLICATE)
    ctx.progress(0.95, "summarising")

    x = np.array(sweep, np.float64)
    y_label = "mean squared difference (Y)"
    plots = [Plot("Mean difference vs quality", x, mean_curve.astype(np.float64), "re-save quality", y_label)]
    flagged = cells > 0.5
    if flagged.any():
        area_curve = curves[:, flagged].mean(axis=1).astype(np.float64)
        plots.append(Plot("Difference in the flagged area", x, area_curve, "re-save quality", y_label))
    plots.append(Plot("Ghost separation vs quality", x, scores.astype(np.float64), "re-save quality", "separation"))
    strongest = float(scores[best]) if best >= 0 else 0.0
    if best < 0 or strongest < 0.5 * _FULL_SCALE:
        verdict = "No clear ghost: no region dips well below the rest at a quality under the last save's."
    else:
        verdict = f"Ghost at quality {sweep[best]} (separation {strongest:.2f})."
    shown = (
        f"Map at quality {sweep[index]}: {float((heat > 0.5).mean()) * 100:.1f}% bright." if best >= 0 or chosen else ""
    )
    lowest = sweep[int(np.argmin(mean_curve))]
    summary = f"{verdict} Re-saving changes it least at quality ≈ {lowest} (the last save's, if JPEG). {shown}".strip()
    details = {
        "qualities": sweep,
        "separation": scores.tolist(),
        "shown_quality": sweep[index],
        "mean_difference": mean_curve.tolist(),
    }
    return Finding(
        engine="jpeg_ghost",
        version=VERSION,
        params=dict(params),
        summary=summary,
        heatmap=heat.astype(np.float32),
        score=float(np.clip(strongest / _FULL_SCALE, 0.0, 1.0)),
        plots=tuple(plots),
        details=details,
    )


ANALYSIS = register(
    Analysis(
        id="jpeg_ghost",
        group="JPEG",
        title="JPEG ghosts",
        how_to_read=(
            "The image is re-saved at a range of JPEG qualities. A pasted region that had been saved before at a "
            "lower quality than the rest shows a 'ghost': its re-save difference drops at that quality while the "
            "rest does not. Bright areas dip below the rest at the quality shown (the one that separates best, "
            "unless you pick one). The curves show the mean difference per quality; a dip in the flagged-area "
            "curve marks the earlier quality. Works only when the pasted part was saved at a lower quality than the "
            "final image and the blocks line up; flat and saturated areas carry no evidence."
        ),
        params=(
            Param("q_min", "Lowest quality", "int", 50, 10, 99, 1, help="Start of the quality sweep."),
            Param("q_max", "Highest quality", "int", 95, 11, 100, 1, help="End of the quality sweep."),
            Param("q_step", "Quality step", "int", 5, 1, 20, 1, help="Step of the sweep (1 is slow)."),
            Param("block", "Window (px)", "int", 16, 4, 64, 4, help="Side of the averaging window (b)."),
            Param("show_quality", "Show quality", "int", 0, 0, 100, 1, help="0 = the best-separating quality."),
        ),
        output="map",
        run=_run,
        version=VERSION,
    )
)
