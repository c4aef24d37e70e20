"""Working resolution, the detector's residual, and the tiled mark's lattice (scale, rotation) and fold.

The ownership mark is one keyed tile repeated over the picture, so after any crop, rescale or small rotation
its energy still sits on a square lattice of spectral peaks. A log-polar (Fourier–Mellin) template match of
the whitened power spectrum gives scale and angle; the picture is then resampled so that the lattice is
axis-aligned with period ``TILE`` and folded (averaged) into one tile, whose remaining translation comes
from the keyed pilot (see ``detector``). A blind autocorrelation peak search was tried first and missed the
lattice on 8 of 24 Kodak images; the template match, using every carrier frequency, finds it wherever the
peaks rise above the picture.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import scipy.fft as sfft

from engines.watermark.carriers import TILE

WORK_SHORT = 512  # working resolution: the short side, in pixels
PERIOD_RANGE = (0.55, 1.8)  # searched lattice period, relative to TILE
HIGHPASS_SIGMA = 4.0  # residual: luma minus this Gaussian blur (working pixels)
NORM_SIGMA = 6.0  # local energy window of the contrast normalisation
NORM_POWER = 1.5  # residual / (local RMS + 2)^power: busy areas count less (1.5 beat 0.5 and 1 on Kodak)
TEMPLATE_POWER = 2.0  # weight of outer-ring frequencies in the Fourier–Mellin template


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma of an RGB uint8/float image, float32."""
    img = np.asarray(rgb, dtype=np.float32)
    if img.ndim == 2:
        return img
    return img[..., 0] * 0.299 + img[..., 1] * 0.587 + img[..., 2] * 0.114


def working_scale(height: int, width: int) -> float:
    """Picture pixels per working pixel: the half-octave step (power of √2) nearest ``short side / WORK_SHORT``.

    Quantised steps keep the scale unchanged under most crops and make a 0.5× downscale land exactly two
    steps lower, so those need no scale search at detection (the neighbouring steps are tried too).
    Small pictures are never enlarged: that would push the mark to fragile high frequencies.
    """
    steps = round(2.0 * np.log2(min(height, width) / WORK_SHORT))
    return float(2.0 ** (max(0, steps) / 2.0))


def working_size(height: int, width: int) -> tuple[int, int]:
    """(h, w) of the working image."""
    scale = working_scale(height, width)
    return max(1, round(height / scale)), max(1, round(width / scale))


def to_working(y: np.ndarray) -> np.ndarray:
    """Resample a full-resolution luma plane to the working size."""
    h, w = working_size(*y.shape)
    if (h, w) == y.shape:
        return y.astype(np.float32, copy=False)
    interp = cv2.INTER_AREA if h < y.shape[0] else cv2.INTER_LINEAR
    return cv2.resize(y, (w, h), interpolation=interp)


def working_luma(rgb: np.ndarray) -> np.ndarray:
    """Luma at the working size; big pictures are reduced in RGB first (cheaper than a float copy)."""
    h, w = working_size(*rgb.shape[:2])
    if h * 2 <= rgb.shape[0]:
        return luma(cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA))
    return to_working(luma(rgb))


def valid_mask(y: np.ndarray) -> np.ndarray:
    """0/1 float mask of pixels that are not flat padding (rotation corners, letterboxes)."""
    mean = cv2.blur(y, (5, 5))
    var = cv2.blur(y * y, (5, 5)) - mean * mean
    mask = (var > 0.05).astype(np.float32)
    return cv2.erode(mask, np.ones((9, 9), np.uint8))


def residual(y: np.ndarray) -> np.ndarray:
    """High-passed, locally contrast-normalised luma: where the mark is strong relative to the picture."""
    r = y - cv2.GaussianBlur(y, (0, 0), HIGHPASS_SIGMA)
    energy = cv2.GaussianBlur(r * r, (0, 0), NORM_SIGMA)
    return r / (np.sqrt(energy) + 2.0) ** NORM_POWER


@dataclasses.dataclass(frozen=True)
class Lattice:
    """A lattice basis vector (x, y) in working pixels and its autocorrelation score."""

    vx: float
    vy: float
    score: float

    @property
    def period(self) -> float:
        return float(np.hypot(self.vx, self.vy))

    @property
    def angle_deg(self) -> float:
        return float(np.degrees(np.arctan2(self.vy, self.vx)))

    def adjusted(self, scale: float, angle_deg: float) -> Lattice:
        a = np.radians(angle_deg)
        c, s = np.cos(a) * scale, np.sin(a) * scale
        return Lattice(c * self.vx - s * self.vy, s * self.vx + c * self.vy, self.score)


def whitened_spectrum(r: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """Power spectrum (rfft2 half-plane) of the residual divided by its local average; and the FFT size."""
    h, w = r.shape
    size = (sfft.next_fast_len(max(h, 640)), sfft.next_fast_len(max(w, 640)))
    spec = sfft.rfft2(r, s=size, workers=2)
    power = (spec.real**2 + spec.imag**2).astype(np.float32)
    power /= cv2.GaussianBlur(power, (0, 0), 6.0) + 1e-6 * float(power.mean()) + 1e-20
    power[0, 0] = 0.0
    return power, size


def _lattice_scores(power: np.ndarray, size: tuple[int, int], points: np.ndarray,
                    scales: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Sum of ``power`` at the tile's ring frequencies for every (scale, angle) pair: shape (scales, angles)."""
    ang = np.radians(angles)
    cos, sin = np.cos(ang)[None, :, None], np.sin(ang)[None, :, None]
    inv = (1.0 / (TILE * scales))[:, None, None]
    kx, ky = points[:, 1][None, None, :], points[:, 0][None, None, :]
    fx = (cos * kx - sin * ky) * inv * size[1]
    fy = (sin * kx + cos * ky) * inv * size[0]
    flip = fx < 0
    fx = np.where(flip, -fx, fx).astype(np.float32)
    fy = (np.where(flip, -fy, fy) % size[0]).astype(np.float32)
    val = cv2.remap(power, fx.reshape(-1, fx.shape[-1]), fy.reshape(-1, fy.shape[-1]), cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    return val.reshape(fx.shape).sum(axis=2)


def _log_polar(power: np.ndarray, size: tuple[int, int], log_r: np.ndarray, n_theta: int) -> np.ndarray:
    """Sample the half-plane power spectrum on a (log radius in cycles/px, angle mod 90°) grid, angles summed."""
    theta = np.linspace(-np.pi / 2, np.pi / 2, 2 * n_theta, endpoint=False)
    radius = np.exp(log_r)[:, None]
    fx = radius * np.cos(theta)[None, :] * size[1]
    fy = (radius * np.sin(theta)[None, :] * size[0]) % size[0]
    lp = cv2.remap(power, fx.astype(np.float32), fy.astype(np.float32), cv2.INTER_LINEAR,
                   borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    return lp[:, :n_theta] + lp[:, n_theta:]


def _template(points: np.ndarray, log_r0: float, step: float, n_r: int, n_theta: int) -> np.ndarray:
    """The tile's ring frequencies at scale 1, angle 0, splatted on the same log-polar grid."""
    radius = np.hypot(points[:, 0], points[:, 1]) / TILE
    theta = np.mod(np.arctan2(points[:, 0], points[:, 1]), np.pi / 2)
    r_pos = (np.log(radius) - log_r0) / step
    t_pos = theta / (np.pi / 2) * n_theta
    tpl = np.zeros((n_r, n_theta), dtype=np.float64)
    r0, t0 = np.floor(r_pos).astype(int), np.floor(t_pos).astype(int)
    wr, wt = r_pos - r0, t_pos - t0
    emphasis = (radius / radius.max()) ** TEMPLATE_POWER  # outer rings: less picture, clearer peaks
    for dr, dt, wgt in ((0, 0, (1 - wr) * (1 - wt)), (1, 0, wr * (1 - wt)), (0, 1, (1 - wr) * wt), (1, 1, wr * wt)):
        np.add.at(tpl, (np.clip(r0 + dr, 0, n_r - 1), (t0 + dt) % n_theta), wgt * emphasis)
    return tpl


def find_lattices(r: np.ndarray, points: np.ndarray, count: int = 3) -> list[Lattice]:
    """Best lattice candidates: where the tile's ring of frequencies, scaled and turned, meets spectral peaks.

    ``points`` are the (ky, kx) tile frequencies that carry the mark. Scale and rotation become shifts on a
    log-polar resampling of the whitened power spectrum (Fourier–Mellin), so one FFT correlation with the
    ring template scores every scale in ``PERIOD_RANGE`` and every angle in [-45°, 45°) (the lattice is
    square); the best ``count`` peaks are then refined on the spectrum itself.
    """
    power, size = whitened_spectrum(r)
    smooth = cv2.GaussianBlur(power, (0, 0), 0.8)
    radius = np.hypot(points[:, 0], points[:, 1]) / TILE
    r_lo, r_hi = radius.min() / PERIOD_RANGE[1], radius.max() / PERIOD_RANGE[0]
    step = 1.0 / (r_hi * min(size))
    n_r = int(np.ceil(np.log(r_hi / r_lo) / step)) + 2
    n_theta = int(np.ceil((np.pi / 2) / step))
    log_r = np.log(r_lo) + step * np.arange(n_r)
    lp = _log_polar(smooth, size, log_r, n_theta)
    lp -= lp.mean()
    tpl = _template(points, float(np.log(r_lo)), step, n_r, n_theta)
    n_fft = sfft.next_fast_len(2 * n_r)
    corr = sfft.irfft2(sfft.rfft2(lp, s=(n_fft, n_theta)) * np.conj(sfft.rfft2(tpl, s=(n_fft, n_theta))),
                       s=(n_fft, n_theta))
    # corr[i, j]: the image's ring sits i steps further out (scale 1/e^{i·step}) and j angle steps turned
    shifts = np.arange(n_fft)
    shifts = np.where(shifts > n_fft // 2, shifts - n_fft, shifts)
    scale = np.exp(-shifts * step)
    usable = (scale >= PERIOD_RANGE[0]) & (scale <= PERIOD_RANGE[1])
    corr = np.where(usable[:, None], corr, -np.inf)
    valid = corr[usable]
    z = (corr - valid.mean()) / (valid.std() + 1e-12)
    angle_step = 90.0 / n_theta
    found: list[Lattice] = []
    for _ in range(count):
        i, j = np.unravel_index(int(np.argmax(z)), z.shape)
        if not np.isfinite(z[i, j]):
            break
        s0 = scale[i]
        a0 = (j * angle_step + 45.0) % 90.0 - 45.0
        fine_s = s0 * np.exp(np.linspace(-2 * step, 2 * step, 9))
        fine_a = a0 + np.linspace(-2 * angle_step, 2 * angle_step, 9)
        fine = _lattice_scores(smooth, size, points, fine_s, fine_a)
        a, b = np.unravel_index(int(np.argmax(fine)), fine.shape)
        period, angle = TILE * fine_s[a], np.radians(fine_a[b])
        found.append(Lattice(period * np.cos(angle), period * np.sin(angle), float(z[i, j])))
        for di in range(-4, 5):
            z[(i + di) % n_fft, [(j + dj) % n_theta for dj in range(-4, 5)]] = -np.inf
    return found


def stack(r: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """(H, W, 2) float32: weighted residual and weight, the input of ``fold``."""
    return np.ascontiguousarray(np.dstack([r * weight, weight]), dtype=np.float32)


def fold_frame(shape: tuple[int, int], lattice: Lattice, tile: int = TILE) -> tuple[np.ndarray, np.ndarray,
                                                                                   tuple[int, int]]:
    """(m, lo, (nx, ny)) of a fold: picture point x = m @ (u + lo) for fold-grid point u; tiles across, down."""
    m = np.array([[lattice.vx, -lattice.vy], [lattice.vy, lattice.vx]], dtype=np.float64) / tile
    h, w = shape
    corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], dtype=np.float64)
    u = corners @ np.linalg.inv(m).T
    lo = np.floor(u.min(axis=0))
    size = np.ceil(u.max(axis=0) - lo).astype(int)
    return m, lo, (int(-(-size[0] // tile)), int(-(-size[1] // tile)))


def fold(stacked: np.ndarray, lattice: Lattice, tile: int = TILE) -> np.ndarray:
    """Resample so the lattice becomes axis-aligned with period ``tile``, then average all tiles into one.

    ``stacked`` comes from ``stack``; ``lattice`` is in the same pixels (halve it for a half-size stack).
    """
    m, lo, (nx, ny) = fold_frame(stacked.shape[:2], lattice, tile)
    # dst(u) = src(m @ (u + lo)): inverse map for warpAffine
    affine = np.hstack([m, (m @ lo)[:, None]]).astype(np.float32)
    both = cv2.warpAffine(stacked, affine, (int(nx * tile), int(ny * tile)),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT)
    sums = both.reshape(ny, tile, nx, tile, 2).sum(axis=(0, 2))
    return sums[..., 0] / np.maximum(sums[..., 1], 1e-3)
