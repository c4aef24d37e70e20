"""Full-resolution check and refinement of a copy-move found as a plain translation.

A copy carries the same fine detail (grain, sensor noise, small texture) as its source, so the
band-pass detail of both regions correlates strongly, while regions that only look alike at a coarse
scale do not. The shift found on a shrunk image is refined to the pixel here, checked, and the mask
is redrawn at full size. Detail is only computed in windows around the two regions, so large images
stay cheap.
"""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

from engines.forensics._copy_move_regions import clean_mask, local_similarity

MAX_SAMPLES = 20000
MAX_AGREEMENT_PIXELS = 250_000
DETAIL_SIGMAS = (1.0, 3.0)  # difference of Gaussians: survives JPEG better than a pure high-pass
EDGE = 6  # pixels near a region's edge are left out of the global check (a pasted edge is not detail)
LOCAL_CORRELATION = 0.5  # detail ZNCC in a 9x9 window above which a pixel counts as copied
FLAT_DIFFERENCE = 1.0  # grey levels: identical flat areas have no detail to correlate
CONTROL_OFFSET = 8  # control shifts lie this far from the found one (one JPEG block, so grid traces cancel out)


@dataclasses.dataclass(frozen=True)
class TranslationMatch:
    """A checked translation: the exact shift (dx, dy), the detail correlation and both region masks.

    ``control`` is the best correlation at shifts one JPEG block away from ``shift``; smooth or
    self-similar areas (and JPEG block traces) correlate almost as well there, a real copy does not.
    """

    shift: tuple[int, int]
    correlation: float
    control: float
    source: np.ndarray
    target: np.ndarray

    @property
    def distinctiveness(self) -> float:
        """How much better the shift fits than its controls."""
        return self.correlation - self.control


@dataclasses.dataclass(frozen=True)
class _Window:
    """Detail of the grey image inside a rectangle, indexed with full-image coordinates.

    ``detail`` is a difference of Gaussians (robust, but it spreads a few pixels past a region's edge);
    ``fine`` is the image minus a small blur (sharp-edged, but JPEG removes much of it).
    """

    top: int
    left: int
    detail: np.ndarray
    fine: np.ndarray

    @classmethod
    def around(cls, grey: np.ndarray, top: int, bottom: int, left: int, right: int) -> _Window:
        height, width = grey.shape
        top, left = max(0, top), max(0, left)
        bottom, right = min(height, bottom), min(width, right)
        pad = int(4 * DETAIL_SIGMAS[1])
        y0, x0 = max(0, top - pad), max(0, left - pad)
        crop = grey[y0 : min(height, bottom + pad), x0 : min(width, right + pad)]
        small = cv2.GaussianBlur(crop, (0, 0), DETAIL_SIGMAS[0])
        inner = (slice(top - y0, bottom - y0), slice(left - x0, right - x0))
        detail = small - cv2.GaussianBlur(crop, (0, 0), DETAIL_SIGMAS[1])
        return cls(top, left, detail[inner], (crop - small)[inner])

    def contains(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        height, width = self.detail.shape
        return (rows >= self.top) & (rows < self.top + height) & (cols >= self.left) & (cols < self.left + width)

    def at(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return self.detail[rows - self.top, cols - self.left]

    def crop(self, top: int, bottom: int, left: int, right: int, fine: bool = False) -> np.ndarray:
        source = self.fine if fine else self.detail
        return source[top - self.top : bottom - self.top, left - self.left : right - self.left]


def _zncc(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denom = float(np.sqrt(float((a * a).sum()) * float((b * b).sum())))
    return float((a * b).sum()) / denom if denom > 0 else -1.0


class _ShiftScorer:
    """Detail correlation between a region and the region moved by a shift, on a sample of its inner pixels."""

    def __init__(self, here: _Window, there: _Window, region: np.ndarray):
        size = 2 * EDGE + 1
        inner = cv2.erode(region.astype(np.uint8), np.ones((size, size), np.uint8))
        rows, cols = np.nonzero(inner if inner.any() else region)
        step = max(1, len(rows) // MAX_SAMPLES)
        self.rows, self.cols = rows[::step], cols[::step]
        self.base = here.at(self.rows, self.cols)
        self.there = there

    def __call__(self, dx: int, dy: int) -> float:
        inside = self.there.contains(self.rows + dy, self.cols + dx)
        if inside.sum() < 16:
            return -1.0
        return _zncc(self.base[inside], self.there.at(self.rows[inside] + dy, self.cols[inside] + dx))

    def best_near(self, shift: tuple[int, int], radius: int) -> tuple[tuple[int, int], float]:
        """Integer shift within ``radius`` of ``shift`` with the highest correlation (every 2nd shift, then ±1)."""
        stride = 2 if radius > 2 else 1
        candidates = [
            (dx, dy)
            for dy in range(shift[1] - radius, shift[1] + radius + 1, stride)
            for dx in range(shift[0] - radius, shift[0] + radius + 1, stride)
        ]
        scores = [self(dx, dy) for dx, dy in candidates]
        best = candidates[int(np.argmax(scores))]
        if stride > 1:
            candidates = [(best[0] + ox, best[1] + oy) for oy in (-1, 0, 1) for ox in (-1, 0, 1)]
            scores = [self(dx, dy) for dx, dy in candidates]
            best = candidates[int(np.argmax(scores))]
        return best, max(scores)


def _agreement(
    here: _Window, there: _Window, region: np.ndarray, shift: tuple[int, int]
) -> tuple[tuple[int, int], float, float]:
    """Settle the shift within ±1 px of ``shift`` by mean local (9x9) detail correlation over the inner region.

    Returns the shift, its mean local correlation, and the best such mean at the eight control shifts.

    Averaging local correlations, rather than correlating the whole region at once, keeps a strong
    edge (such as the seam of a pasted copy) from outweighing the rest.
    """
    size = 2 * EDGE + 1
    inner = cv2.erode(region.astype(np.uint8), np.ones((size, size), np.uint8)).astype(bool)
    if not inner.any():
        inner = region
    rows, cols = np.nonzero(inner)
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    # large regions are read on a regular sub-grid (same positions on both sides, so shifts stay exact)
    step = max(1, math.ceil(math.sqrt((bottom - top) * (right - left) / MAX_AGREEMENT_PIXELS)))
    chosen = inner[top:bottom:step, left:right:step]
    base = here.crop(top, bottom, left, right)[::step, ::step]
    window = max(1, 4 // step)

    def mean_at(dx: int, dy: int) -> float:
        box = (top + dy, bottom + dy, left + dx, right + dx)
        if box[0] < there.top or box[2] < there.left:
            return -1.0
        other = there.crop(*box)[::step, ::step]
        if other.shape != base.shape:
            return -1.0
        zncc, _ = local_similarity(base, other, window)
        return float(zncc[chosen].mean())

    nearby = [(shift[0] + ox, shift[1] + oy) for oy in (-1, 0, 1) for ox in (-1, 0, 1)]
    scores = [mean_at(*candidate) for candidate in nearby]
    best = nearby[int(np.argmax(scores))]
    away = CONTROL_OFFSET
    offsets = [(ox, oy) for oy in (-away, 0, away) for ox in (-away, 0, away) if ox or oy]
    return best, max(scores), max(mean_at(best[0] + ox, best[1] + oy) for ox, oy in offsets)


def moved(mask: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """``mask`` translated by (dx, dy), with what leaves the frame dropped."""
    out = np.zeros_like(mask)
    height, width = mask.shape
    src_rows = slice(max(0, -dy), min(height, height - dy))
    src_cols = slice(max(0, -dx), min(width, width - dx))
    dst_rows = slice(max(0, dy), min(height, height + dy))
    dst_cols = slice(max(0, dx), min(width, width + dx))
    out[dst_rows, dst_cols] = mask[src_rows, src_cols]
    return out


def refine_translation(
    grey: np.ndarray, coarse_source: np.ndarray, shift: tuple[float, float], radius: int, margin: int
) -> TranslationMatch:
    """Refine a coarse (source mask, shift) pair on the full-size grey float32 image.

    The shift is searched within ``radius`` pixels for the highest detail correlation. Pixels within
    ``margin`` of the coarse source whose 9x9 neighbourhood correlates with the moved one, that are
    flat and equal to it, or that are identical to it next to such a neighbourhood form the source;
    the target is the source moved by the shift.
    """
    height, width = grey.shape
    rows, cols = np.nonzero(coarse_source)
    reach = margin + radius
    box = (rows.min() - reach, rows.max() + reach + 1, cols.min() - reach, cols.max() + reach + 1)
    centre = (round(shift[0]), round(shift[1]))
    here = _Window.around(grey, *box)
    extra = radius + CONTROL_OFFSET + 1
    there = _Window.around(
        grey,
        box[0] + centre[1] - extra,
        box[1] + centre[1] + extra,
        box[2] + centre[0] - extra,
        box[3] + centre[0] + extra,
    )
    rough, _ = _ShiftScorer(here, there, coarse_source).best_near(centre, radius)
    (dx, dy), correlation, control = _agreement(here, there, coarse_source, rough)

    top = max(0, rows.min() - margin, -dy)
    bottom = min(height, rows.max() + margin + 1, height - dy)
    left = max(0, cols.min() - margin, -dx)
    right = min(width, cols.max() + margin + 1, width - dx)
    source = np.zeros((height, width), bool)
    if bottom - top < 3 or right - left < 3:
        return TranslationMatch((dx, dy), correlation, control, source, source.copy())
    moved_box = (top + dy, bottom + dy, left + dx, right + dx)
    band_zncc, _ = local_similarity(here.crop(top, bottom, left, right), there.crop(*moved_box), 4)
    fine_zncc, _ = local_similarity(here.crop(top, bottom, left, right, True), there.crop(*moved_box, True), 4)
    # the band-pass map reaches a few pixels past the copy's edge: pull it back
    band_core = cv2.erode((band_zncc > LOCAL_CORRELATION).astype(np.uint8), np.ones((7, 7), np.uint8))
    core = band_core | (fine_zncc > LOCAL_CORRELATION).astype(np.uint8)
    pixel_difference = np.abs(grey[top:bottom, left:right] - grey[top + dy : bottom + dy, left + dx : right + dx])
    difference = cv2.boxFilter(pixel_difference, cv2.CV_32F, (5, 5), borderType=cv2.BORDER_REFLECT)
    # windows straddling the edge of a copy correlate less, so pixels next to the core join when identical
    edge_band = cv2.dilate(core, np.ones((9, 9), np.uint8)).astype(bool)
    match = core.astype(bool) | (difference < FLAT_DIFFERENCE) | (edge_band & (pixel_difference <= 0.5))
    coarse_here = coarse_source[top:bottom, left:right]
    near = cv2.distanceTransform((~coarse_here).astype(np.uint8), cv2.DIST_L2, 3) <= margin
    region = clean_mask(match & near, radius=2, min_area=64)
    count, labels = cv2.connectedComponents(region.astype(np.uint8), connectivity=8)
    touched = np.unique(labels[coarse_here & region])
    keep = np.zeros(count, bool)
    keep[touched[touched > 0]] = True
    source[top:bottom, left:right] = keep[labels]
    return TranslationMatch((dx, dy), correlation, control, source, moved(source, dx, dy))
