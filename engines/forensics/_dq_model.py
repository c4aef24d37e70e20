"""Per-frequency models of DCT coefficient histograms with and without an earlier JPEG quantisation.

For one DCT frequency, H0 ("compressed once") and H1 ("quantised earlier with step q1") are both simulated from
calibration coefficients — DCT coefficients measured on a grid no save used, which behave like the unquantised
ones — so no parametric shape is assumed and the peak at zero is handled correctly:

* aligned (earlier grid = last grid, last step q2): observed value x = round(c / q2);
  H0: x = round((q2·round(u/q2) + n) / q2), H1: x = round((q1·round(u/q1) + n) / q2), n the decoder's rounding;
* non-aligned (earlier grid elsewhere): observed value x = round(c) on the earlier grid;
  H0: x = round(u), H1: x = round(q1·round(u/q1) + s·n), s the spread the later save added.

The histogram of all blocks is a mixture α·H1 + (1 − α)·H0 (Lin et al. 2009; Bianchi & Piva 2012); q1 (and s)
and α are chosen by maximum likelihood. The per-bin log ratio log(H1/H0) then scores each block.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.ndimage import convolve1d
from scipy.special import ndtr

_ALPHAS = np.linspace(0.05, 1.0, 20)
_PSEUDO = 0.5  # pseudo-count per bin
_MIX = 0.02  # share of H0 mixed into H1 so that no bin is impossible
DECODER_NOISE = 0.45  # std of decoded-pixel rounding in the DCT domain (measured on libjpeg output)


@dataclasses.dataclass(frozen=True)
class FrequencyFit:
    """The best H1 for one frequency: its earlier step, mixture weight, likelihood gain and per-bin log ratio."""

    position: tuple[int, int]
    first_step: int
    alpha: float
    gain: float  # mean log-likelihood gain per coefficient over "all compressed once" (nats)
    log_ratio: np.ndarray  # log(H1 / H0) per bin
    lowest: int  # observed value of bin 0
    spread: float = 0.0

    def block_scores(self, observed: np.ndarray) -> np.ndarray:
        """log(H1 / H0) for each observed value (values beyond the bins take the edge bins)."""
        index = np.clip(np.asarray(observed, np.int64) - self.lowest, 0, self.log_ratio.size - 1)
        return self.log_ratio[index]


def _histogram(values: np.ndarray, lowest: int, bins: int) -> np.ndarray:
    index = np.clip(values.astype(np.int64) - lowest, 0, bins - 1)
    return np.bincount(index, minlength=bins).astype(np.float64)


def _histograms(values: np.ndarray, lowest: int, bins: int) -> np.ndarray:
    """One histogram per row of ``values`` (rows, samples) → (rows, bins)."""
    index = np.clip(values.astype(np.int64) - lowest, 0, bins - 1) + np.arange(values.shape[0])[:, None] * bins
    return np.bincount(index.ravel(), minlength=values.shape[0] * bins).reshape(values.shape[0], bins).astype(float)


def _probabilities(counts: np.ndarray) -> np.ndarray:
    counts = counts + _PSEUDO
    return counts / counts.sum(axis=-1, keepdims=True)


def _best_mixture(observed: np.ndarray, p0: np.ndarray, p1s: np.ndarray) -> tuple[int, float, float]:
    """(candidate index, α, gain per sample) maximising Σ h·log(α·p1 + (1 − α)·p0) − Σ h·log(p0)."""
    total = observed.sum()
    if total == 0:
        return 0, 0.0, 0.0
    seen = observed > 0  # empty bins add nothing to the likelihood
    ratio = (p1s[:, seen] / p0[seen][None, :]).astype(np.float32)
    alphas = _ALPHAS.astype(np.float32)[None, :, None]
    mix = 1.0 + alphas * (ratio[:, None, :] - 1.0)  # (α·p1 + (1 − α)·p0) / p0
    gain = np.einsum("cab,b->ca", np.log(mix), observed[seen].astype(np.float32)) / total  # no BLAS (see _jpeg_grid)
    cand, a = np.unravel_index(int(np.argmax(gain)), gain.shape)
    return int(cand), float(_ALPHAS[a]), float(gain[cand, a])


def fit_aligned(
    position: tuple[int, int],
    observed: np.ndarray,
    calibration: np.ndarray,
    last_step: int,
    first_steps: np.ndarray,
    seed: int = 0,
) -> FrequencyFit:
    """Fit the aligned model for one frequency. ``observed``: coefficients on the last grid; ``calibration``:
    coefficients on a grid no save used; ``first_steps``: candidate q1 values (q1 = q2 is H0 itself)."""
    q2 = float(last_step)
    noise = np.random.default_rng(seed).normal(0.0, DECODER_NOISE, calibration.shape)
    x_obs = np.round(observed / q2)
    x0 = np.round((q2 * np.round(calibration / q2) + noise) / q2)
    reach = int(min(np.percentile(np.abs(x_obs), 99.5) if x_obs.size else 0, 256)) + 2
    lowest, bins = -reach, 2 * reach + 1
    h = _histogram(x_obs, lowest, bins)
    p0 = _probabilities(_histogram(x0, lowest, bins))
    candidates = [int(q) for q in first_steps if int(q) != last_step]
    steps = np.array(candidates, np.float64)[:, None]
    requantised = np.round((steps * np.round(calibration[None, :] / steps) + noise[None, :]) / q2)
    p1s = _probabilities(_histograms(requantised, lowest, bins))
    p1s = (1 - _MIX) * p1s + _MIX * p0[None, :]
    k, alpha, gain = _best_mixture(h, p0, p1s)
    return FrequencyFit(position, candidates[k], alpha, gain, np.log(p1s[k] / p0), lowest)


def _gaussian_kernel(spread: float) -> np.ndarray:
    """Probabilities that round(s·n), n ~ N(0, 1), equals each integer in −⌈4s⌉ … ⌈4s⌉."""
    half = int(np.ceil(4 * spread))
    d = np.arange(-half, half + 1, dtype=np.float64)
    kernel = ndtr((d + 0.5) / spread) - ndtr((d - 0.5) / spread)
    return kernel / kernel.sum()


def fit_nonaligned(
    position: tuple[int, int],
    observed: np.ndarray,
    calibration: np.ndarray,
    first_steps: np.ndarray,
    spreads: tuple[float, ...] = (1.0, 1.5, 2.0, 3.0),
) -> FrequencyFit:
    """Fit the non-aligned model for one frequency. ``observed``: coefficients on the candidate earlier grid;
    ``calibration``: coefficients on a grid no save used; ``spreads``: candidate noise std of the later save.

    H1's histogram is built exactly rather than sampled: the calibration coefficients quantised to multiples of q1,
    then spread by the rounded Gaussian noise of the later save."""
    x_obs = np.round(observed)
    reach = int(min(np.percentile(np.abs(x_obs), 99.5) if x_obs.size else 0, 512)) + 4
    lowest, bins = -reach, 2 * reach + 1
    h = _histogram(x_obs, lowest, bins)
    p0 = _probabilities(_histogram(np.round(calibration), lowest, bins))
    steps = np.array([int(q) for q in first_steps if int(q) >= 2], np.float64)
    quantised = _histograms(steps[:, None] * np.round(calibration[None, :] / steps[:, None]), lowest, bins)
    pairs = [(int(q), s) for s in spreads for q in steps]
    spread_out = [convolve1d(quantised, _gaussian_kernel(s), axis=1, mode="constant") for s in spreads]
    p1s = _probabilities(np.concatenate(spread_out, axis=0))
    p1s = (1 - _MIX) * p1s + _MIX * p0[None, :]
    k, alpha, gain = _best_mixture(h, p0, p1s)
    q1, spread = pairs[k]
    return FrequencyFit(position, q1, alpha, gain, np.log(p1s[k] / p0), lowest, spread)
