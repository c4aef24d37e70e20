"""Finding and reading the ownership mark: geometry hypotheses, pilot translation, soft bits, verification.

Hypotheses are tried cheapest first and the first whose payload MAC verifies wins:
1. the picture as it is (no geometric change, no translation);
2. the working scale (and its √2 neighbours), translation from the pilot's correlation peak (crops);
3. the strongest Fourier–Mellin lattices, refined (rescaling and rotation together);
4. a sweep of small rotations at the working scale (busy pictures, whose spectral peaks are too weak for
   Fourier–Mellin while the coherent pilot still stands out);
5. a sweep of scales over one octave without rotation (rescaled busy pictures, e.g. screenshots).
Sweeps score hypotheses on a half-size fold and refine the best at full size.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
import itertools

import cv2
import numpy as np

from engines.watermark import geometry as geo
from engines.watermark.carriers import TILE, Layout, layout
from engines.watermark.ownership import IDENTITY, check_rgb
from engines.watermark.payload import CODED_BITS, Payload, decode_soft

THREADS = 2
PILOT_THRESHOLD = 4.5  # pilot z below which a geometric hypothesis is not decoded
REFINE_SCALES = (0.996, 1.0, 1.004)
REFINE_ANGLES = (-0.3, 0.0, 0.3)
SWEEP_ANGLES = tuple(np.arange(-8.0, 8.01, 0.5))
SWEEP_SCALES = tuple(np.exp(np.arange(np.log(0.70), np.log(1.43), 0.008)))


@dataclasses.dataclass(frozen=True)
class Detection:
    """Outcome of looking for an ownership mark under one key."""

    found: bool
    payload: Payload | None
    pilot_z: float  # how far the pilot's correlation peak stands above noise
    bit_agreement: float  # share of raw coded-bit decisions that agree with the verified message
    corrected_bits: int  # raw coded-bit errors the convolutional code corrected
    period: float  # lattice period in working pixels (TILE = unchanged scale)
    angle_deg: float
    soft_bits: np.ndarray = dataclasses.field(repr=False, compare=False, default_factory=lambda: np.zeros(0))

    @property
    def scale(self) -> float:
        return self.period / TILE


@functools.lru_cache(maxsize=4)
def _radius_index(size: int) -> np.ndarray:
    f = np.fft.fftfreq(size) * size
    return np.rint(np.hypot(*np.meshgrid(f, f, indexing="ij"))).astype(np.int64)


@functools.lru_cache(maxsize=4)
def _phase_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    f = np.fft.fftfreq(size)
    return tuple(np.meshgrid(f, f, indexing="ij"))  # type: ignore[return-value]


def ring_weights(spec: np.ndarray) -> np.ndarray:
    """1 / (mean power of the ring) for every DFT bin: whitens a folded tile before correlating."""
    radius = _radius_index(spec.shape[0])
    power = spec.real**2 + spec.imag**2
    ring = np.bincount(radius.ravel(), weights=power.ravel()) / np.maximum(np.bincount(radius.ravel()), 1)
    return 1.0 / np.maximum(ring[radius], 1e-12)


def _sub(a: float, b: float, c: float) -> float:
    den = a - 2 * b + c
    return float(np.clip(0.5 * (a - c) / den, -0.5, 0.5)) if den < 0 else 0.0


def pilot_peak(spec: np.ndarray, pilot: np.ndarray, weights: np.ndarray) -> tuple[float, float, float]:
    """(z, dy, dx): pilot correlation peak height in noise std units and the sub-pixel tile shift."""
    size = spec.shape[0]
    corr = np.fft.ifft2(spec * np.conj(pilot) * weights).real
    iy, ix = divmod(int(np.argmax(corr)), size)
    peak = corr[iy, ix]
    z = (peak - corr.mean()) / (corr.std() + 1e-12)
    dy = iy + _sub(corr[(iy - 1) % size, ix], peak, corr[(iy + 1) % size, ix])
    dx = ix + _sub(corr[iy, (ix - 1) % size], peak, corr[iy, (ix + 1) % size])
    return float(z), dy, dx


class _Search:
    """One picture under one key: folds, pilot correlations and decoding for lattice hypotheses."""

    def __init__(self, stacked: np.ndarray, key: str | bytes):
        self.key = key
        self.lay: Layout = layout(key, CODED_BITS)
        self.full = stacked
        self.r = stacked[..., 0]
        h, w = stacked.shape[:2]
        self.half = cv2.resize(self.full, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
        self.pilot = {TILE: self.lay.pilot_spectrum(TILE), TILE // 2: self.lay.pilot_spectrum(TILE // 2)}

    def z_half(self, lattice: geo.Lattice, turns: bool = False) -> float:
        """Pilot z of a hypothesis on the half-size fold: a cheap score to rank hypotheses."""
        folded = geo.fold(self.half, geo.Lattice(lattice.vx / 2, lattice.vy / 2, 0.0), TILE // 2)
        best = -np.inf
        for k in range(4 if turns else 1):
            spec = np.fft.fft2(np.rot90(folded, k))
            best = max(best, pilot_peak(spec, self.pilot[TILE // 2], ring_weights(spec))[0])
        return best

    def tile(self, lattice: geo.Lattice, search: bool = True) -> tuple[float, np.ndarray]:
        """(pilot z, whitened soft coded bits) of a full-size fold; translation from the pilot when ``search``
        (over the four 90° turns), else taken as zero."""
        folded = geo.fold(self.full, lattice)
        fy, fx = _phase_grid(TILE)
        best: tuple[float, np.ndarray] = (-np.inf, np.zeros(CODED_BITS))
        for k in range(4 if search else 1):
            spec = np.fft.fft2(np.rot90(folded, k))
            weights = ring_weights(spec)
            if search:
                z, dy, dx = pilot_peak(spec, self.pilot[TILE], weights)
            else:
                corr = np.fft.ifft2(spec * np.conj(self.pilot[TILE]) * weights).real
                z, dy, dx = float((corr[0, 0] - corr.mean()) / (corr.std() + 1e-12)), 0.0, 0.0
            if z > best[0]:
                aligned = spec * np.exp(2j * np.pi * (fy * dy + fx * dx))
                soft = self.lay.soft_bits(aligned, weights[self.lay.ky, self.lay.kx])
                best = (z, soft / (np.std(soft) + 1e-12))
        return best

    def alignment(self, lattice: geo.Lattice) -> tuple[int, float, float, float]:
        """(turn, dy, dx, z): how the folded tile sits against the keyed tile under ``lattice``."""
        folded = geo.fold(self.full, lattice)
        best = (0, 0.0, 0.0, -np.inf)
        for k in range(4):
            spec = np.fft.fft2(np.rot90(folded, k))
            z, dy, dx = pilot_peak(spec, self.pilot[TILE], ring_weights(spec))
            if z > best[3]:
                best = (k, dy, dx, z)
        return best

    def _rank(self, lattices: list[geo.Lattice], turns: bool) -> geo.Lattice:
        if len(lattices) == 1:
            return lattices[0]
        with concurrent.futures.ThreadPoolExecutor(max_workers=THREADS) as pool:  # OpenCV and FFTs release the GIL
            scores = list(pool.map(lambda c: self.z_half(c, turns), lattices))
        return lattices[int(np.argmax(scores))]

    def best(self, lattices: list[geo.Lattice], turns: bool = True) -> tuple[float, np.ndarray, geo.Lattice]:
        """The hypothesis with the highest half-size pilot z, read at full size."""
        winner = self._rank(lattices, turns)
        return (*self.tile(winner), winner)

    def sweep(self, lattices: list[geo.Lattice]) -> geo.Lattice:
        return self._rank(lattices, False)

    def hypotheses(self, count: int):
        yield self.best([IDENTITY.adjusted(f, 0.0) for f in (1.0, 2**0.5, 2**-0.5)])
        for lat in geo.find_lattices(self.r, self.lay.points(), count):
            yield self.best([lat.adjusted(s, a) for s, a in itertools.product(REFINE_SCALES, REFINE_ANGLES)])
        lat = self.sweep([IDENTITY.adjusted(1.0, a) for a in SWEEP_ANGLES])
        yield self.best([lat.adjusted(1.0, a) for a in (-0.25, -0.12, 0.0, 0.12, 0.25)])
        lat = self.sweep([IDENTITY.adjusted(s, 0.0) for s in SWEEP_SCALES])
        yield self.best([lat.adjusted(s, 0.0) for s in (0.996, 0.998, 1.0, 1.002, 1.004)])

    def result(self, z: float, soft: np.ndarray, lattice: geo.Lattice) -> Detection:
        payload, bits = decode_soft(soft, self.key)
        raw = (soft > 0).astype(np.uint8)
        return Detection(payload is not None, payload, z, float(np.mean(raw == bits)), int(np.sum(raw != bits)),
                         lattice.period, lattice.angle_deg, soft)


def residual_stack(rgb: np.ndarray) -> np.ndarray:
    """The detector's input for one picture: weighted working-size residual and its weight, (h, w, 2)."""
    y = geo.working_luma(check_rgb(rgb))
    weight = geo.valid_mask(y)
    return geo.stack(geo.residual(y), weight)


def detect(rgb: np.ndarray, key: str | bytes, candidates: int = 3, geometric: bool = True) -> Detection:
    """Look for an ownership mark made with ``key``; ``found`` only when the payload's MAC verifies.

    ``geometric=False`` tries only the unmoved picture (fast; misses crops, rescaling and rotation).
    """
    return detect_stack(residual_stack(rgb), key, candidates, geometric)


def detect_frames(frames: list[np.ndarray], key: str | bytes, candidates: int = 3) -> Detection:
    """Look for the mark in frames of one animation or video: their residuals are averaged first.

    Every frame carries the same mark, so averaging adds it up coherently while moving content and codec
    noise average out; dropped or re-ordered frames do not matter. When that fails, each frame is aligned on
    its own pilot and the soft bits are summed (marks carried along by motion compensation), and last the
    averaged frames get the full geometric search.
    """
    if not frames:
        raise ValueError("no frames to check")
    stacks = [residual_stack(f) for f in frames]
    shape = stacks[0].shape
    same = [s for s in stacks if s.shape == shape]
    found = detect_stack(np.mean(same, axis=0).astype(np.float32), key, candidates, geometric=len(same) == 1)
    if found.found or len(same) == 1:
        return found
    # Inter-frame coding moves the mark with the content in predicted frames: align each frame on its own
    # pilot and add the soft bits, weighted by how clearly the pilot stands out.
    total, best_z = np.zeros(CODED_BITS), 0.0
    for stacked in same:
        search = _Search(stacked, key)
        z, soft = search.tile(IDENTITY)
        best_z = max(best_z, z)
        total += soft * max(0.0, z - 3.0)
    if np.any(total):
        combined = _Search(same[0], key).result(best_z, total / (np.std(total) + 1e-12), IDENTITY)
        if combined.found:
            return combined
    return detect_stack(np.mean(same, axis=0).astype(np.float32), key, candidates)


def detect_stack(stacked: np.ndarray, key: str | bytes, candidates: int = 3, geometric: bool = True) -> Detection:
    """``detect`` on a precomputed ``residual_stack`` (or an average of several)."""
    search = _Search(stacked, key)
    best = search.result(*search.tile(IDENTITY, search=False), IDENTITY)
    if best.found or not geometric:
        return best
    for z, soft, lattice in search.hypotheses(candidates):
        if z < PILOT_THRESHOLD:
            if z > best.pilot_z:
                best = Detection(False, None, z, 0.0, 0, lattice.period, lattice.angle_deg, soft)
            continue
        result = search.result(z, soft, lattice)
        if result.found:
            return result
        if z > best.pilot_z:
            best = result
    return best
