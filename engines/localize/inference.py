"""Run the shipped localizer on a whole image: lazy, cached loading; tiling for large images.

The model is fully convolutional; images whose long side is at most ``tile`` run in one pass,
larger ones as overlapping tiles whose 1/4-resolution logits are blended with linear ramps. The
image-level score uses features pooled over all tiles and the stitched map.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from engines.localize.features import error_levels
from engines.models.manifest import ModelManifest, build_from_manifest, load_manifest, shipped_model_dir

DEFAULT_MODEL = "localizer"
DEFAULT_TILE = 1024
DEFAULT_OVERLAP = 64
Progress = Callable[[float, str], None]

_LOCK = threading.Lock()
_CACHE: dict[tuple[str, str], LoadedLocalizer] = {}
_DEFAULT_DIR: list[Path | None] = [None]  # process-wide override of the shipped model folder


@dataclasses.dataclass(frozen=True)
class LoadedLocalizer:
    model: object  # engines.models.localizer.Localizer (torch is imported lazily)
    manifest: ModelManifest | None  # None for a model being trained
    device: str


@dataclasses.dataclass(frozen=True)
class Localization:
    """``heatmap``: P(manipulated) per pixel; ``confidence``: reliability of that value; ``score``:
    image-level P(manipulated) (the integrity score is ``1 - score``)."""

    heatmap: np.ndarray
    confidence: np.ndarray
    mask: np.ndarray
    score: float
    tiles: int
    seconds: float


def use_model_dir(folder: str | Path | None) -> None:
    """Make ``folder`` (a manifest folder) the default model of this process; None restores the shipped one."""
    _DEFAULT_DIR[0] = Path(folder) if folder is not None else None


def default_model_dir() -> Path:
    return _DEFAULT_DIR[0] or shipped_model_dir(DEFAULT_MODEL)


def load_localizer(folder: str | Path | None = None, device: str | None = None) -> LoadedLocalizer:
    """The verified model from ``folder`` (default: the shipped one), cached per folder and device."""
    from engines.runtime.device import select_device

    path = Path(folder) if folder is not None else default_model_dir()
    dev = select_device(device)
    key = (str(path.resolve()), dev)
    with _LOCK:
        if key not in _CACHE:
            import torch

            from engines.models.fuse import fold_batchnorm

            manifest = load_manifest(path)
            model = fold_batchnorm(build_from_manifest(manifest)).to(dev)
            if dev == "cpu":
                model = model.to(memory_format=torch.channels_last)
            _CACHE[key] = LoadedLocalizer(model, manifest, dev)
        return _CACHE[key]


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets (multiples of 4, so tiles align with the 1/4-resolution output) covering ``length``
    with tiles of ``tile`` overlapping by at least ``overlap``; the last tile runs to the end (≤ tile + 3)."""
    if length <= tile:
        return [0]
    step = tile - overlap
    last = (length - tile) // 4 * 4
    return [*range(0, last, step), last]


def _ramp(length: int, overlap: int) -> np.ndarray:
    """Blending weights along one tile axis: linear ramps of ``overlap`` at both ends."""
    w = np.ones(length, np.float32)
    if overlap > 0 and length > 2 * overlap:
        ramp = (np.arange(overlap, dtype=np.float32) + 0.5) / overlap
        w[:overlap], w[-overlap:] = ramp, ramp[::-1]
    return w


def _to_tensor(array: np.ndarray, device: str, scale: float = 1.0):  # -> torch.Tensor
    import torch

    x = torch.from_numpy(np.ascontiguousarray(array)).permute(2, 0, 1)[None].float()
    if scale != 1.0:
        x = x.mul_(scale)
    if device == "cpu":
        x = x.contiguous(memory_format=torch.channels_last)
    return x.to(device)


def _run_tile(loaded: LoadedLocalizer, tile: np.ndarray, ela: np.ndarray | None,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Model outputs for one RGB tile: (maps (3, h/4, w/4): logit, pros1, def1; pool_avg; pool_max)."""
    import torch

    from engines.models.localizer import STRIDE

    h, w = tile.shape[:2]
    ph, pw = (-h) % STRIDE, (-w) % STRIDE
    if ph or pw:
        mode = "reflect" if min(h, w) > max(ph, pw) else "edge"
        tile = np.pad(tile, ((0, ph), (0, pw), (0, 0)), mode=mode)
        ela = None if ela is None else np.pad(ela, ((0, ph), (0, pw), (0, 0)), mode=mode)
    x = _to_tensor(tile, loaded.device, 1.0 / 255.0)
    extra = None if ela is None else _to_tensor(ela, loaded.device)
    with torch.inference_mode():
        out = loaded.model.forward_maps(x, extra)
        maps = torch.cat([out["logit"], out["pros1"], out["def1"]], dim=1)[0].float().cpu().numpy()
        avg, mx = out["pool_avg"][0].float().cpu().numpy(), out["pool_max"][0].float().cpu().numpy()
    oh, ow = -(-h // 4), -(-w // 4)
    return maps[:, :oh, :ow], avg, mx


def localize(image: np.ndarray, loaded: LoadedLocalizer | None = None, threshold: float = 0.5,
             tile: int = DEFAULT_TILE, overlap: int = DEFAULT_OVERLAP, progress: Progress | None = None,
             ) -> Localization:
    """Heatmap, confidence, mask and image-level score for an RGB uint8 image of any size."""
    import torch

    from engines.models.localizer import confidence_map

    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 image, got shape {image.shape} dtype {image.dtype}")
    if min(image.shape[:2]) < 16:
        raise ValueError("the image is too small for the localizer (less than 16 pixels on a side)")
    if tile % 16 or tile < 256 or not 0 <= overlap < tile // 2:
        raise ValueError("tile must be a multiple of 16 (at least 256) and overlap less than half of it")
    loaded = loaded or load_localizer()
    t0 = time.perf_counter()
    h, w = image.shape[:2]
    qualities = getattr(loaded.model, "ela_qualities", ())
    if progress is not None and qualities:
        progress(0.02, "computing JPEG error levels")
    ela = error_levels(image, qualities) if qualities else None
    ys, xs = tile_starts(h, tile, overlap), tile_starts(w, tile, overlap)
    qh, qw = -(-h // 4), -(-w // 4)
    acc = np.zeros((3, qh, qw), np.float32)
    weight = np.zeros((qh, qw), np.float32)
    pool_sum, pool_max, pool_area = None, None, 0.0
    total = len(ys) * len(xs)
    for n, (y, x) in enumerate((y, x) for y in ys for x in xs):
        if progress is not None:
            progress(0.05 + 0.85 * n / total, f"tile {n + 1} of {total}" if total > 1 else "running the model")
        rows = slice(y, h if y == ys[-1] else y + tile)
        cols = slice(x, w if x == xs[-1] else x + tile)
        part = image[rows, cols]
        maps, avg, mx = _run_tile(loaded, part, None if ela is None else ela[rows, cols])
        th, tw = maps.shape[1:]
        q = overlap // 4 if total > 1 else 0
        wgt = np.outer(_ramp(th, q) if len(ys) > 1 else np.ones(th, np.float32),
                       _ramp(tw, q) if len(xs) > 1 else np.ones(tw, np.float32))
        qy, qx = y // 4, x // 4
        th, tw = min(th, qh - qy), min(tw, qw - qx)
        acc[:, qy:qy + th, qx:qx + tw] += maps[:, :th, :tw] * wgt[:th, :tw]
        weight[qy:qy + th, qx:qx + tw] += wgt[:th, :tw]
        area = float(part.shape[0] * part.shape[1])
        pool_sum = avg * area if pool_sum is None else pool_sum + avg * area
        pool_max = mx if pool_max is None else np.maximum(pool_max, mx)
        pool_area += area
    if progress is not None:
        progress(0.92, "combining")
    quarter = acc / np.maximum(weight, 1e-6)
    with torch.inference_mode():
        logit_t = torch.from_numpy(quarter[0][None, None]).to(loaded.device)
        image_logit = loaded.model.image_logit(
            torch.from_numpy(pool_sum / pool_area)[None].to(loaded.device),
            torch.from_numpy(pool_max)[None].to(loaded.device), logit_t)
        score = float(torch.sigmoid(image_logit)[0])
        conf_q = confidence_map(*(torch.from_numpy(quarter[i][None, None]) for i in range(3)))[0, 0].numpy()
    full = [cv2.resize(m, (w, h), interpolation=cv2.INTER_LINEAR) for m in (quarter[0], conf_q)]
    heatmap = (1.0 / (1.0 + np.exp(-np.clip(full[0], -30, 30)))).astype(np.float32)
    confidence = np.clip(full[1], 0.0, 1.0).astype(np.float32)
    return Localization(heatmap=heatmap, confidence=confidence, mask=heatmap > threshold, score=score,
                        tiles=total, seconds=time.perf_counter() - t0)
