"""FBA²D-style decision-based (hard-label) black-box attack restricted to DCT frequency bands.

The attacker only sees the predicted label. Perturbations live in a band of the image's 2-D DCT
(``band`` = (lo, hi) as fractions of the spectrum's radius), which shrinks the search space:
1. initialisation: random band-limited directions, each scaled up until the label flips; the
   successful ones are averaged (an "adversarial soup") and the soup is pushed to the boundary by
   binary search;
2. boundary walk (HopSkipJump-like): estimate the boundary normal from the labels of random band
   probes around the boundary point, step along it, binary-search back to the boundary.
Counts every query; reports the first query at which the perturbation's RMS is within ``epsilon``.
Our reading of a paper whose details are not public; used here to measure how easily our detector flips.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from scipy.fft import idctn

LabelFn = Callable[[np.ndarray], np.ndarray]  # float images (N, H, W, 3) in [0, 1] → int labels (N,)


@dataclasses.dataclass(frozen=True)
class AttackResult:
    success: bool  # reached RMS ≤ epsilon with the flipped label
    queries: int  # queries spent until success (or the whole budget)
    rms: float  # final perturbation RMS (inf when the label never flipped)
    adversarial: np.ndarray | None  # float image in [0, 1] or None


def band_mask(h: int, w: int, band: tuple[float, float]) -> np.ndarray:
    """Boolean (H, W) DCT coefficients whose normalised radius lies in [lo, hi)."""
    u = np.arange(h)[:, None] / h
    v = np.arange(w)[None, :] / w
    r = np.sqrt((u**2 + v**2) / 2.0)
    return (r >= band[0]) & (r < band[1])


class _Oracle:
    """Counts hard-label queries; answers False once the budget is spent."""

    def __init__(self, label_fn: LabelFn, original_label: int, budget: int):
        self.label_fn, self.original, self.budget, self.count = label_fn, original_label, budget, 0

    def flipped(self, images: np.ndarray) -> np.ndarray:
        images = np.clip(images[: max(self.budget - self.count, 0)], 0.0, 1.0)
        if len(images) == 0:
            return np.zeros(0, bool)
        self.count += len(images)
        return np.asarray(self.label_fn(images)) != self.original

    def one(self, image: np.ndarray) -> bool:
        out = self.flipped(image[None])
        return bool(out[0]) if len(out) else False


def _random_direction(rng: np.random.Generator, mask: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    coeffs = rng.normal(0, 1, shape) * mask[:, :, None]
    d = idctn(coeffs, axes=(0, 1), norm="ortho")
    return d / (np.sqrt((d**2).mean()) + 1e-12)


def _boundary(oracle: _Oracle, x: np.ndarray, adv: np.ndarray, steps: int = 10) -> np.ndarray:
    """Binary search on the segment x → adv for the closest point that still flips the label."""
    lo, hi = 0.0, 1.0
    for _ in range(steps):
        mid = (lo + hi) / 2
        if oracle.one(x + mid * (adv - x)):
            hi = mid
        else:
            lo = mid
        if oracle.count >= oracle.budget:
            break
    return x + hi * (adv - x)


def attack(x: np.ndarray, label_fn: LabelFn, band: tuple[float, float] = (0.0, 0.25), budget: int = 500,
           epsilon: float = 0.03, soup: int = 4, probes: int = 16, seed: int = 0) -> AttackResult:
    """Flip ``label_fn``'s label of ``x`` (float (H, W, 3) in [0, 1]) with band-limited queries only."""
    rng = np.random.default_rng(seed)
    x = x.astype(np.float64)
    h, w = x.shape[:2]
    mask = band_mask(h, w, band)
    original = int(label_fn(x[None])[0])
    oracle = _Oracle(label_fn, original, budget)
    oracle.count = 1
    successes = []
    for _ in range(soup * 8):
        d = _random_direction(rng, mask, x.shape)
        for scale in (0.05, 0.1, 0.2, 0.4):
            if oracle.count >= budget:
                break
            if oracle.one(x + scale * d):
                successes.append(scale * d)
                break
        if len(successes) >= soup or oracle.count >= budget:
            break
    if not successes:
        return AttackResult(False, oracle.count, float("inf"), None)
    candidate = x + np.mean(successes, axis=0)
    if not oracle.one(candidate):
        candidate = x + successes[0]
    adv = _boundary(oracle, x, np.clip(candidate, 0, 1))
    rms = float(np.sqrt(((adv - x) ** 2).mean()))
    step = 1.0
    while rms > epsilon and oracle.count < budget:
        delta = 0.01 * max(rms, 1e-3)
        dirs = np.stack([_random_direction(rng, mask, x.shape) for _ in range(probes)])
        flips = oracle.flipped(adv[None] + delta * dirs)
        if len(flips) < probes:
            break
        signs = np.where(flips, 1.0, -1.0)
        signs -= signs.mean()
        grad = (signs[:, None, None, None] * dirs).mean(0)
        if not np.any(grad):
            continue
        grad /= np.sqrt((grad**2).mean()) + 1e-12
        moved = False
        while oracle.count < budget and step > 1e-3:
            trial = np.clip(adv + step * rms * grad, 0, 1)
            if oracle.one(trial):
                moved = True
                break
            step /= 2
        if not moved:
            break
        new = _boundary(oracle, x, trial)
        new_rms = float(np.sqrt(((new - x) ** 2).mean()))
        if new_rms < rms:
            adv, rms = new, new_rms
            step = min(step * 2, 1.0)
    return AttackResult(rms <= epsilon, oracle.count, rms, adv)
