"""Tamper map from the ownership mark: where the keyed pattern that should be there is missing.

Once the payload verifies, the detector knows the exact pattern every part of the picture should carry
(the tile for the decoded message, placed by the found lattice, turn and shift). The local, normalised
correlation between the picture's residual and that expected pattern stays high through JPEG ≥ 75 and
mild resizing (the mark is robust), but drops to noise where the pixels were replaced after embedding
(splice, inpainting, face swap, copy-move from elsewhere in the picture, which lands out of phase).
Regions where even an untouched mark would be too weak to judge (flat, clipped) are reported as unknown.
Pictures embedded with the semi-fragile layer (``fragile``) have their busy blocks judged by that layer.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from engines.watermark import fragile
from engines.watermark import geometry as geo
from engines.watermark.carriers import BAND, TILE, layout
from engines.watermark.detector import Detection, _Search, residual_stack
from engines.watermark.ownership import texture_mask
from engines.watermark.payload import CODED_BITS, coded_bits

WINDOW_SIGMA = 24.0  # working pixels: the map's resolution (chosen by pixel F1 on Kodak splices)
Z_CALIBRATION = 2.2  # neighbouring residual samples are correlated; measured on unmarked pictures
MIN_EXPECTED_Z = 4.0  # weaker expected evidence → unknown, not flagged
KEEP_SHARE = 0.4  # flagged where the local evidence falls below this share of what was expected
ABSENT_Z = 2.0  # and the local evidence itself is weak in absolute terms
GROW_SHARE = 0.6  # a flagged region grows over connected pixels below this share of the expected evidence
GROW_Z = 3.5  # (and below this absolute evidence): hysteresis, like a Canny edge, so a region is found whole
MIN_REGION = 1.0  # flagged blobs smaller than MIN_REGION · (2σ)² working pixels are dropped


@dataclasses.dataclass(frozen=True)
class TamperMap:
    """Per-pixel outcome at the picture's size."""

    score: np.ndarray  # float32 [0, 1]: 1 = the mark is missing where it should be strong
    flagged: np.ndarray  # bool: judged changed after embedding
    unknown: np.ndarray  # bool: too little mark to judge
    source: str = "ownership mark"  # what judged the picture (plus the semi-fragile layer when embedded)

    @property
    def flagged_share(self) -> float:
        return float(self.flagged.mean())


def expected_pattern(shape: tuple[int, int], key: str | bytes, bits: np.ndarray, lattice: geo.Lattice,
                     turn: int, dy: float, dx: float) -> np.ndarray:
    """The keyed tile for ``bits`` as it should appear at working size under the found geometry."""
    tile = layout(key, CODED_BITS).tile(bits).astype(np.float64)
    f = np.fft.fftfreq(TILE)
    fy, fx = np.meshgrid(f, f, indexing="ij")
    shifted = np.fft.ifft2(np.fft.fft2(tile) * np.exp(-2j * np.pi * (fy * dy + fx * dx))).real
    folded = np.rot90(shifted, -turn).astype(np.float32)
    m, lo, _ = geo.fold_frame(shape, lattice)
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    inv = np.linalg.inv(m)
    ux = (inv[0, 0] * xs + inv[0, 1] * ys - lo[0]) % TILE
    uy = (inv[1, 0] * xs + inv[1, 1] * ys - lo[1]) % TILE
    padded = np.pad(folded, 1, mode="wrap")
    return cv2.remap(padded, (ux + 1).astype(np.float32), (uy + 1).astype(np.float32), cv2.INTER_LINEAR)


def band_limit(r: np.ndarray, period: float) -> np.ndarray:
    """Keep only the ring of frequencies the mark occupies (scaled by the found period)."""
    spec = np.fft.rfft2(r)
    fy = np.fft.fftfreq(r.shape[0])[:, None]
    fx = np.fft.rfftfreq(r.shape[1])[None, :]
    radius = np.hypot(fy, fx) * period
    spec[(radius < BAND[0] - 1.0) | (radius > BAND[1] + 1.0)] = 0.0
    return np.fft.irfft2(spec, s=r.shape).astype(np.float32)


def amplitude(rgb: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(the texture mask the embedder used, how strongly the mark shows in the detector's residual), both
    re-estimated on this picture at working size. The residual divides by local activity to the power
    ``NORM_POWER``, so in busy areas the mark is weaker there than the embedding amplitude alone suggests."""
    y = geo.working_luma(rgb)
    if y.shape != shape:
        ones = np.ones(shape, np.float32)
        return ones, ones
    mask = texture_mask(y)
    high = y - cv2.GaussianBlur(y, (0, 0), geo.HIGHPASS_SIGMA)
    activity = np.sqrt(cv2.GaussianBlur(high * high, (0, 0), geo.NORM_SIGMA)) + 2.0
    return mask, (mask / activity**geo.NORM_POWER).astype(np.float32)


def _drop_small(mask: np.ndarray, min_area: float) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = np.zeros(count, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_area
    return keep[labels]


def _grow(seeds: np.ndarray, relaxed: np.ndarray) -> np.ndarray:
    """The connected parts of ``relaxed`` that contain a seed."""
    count, labels = cv2.connectedComponents((relaxed | seeds).astype(np.uint8), connectivity=8)
    hit = np.zeros(count, bool)
    hit[np.unique(labels[seeds])] = True
    hit[0] = False
    return hit[labels]


def overlay(rgb: np.ndarray, result: TamperMap) -> np.ndarray:
    """The picture, dimmed, with flagged regions in red and unknown ones in blue (for a PNG)."""
    out = rgb.astype(np.float32) * 0.55
    out[result.flagged] = out[result.flagged] * 0.4 + np.array([255.0, 40.0, 40.0]) * 0.6
    out[result.unknown] = out[result.unknown] * 0.6 + np.array([60.0, 90.0, 200.0]) * 0.4
    return np.clip(out, 0, 255).astype(np.uint8)


def tamper_map(rgb: np.ndarray, key: str | bytes, detection: Detection) -> TamperMap:
    """Where a verified mark is missing. ``detection`` must have found the payload in this picture."""
    if not detection.found or detection.payload is None:
        raise ValueError("a tamper map needs a verified watermark")
    stacked = residual_stack(rgb)
    lattice = geo.Lattice(detection.period * np.cos(np.radians(detection.angle_deg)),
                          detection.period * np.sin(np.radians(detection.angle_deg)), 0.0)
    turn, dy, dx, _ = _Search(stacked, key).alignment(lattice)
    shape = stacked.shape[:2]
    # an unscaled, unturned picture is moved (if at all) by whole pixels; the pilot's sub-pixel estimate
    # is not exact enough for block means, which move with the slightest shift in busy blocks
    unscaled = abs(lattice.period - TILE) < 0.3 and abs(lattice.angle_deg) < 0.1
    snap = (round(dy), round(dx)) if unscaled else (dy, dx)
    layer = fragile.check(geo.working_luma(rgb), stacked[..., 1], key, lattice, turn, *snap)
    pattern = expected_pattern(shape, key, coded_bits(detection.payload, key), lattice, turn, dy, dx)
    r, weight = stacked[..., 0], stacked[..., 1]
    mask, in_residual = amplitude(rgb, shape)
    q = band_limit(r, lattice.period) * pattern * mask
    local = cv2.GaussianBlur(q, (0, 0), WINDOW_SIGMA)
    spread = np.sqrt(cv2.GaussianBlur(q * q, (0, 0), WINDOW_SIGMA / np.sqrt(2)) / (4 * np.pi * WINDOW_SIGMA**2))
    spread = np.maximum(spread, 1e-9)
    z = local / spread / Z_CALIBRATION
    # what an untouched mark would give: global gain times the local energy of the mark in the residual
    valid = weight > 0.5
    energy = pattern * pattern * mask * in_residual
    gain = float(np.sum(q[valid]) / max(np.sum(energy[valid]), 1e-9))
    expected = gain * cv2.GaussianBlur(energy, (0, 0), WINDOW_SIGMA) / spread / Z_CALIBRATION
    unknown = (expected < MIN_EXPECTED_Z) | ~valid
    weak = (z < np.minimum(KEEP_SHARE * expected, ABSENT_Z)) & ~unknown
    min_area = MIN_REGION * (2 * WINDOW_SIGMA) ** 2
    seeds = _drop_small(weak, min_area)
    flagged = _grow(seeds, (z < np.minimum(GROW_SHARE * expected, GROW_Z)) & ~unknown)
    score = np.clip(1.0 - z / np.maximum(expected, 1e-6), 0.0, 1.0)
    score[unknown] = 0.0
    source = "ownership mark"
    if layer.present:  # busy blocks are judged by the semi-fragile layer, the rest by the mark's evidence
        flagged = _drop_small(np.where(layer.readable, layer.flagged, flagged), min_area)
        unknown = unknown & ~layer.readable
        score = np.where(layer.readable, layer.flagged.astype(np.float32), score)
        source = "ownership mark and semi-fragile layer"
    h, w = rgb.shape[:2]

    def full(a: np.ndarray, interp: int) -> np.ndarray:
        return cv2.resize(a, (w, h), interpolation=interp)

    return TamperMap(full(score.astype(np.float32), cv2.INTER_LINEAR),
                     full(flagged.astype(np.uint8), cv2.INTER_NEAREST).astype(bool),
                     full(unknown.astype(np.uint8), cv2.INTER_NEAREST).astype(bool), source)
