"""Colour lookup for heatmap overlays (no engine dependency)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

COLORMAPS = ("inferno", "viridis", "magma", "plasma", "turbo", "gray")


def heatmap_to_rgba(heat: np.ndarray, colormap: str = "inferno", threshold: float = 0.0,
                    opacity: float = 0.6, ramp: bool = True) -> np.ndarray:
    """Map a float [0,1] (H, W) array (or an RGB uint8 array) to an RGBA uint8 overlay.

    Pixels at or below ``threshold`` are transparent; above it, alpha rises with the map value
    (square-root ramp) up to ``opacity`` so that weak responses do not hide the image;
    ``ramp=False`` gives every visible pixel the same ``opacity``.
    """
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f"opacity must be within 0..1, got {opacity}")
    if heat.ndim == 3:
        rgb = heat.astype(np.uint8, copy=False)
        level = rgb.max(axis=2).astype(np.float32) / 255.0
    else:
        level = np.nan_to_num(heat.astype(np.float32, copy=False), nan=0.0)
        level = np.clip(level, 0.0, 1.0)
        lut = lookup_table(colormap)
        rgb = lut[(level * 255).astype(np.uint8)]
    weight = np.sqrt(level) if ramp else np.ones_like(level)
    alpha = np.where(level > threshold, np.round(weight * (opacity * 255.0)), 0.0).astype(np.uint8)
    return np.dstack([rgb, alpha]).astype(np.uint8)


def mask_to_rgba(mask: np.ndarray, color: tuple[int, int, int] = (255, 40, 40), opacity: float = 0.45) -> np.ndarray:
    """A bool mask as an RGBA overlay in one colour."""
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f"opacity must be within 0..1, got {opacity}")
    out = np.zeros((*mask.shape, 4), np.uint8)
    out[mask.astype(bool)] = (*color, round(opacity * 255))
    return out


_LUTS: dict[str, np.ndarray] = {}


def lookup_table(name: str) -> np.ndarray:
    """256×3 uint8 lookup table for a named colormap."""
    if name not in COLORMAPS:
        raise ValueError(f"unknown colormap {name!r}")
    if name not in _LUTS:
        if name == "gray":
            ramp = np.arange(256, dtype=np.uint8)
            _LUTS[name] = np.stack([ramp] * 3, axis=1)
        else:
            cmap = pg.colormap.get(name)
            _LUTS[name] = cmap.getLookupTable(0.0, 1.0, 256, alpha=False).astype(np.uint8)
    return _LUTS[name]
