"""Colour lookup tables for heatmap and mask overlays (no engine dependency)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

COLORMAPS = ("inferno", "viridis", "magma", "plasma", "turbo", "gray")


def to_levels(heat: np.ndarray) -> np.ndarray:
    """A float [0, 1] map as uint8 levels 0..255 (uint8 input passes through)."""
    if heat.dtype == np.uint8:
        return heat
    level = np.nan_to_num(heat.astype(np.float32, copy=False), nan=0.0)
    return (np.clip(level, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def overlay_lut(colormap: str = "inferno", threshold: float = 0.0, opacity: float = 0.6,
                ramp: bool = True) -> np.ndarray:
    """256×4 RGBA lookup table for uint8 map levels.

    Levels at or below ``threshold`` (0..1) are transparent; above it alpha rises linearly with the
    level up to ``opacity`` so weak responses barely tint the image and strong ones stand out;
    ``ramp=False`` gives every visible level the same ``opacity``.
    """
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f"opacity must be within 0..1, got {opacity}")
    levels = np.arange(256, dtype=np.float32) / 255.0
    weight = levels if ramp else np.ones_like(levels)
    alpha = np.where(levels > threshold, np.round(weight * opacity * 255.0), 0.0)
    return np.column_stack([lookup_table(colormap), alpha]).astype(np.uint8)


def heatmap_to_rgba(heat: np.ndarray, colormap: str = "inferno", threshold: float = 0.0,
                    opacity: float = 0.6, ramp: bool = True) -> np.ndarray:
    """Map a float [0,1] (H, W) array (or uint8 levels) to an RGBA uint8 image with ``overlay_lut``."""
    return overlay_lut(colormap, threshold, opacity, ramp)[to_levels(heat)]


def mask_lut(color: tuple[int, int, int] = (255, 40, 40), opacity: float = 0.45) -> np.ndarray:
    """2×4 RGBA lookup table for a bool mask viewed as uint8 (0 transparent, 1 coloured)."""
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f"opacity must be within 0..1, got {opacity}")
    return np.array([[0, 0, 0, 0], [*color, round(opacity * 255)]], np.uint8)


def mask_to_rgba(mask: np.ndarray, color: tuple[int, int, int] = (255, 40, 40), opacity: float = 0.45) -> np.ndarray:
    """A bool mask as an RGBA overlay in one colour."""
    return mask_lut(color, opacity)[mask.astype(np.uint8)]


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
