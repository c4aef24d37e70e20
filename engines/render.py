"""Render findings to images for files and reports (OpenCV colormaps; no Qt)."""

from __future__ import annotations

import cv2
import numpy as np

from engines.atomic import atomic_write_bytes

_CMAPS = {"inferno": cv2.COLORMAP_INFERNO, "viridis": cv2.COLORMAP_VIRIDIS, "turbo": cv2.COLORMAP_TURBO,
          "magma": cv2.COLORMAP_MAGMA, "plasma": cv2.COLORMAP_PLASMA}


def heatmap_rgb(heat: np.ndarray, colormap: str = "inferno") -> np.ndarray:
    """A float [0, 1] map as an RGB uint8 image (RGB maps pass through)."""
    if heat.ndim == 3:
        return heat.astype(np.uint8)
    level = (np.clip(np.nan_to_num(heat.astype(np.float32)), 0, 1) * 255).astype(np.uint8)
    return cv2.applyColorMap(level, _CMAPS[colormap])[:, :, ::-1].copy()


def blend(image: np.ndarray, heat: np.ndarray | None, mask: np.ndarray | None = None,
          opacity: float = 0.6) -> np.ndarray:
    """The image with the heatmap (and a red mask outline) blended on top."""
    out = image.astype(np.float32)
    if heat is not None:
        out = out * (1 - opacity) + heatmap_rgb(heat).astype(np.float32) * opacity
    out = out.clip(0, 255).astype(np.uint8)
    if mask is not None and mask.any():
        edge = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
        out[edge] = (255, 40, 40)
    return out


def encode_png(rgb_or_gray: np.ndarray) -> bytes:
    """PNG bytes of an RGB or greyscale uint8 array."""
    arr = rgb_or_gray[:, :, ::-1] if rgb_or_gray.ndim == 3 else rgb_or_gray
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(arr))
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return buf.tobytes()


def save_png(path, rgb_or_gray: np.ndarray) -> None:
    """Write a PNG atomically."""
    atomic_write_bytes(path, encode_png(rgb_or_gray))
