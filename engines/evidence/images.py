"""Derived images for bookmarks and reports: render a finding's map/mask, store PNGs by content hash."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import cv2
import numpy as np

from engines.evidence.atomic import atomic_write_bytes
from engines.findings import Finding

PREVIEW_MAX_SIDE = 1024
DISPLAY_MAX_SIDE = 1400


@dataclasses.dataclass(frozen=True)
class StoredImage:
    """A PNG written into a case's derived folder."""

    role: str  # "map" | "mask" | "frame"
    file: Path
    sha256: str
    width: int
    height: int


def heatmap_rgb(heatmap: np.ndarray) -> np.ndarray:
    """A finding heatmap as RGB uint8: float maps in [0, 1] get the inferno colour map, RGB passes through."""
    heat = np.asarray(heatmap)
    if heat.ndim == 3 and heat.shape[2] == 3 and heat.dtype == np.uint8:
        return np.ascontiguousarray(heat)
    if heat.ndim != 2:
        raise ValueError(f"heatmap must be (H, W) float or (H, W, 3) uint8, got shape {heat.shape} {heat.dtype}")
    clean = np.nan_to_num(heat.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    grey = np.clip(np.rint(np.clip(clean, 0.0, 1.0) * 255.0), 0, 255).astype(np.uint8)
    return cv2.applyColorMap(grey, cv2.COLORMAP_INFERNO)[:, :, ::-1].copy()


def mask_rgb(mask: np.ndarray) -> np.ndarray:
    """A boolean mask as white-on-black RGB uint8."""
    m = np.asarray(mask).astype(bool)
    if m.ndim != 2:
        raise ValueError(f"mask must be (H, W), got shape {m.shape}")
    return np.repeat((m.astype(np.uint8) * 255)[:, :, None], 3, axis=2)


def fit_within(image: np.ndarray, max_side: int) -> np.ndarray:
    """Downscale (area filter) so the longer side is at most ``max_side``; smaller images are unchanged."""
    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1.0:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def encode_png(rgb: np.ndarray) -> bytes:
    """PNG bytes of an RGB uint8 image."""
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgb[:, :, ::-1]))
    if not ok:
        raise RuntimeError("PNG encoding failed")
    return buf.tobytes()


def store_png(folder: Path, role: str, rgb: np.ndarray) -> StoredImage:
    """Write an RGB image as ``<sha256>.png`` in ``folder`` atomically (identical images are shared)."""
    data = encode_png(rgb)
    digest = hashlib.sha256(data).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}.png"
    if not (target.is_file() and target.stat().st_size == len(data)):
        atomic_write_bytes(target, data)
    return StoredImage(role, target, digest, int(rgb.shape[1]), int(rgb.shape[0]))


def finding_images(finding: Finding, frame: np.ndarray | None) -> list[tuple[str, np.ndarray]]:
    """The (role, RGB image) pairs worth keeping for a finding: map, mask and a preview of the frame."""
    out: list[tuple[str, np.ndarray]] = []
    if finding.heatmap is not None:
        out.append(("map", heatmap_rgb(finding.heatmap)))
    if finding.mask is not None:
        out.append(("mask", mask_rgb(finding.mask)))
    if frame is not None:
        rgb = np.asarray(frame)
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"frame must be RGB uint8 (H, W, 3), got {rgb.shape} {rgb.dtype}")
        out.append(("frame", fit_within(rgb, PREVIEW_MAX_SIDE)))
    return out


def display_png(path: Path, max_side: int = DISPLAY_MAX_SIDE) -> bytes:
    """PNG bytes of a stored image, downscaled for display in a report when it is large."""
    data = path.read_bytes()
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        raise ValueError(f"{path.name} is not a readable PNG")
    if max(decoded.shape[:2]) <= max_side:
        return data
    return encode_png(fit_within(decoded[:, :, ::-1], max_side))
