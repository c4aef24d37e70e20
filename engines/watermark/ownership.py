"""Robust ownership mark: a keyed spread-spectrum tile repeated over the luma, found again after crops,
rescaling and small rotations through its autocorrelation lattice (see ``geometry``) and a pilot.

Embedding works at a fixed working resolution (short side 512 px) so that a 12-MP photo costs the same as
a thumbnail: the tiled pattern is shaped by a texture mask there, upsampled, and added to R, G and B alike.
"""

from __future__ import annotations

import dataclasses
import itertools

import cv2
import numpy as np

from engines.watermark import geometry as geo
from engines.watermark.carriers import TILE, Layout, layout, ring_points
from engines.watermark.payload import CODED_BITS, Payload, coded_bits, decode_soft

VERSION = "1.0"
BASE_AMPLITUDE = 2.2  # RMS of the added luma pattern (grey levels) at strength 1
MASK_POWER = 0.5
HOST_CANCEL = 0.8  # share of the host's carrier projection removed at embedding
SSIM_FLOOR = 0.985  # working-size SSIM the default strength keeps
IDENTITY = geo.Lattice(float(TILE), 0.0, 0.0)
PILOT_THRESHOLD = 4.5  # pilot peak z-score below which no decoding is tried
_REFINE_SCALES = (0.996, 1.0, 1.004)
_REFINE_ANGLES = (-0.3, 0.0, 0.3)


@dataclasses.dataclass(frozen=True)
class Detection:
    """Outcome of looking for an ownership mark under one key."""

    found: bool
    payload: Payload | None
    pilot_z: float  # how far the pilot's correlation peak stands above noise
    bit_agreement: float  # share of raw bit decisions that agree with the verified message
    corrected_bits: int  # raw bit errors fixed by list decoding
    period: float  # lattice period in working pixels (TILE = unchanged scale)
    angle_deg: float
    soft_bits: np.ndarray = dataclasses.field(repr=False, compare=False, default_factory=lambda: np.zeros(0))

    @property
    def scale(self) -> float:
        return self.period / TILE


def texture_mask(y_work: np.ndarray) -> np.ndarray:
    """Per-pixel amplitude factor (mean square 1): more mark where the picture is busy."""
    r = y_work - cv2.GaussianBlur(y_work, (0, 0), geo.HIGHPASS_SIGMA)
    local = np.sqrt(cv2.GaussianBlur(r * r, (0, 0), geo.NORM_SIGMA))
    mask = (local + 2.0) ** MASK_POWER
    return (mask / np.sqrt(np.mean(mask**2))).astype(np.float32)


def _tiled(tile: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    return np.tile(tile, (-(-h // TILE), -(-w // TILE)))[:h, :w]


def readout(y_work: np.ndarray, lay: Layout) -> np.ndarray:
    """What the detector reads from each carrier of an un-moved working luma (for informed embedding)."""
    weight = geo.valid_mask(y_work)
    folded = geo.fold(geo.residual(y_work) * weight, weight, IDENTITY)
    return lay.readout(np.fft.fft2(folded))


def ssim_gray(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two grey planes (7×7 uniform windows, as scikit-image's default)."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = cv2.blur(a, (7, 7)), cv2.blur(b, (7, 7))
    var_a = cv2.blur(a * a, (7, 7)) - mu_a**2
    var_b = cv2.blur(b * b, (7, 7)) - mu_b**2
    cov = cv2.blur(a * b, (7, 7)) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    den = (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    return float(np.mean(num / den))


def working_mark(y_work: np.ndarray, bits: np.ndarray, key: str | bytes) -> np.ndarray:
    """Unit-RMS mark at working resolution, informed by the host.

    Improved spread spectrum: the host's own projection on every carrier (what the detector would read
    from the unmarked picture) is partly subtracted, so the picture interferes less with the message.
    """
    lay = layout(key, CODED_BITS)
    mask = texture_mask(y_work)
    symbols = lay.symbols(bits)
    first = _tiled(lay.tile_from(symbols), y_work.shape) * mask
    host = readout(y_work, lay)
    probe = BASE_AMPLITUDE
    gain = float(np.median((readout(y_work + probe * first, lay) - host) * symbols)) / probe
    if gain <= 0:
        return first / np.sqrt(np.mean(first**2))
    amplitudes = symbols - HOST_CANCEL * host / (probe * gain)
    pattern = _tiled(lay.tile_from(amplitudes), y_work.shape) * mask
    return pattern / np.sqrt(np.mean(pattern**2))


def _amplitude(y_work: np.ndarray, mark: np.ndarray, strength: float) -> float:
    """Grey-level RMS of the mark: the base amplitude, lowered until the working-size SSIM keeps its floor."""
    amplitude = BASE_AMPLITUDE
    loss = 1.0 - ssim_gray(y_work, y_work + amplitude * mark)
    if loss > 1.0 - SSIM_FLOOR:
        amplitude *= np.sqrt((1.0 - SSIM_FLOOR) / loss)
    return amplitude * strength


def embed(rgb: np.ndarray, payload: Payload, key: str | bytes, strength: float = 1.0) -> np.ndarray:
    """Return a marked copy of an RGB uint8 image carrying ``payload`` under ``key``."""
    rgb = _check_rgb(rgb)
    if not 0 < strength <= 10:
        raise ValueError("strength must be in (0, 10]")
    y = geo.luma(rgb)
    y_work = geo.to_working(y)
    mark = working_mark(y_work, coded_bits(payload, key), key)
    delta = mark * np.float32(_amplitude(y_work, mark, strength))
    if delta.shape != y.shape:
        interp = cv2.INTER_LINEAR if y.shape[0] >= delta.shape[0] else cv2.INTER_AREA
        delta = cv2.resize(delta, (y.shape[1], y.shape[0]), interpolation=interp)
    out = rgb.astype(np.float32)
    out += delta[..., None]
    np.clip(out, 0, 255, out=out)
    return np.rint(out).astype(np.uint8)


def _ring_weights(spec: np.ndarray) -> np.ndarray:
    """1 / (mean power of the ring) for every DFT bin: whitens the folded tile before correlating."""
    f = np.fft.fftfreq(TILE) * TILE
    radius = np.rint(np.hypot(*np.meshgrid(f, f, indexing="ij"))).astype(np.int64)
    power = np.abs(spec) ** 2
    ring = np.bincount(radius.ravel(), weights=power.ravel()) / np.maximum(np.bincount(radius.ravel()), 1)
    return 1.0 / np.maximum(ring[radius], 1e-12)


def _pilot_peak(spec: np.ndarray, pilot: np.ndarray, weights: np.ndarray) -> tuple[float, float, float]:
    """(z, dy, dx): pilot correlation peak height in noise std units and the sub-pixel tile shift."""
    corr = np.fft.ifft2(spec * np.conj(pilot) * weights).real
    idx = int(np.argmax(corr))
    iy, ix = divmod(idx, TILE)
    peak = corr[iy, ix]
    z = (peak - corr.mean()) / (corr.std() + 1e-12)

    def sub(a: float, b: float, c: float) -> float:
        den = a - 2 * b + c
        return float(np.clip(0.5 * (a - c) / den, -0.5, 0.5)) if den < 0 else 0.0

    dy = iy + sub(corr[(iy - 1) % TILE, ix], peak, corr[(iy + 1) % TILE, ix])
    dx = ix + sub(corr[iy, (ix - 1) % TILE], peak, corr[iy, (ix + 1) % TILE])
    return float(z), dy, dx


def _decode_tile(folded: np.ndarray, key: str | bytes, search: bool = True) -> tuple[float, np.ndarray]:
    """(pilot z, whitened soft coded bits) of a folded tile.

    With ``search`` the translation comes from the pilot's correlation peak over the four 90° orientations;
    without, the tile is taken as aligned (the picture was not moved) and z is the pilot's value at zero shift.
    """
    lay = layout(key, CODED_BITS)
    pilot = lay.pilot_spectrum()
    f = np.fft.fftfreq(TILE)
    fy, fx = np.meshgrid(f, f, indexing="ij")
    best: tuple[float, np.ndarray] = (-np.inf, np.zeros(CODED_BITS))
    for k in range(4 if search else 1):
        spec = np.fft.fft2(np.rot90(folded, k))
        weights = _ring_weights(spec)
        if search:
            z, dy, dx = _pilot_peak(spec, pilot, weights)
        else:
            corr = np.fft.ifft2(spec * np.conj(pilot) * weights).real
            z, dy, dx = float((corr[0, 0] - corr.mean()) / (corr.std() + 1e-12)), 0.0, 0.0
        if z > best[0]:
            aligned = spec * np.exp(2j * np.pi * (fy * dy + fx * dx))
            soft = lay.soft_bits(aligned, weights[lay.ky, lay.kx])
            best = (z, soft / (np.std(soft) + 1e-12))
    return best


def _result(z: float, soft: np.ndarray, lattice: geo.Lattice, key: str | bytes) -> Detection:
    payload, bits = decode_soft(soft, key)
    raw = (soft > 0).astype(np.uint8)
    return Detection(payload is not None, payload, z, float(np.mean(raw == bits)), int(np.sum(raw != bits)),
                     lattice.period, lattice.angle_deg, soft)


def _lattice_candidates(r: np.ndarray, weight: np.ndarray, key: str | bytes, count: int):
    """(z, soft, lattice) for the unmoved lattice with a free shift, then the best Fourier–Mellin lattices."""
    yield (*_decode_tile(geo.fold(r, weight, IDENTITY), key), IDENTITY)
    for lattice in geo.find_lattices(r, ring_points(), count):
        tried = []
        for scale, angle in itertools.product(_REFINE_SCALES, _REFINE_ANGLES):
            cand = lattice.adjusted(scale, angle)
            tried.append((*_decode_tile(geo.fold(r, weight, cand), key), cand))
        yield max(tried, key=lambda t: t[0])


def detect(rgb: np.ndarray, key: str | bytes, candidates: int = 3) -> Detection:
    """Look for an ownership mark made with ``key``; ``found`` only when the payload's MAC verifies.

    Tries, in order: the picture as it is (no geometric change), the same lattice with the translation
    from the pilot (a crop at the original scale), then the strongest lattices of the Fourier–Mellin search.
    Decoding is attempted only where the pilot stands out (``PILOT_THRESHOLD``), except for the first try.
    """
    rgb = _check_rgb(rgb)
    y = geo.to_working(geo.luma(rgb))
    weight = geo.valid_mask(y)
    r = geo.residual(y) * weight
    z, soft = _decode_tile(geo.fold(r, weight, IDENTITY), key, search=False)
    best = _result(z, soft, IDENTITY, key)
    if best.found:
        return best
    for z, soft, lattice in _lattice_candidates(r, weight, key, candidates):
        if z < PILOT_THRESHOLD:
            if z > best.pilot_z and not best.found:
                best = Detection(False, None, z, 0.0, 0, lattice.period, lattice.angle_deg, soft)
            continue
        result = _result(z, soft, lattice, key)
        if result.found:
            return result
        if z > best.pilot_z:
            best = result
    return best


def _check_rgb(rgb: np.ndarray) -> np.ndarray:
    arr = np.asarray(rgb)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.dtype != np.uint8:
        raise ValueError("expected an RGB uint8 image of shape (H, W, 3)")
    if min(arr.shape[:2]) < 64:
        raise ValueError(f"image too small for a watermark ({arr.shape[1]}×{arr.shape[0]}); need at least 64 px")
    return arr
