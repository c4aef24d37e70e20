"""Robust ownership mark: a keyed spread-spectrum tile repeated over the luma, found again after crops,
rescaling and small rotations through its autocorrelation lattice (see ``geometry``) and a pilot.

Embedding works at a fixed working resolution (short side 512 px) so that a 12-MP photo costs the same as
a thumbnail: the tiled pattern is shaped by a texture mask there, upsampled, and added to R, G and B alike.
"""

from __future__ import annotations

import cv2
import numpy as np

from engines.watermark import fragile as fragile_layer
from engines.watermark import geometry as geo
from engines.watermark.carriers import TILE, Layout, layout
from engines.watermark.metrics import ssim_gray
from engines.watermark.payload import CODED_BITS, Payload, coded_bits

VERSION = "1.0"
BASE_AMPLITUDE = 2.4  # RMS of the added luma pattern (grey levels) at strength 1
MASK_POWER = 0.5
HOST_CANCEL = 0.8  # share of the host's carrier projection removed at embedding
SSIM_FLOOR = 0.985  # working-size SSIM the default strength keeps
IDENTITY = geo.Lattice(float(TILE), 0.0, 0.0)
FRAGILE_SHARE = 0.95  # ownership amplitude when the semi-fragile layer shares the distortion budget


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
    folded = geo.fold(geo.stack(geo.residual(y_work), weight), IDENTITY)
    return lay.readout(np.fft.fft2(folded))


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


def embed(rgb: np.ndarray, payload: Payload, key: str | bytes, strength: float = 1.0,
          fragile: bool = False) -> np.ndarray:
    """Return a marked copy of an RGB uint8 image carrying ``payload`` under ``key``.

    ``fragile`` adds the semi-fragile layer in busy blocks (sharper tamper maps there); the ownership mark
    is then made ``FRAGILE_SHARE`` weaker so that the picture keeps its PSNR floor.
    """
    rgb = check_rgb(rgb)
    if not 0 < strength <= 10:
        raise ValueError("strength must be in (0, 10]")
    y_work = geo.working_luma(rgb)
    mark = working_mark(y_work, coded_bits(payload, key), key)
    delta = mark * np.float32(_amplitude(y_work, mark, strength) * (FRAGILE_SHARE if fragile else 1.0))
    if fragile:
        delta = delta + fragile_layer.embed_delta(y_work + delta, key)
    return add_luma(rgb, delta)


def add_luma(rgb: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """``rgb`` plus a (working- or full-size) luma offset on all three channels, rounded and saturated."""
    h, w = rgb.shape[:2]
    if delta.shape != (h, w):
        interp = cv2.INTER_LINEAR if h >= delta.shape[0] else cv2.INTER_AREA
        delta = cv2.resize(delta, (w, h), interpolation=interp)
    up = cv2.cvtColor(cv2.convertScaleAbs(cv2.max(delta, 0.0)), cv2.COLOR_GRAY2RGB)
    down = cv2.cvtColor(cv2.convertScaleAbs(cv2.min(delta, 0.0)), cv2.COLOR_GRAY2RGB)
    return cv2.subtract(cv2.add(np.ascontiguousarray(rgb), up), down)


def check_rgb(rgb: np.ndarray) -> np.ndarray:
    arr = np.asarray(rgb)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.dtype != np.uint8:
        raise ValueError("expected an RGB uint8 image of shape (H, W, 3)")
    if min(arr.shape[:2]) < 64:
        raise ValueError(f"image too small for a watermark ({arr.shape[1]}×{arr.shape[0]}); need at least 64 px")
    return arr
