"""Run the shipped localizer on a whole image: lazy, cached loading; tiling for large images.

The model is fully convolutional; images whose sides are at most ``tile`` run in one pass, larger
ones as overlapping tiles of about equal size whose 1/4-resolution logits are blended with linear
ramps. The image-level score uses features pooled over all tiles and the stitched map.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import itertools
import math
import threading
import time
from collections.abc import Callable, Iterator
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
_THREADS_LOCK = threading.Lock()  # one tiled run at a time changes the torch thread count
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


def tile_spans(length: int, tile: int, overlap: int) -> list[tuple[int, int]]:
    """(start, end) spans of about equal size ≤ ``tile`` + 16 covering ``length``, overlapping by at least
    ``overlap``; starts are multiples of 16 so every tile keeps the image's JPEG block grid. The smallest
    such size is used (every extra pixel of overlap is computed twice)."""
    if length <= tile:
        return [(0, length)]
    n = math.ceil((length - overlap) / (tile - overlap))
    size = math.ceil((length + (n - 1) * overlap) / n / 16) * 16
    while True:
        starts = [min(length - size, i * (length - size) // (n - 1)) // 16 * 16 for i in range(n)]
        spans = [(s, length if i == n - 1 else s + size) for i, s in enumerate(starts)]
        if all(a[1] - b[0] >= overlap for a, b in itertools.pairwise(spans)):
            return spans
        size += 16


def _ramp(length: int, overlap: int) -> np.ndarray:
    """Blending weights along one tile axis: linear ramps of ``overlap`` at both ends."""
    w = np.ones(length, np.float32)
    if overlap > 0 and length > 2 * overlap:
        ramp = (np.arange(overlap, dtype=np.float32) + 0.5) / overlap
        w[:overlap], w[-overlap:] = ramp, ramp[::-1]
    return w


def tile_workers(device: str, tiles: int) -> int:
    """Tiles run at once: one per torch thread on the CPU (at most one per tile), one on an accelerator."""
    import torch

    return max(1, min(torch.get_num_threads(), tiles)) if device == "cpu" else 1


@contextlib.contextmanager
def _single_threaded_ops(active: bool) -> Iterator[None]:
    """Torch ops single-threaded while ``active`` (tiles are then the unit of parallelism); restored after."""
    if not active:
        yield
        return
    import torch

    with _THREADS_LOCK:
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)


def _to_tensor(array: np.ndarray, device: str, scale: float = 1.0):  # -> torch.Tensor
    import torch

    if not array.flags.writeable:  # torch may not share read-only memory (frames from the media cache are)
        array = np.array(array)
    x = torch.from_numpy(np.ascontiguousarray(array)).permute(2, 0, 1)[None].float()
    if scale != 1.0:
        x = x * scale  # never in place: a float input shares memory with the caller's array
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


class _Stitcher:
    """Accumulates 1/4-resolution tile maps with ramp weights, and pooled features over tiles."""

    def __init__(self, h: int, w: int, ramp: int):
        self.qh, self.qw, self.ramp = -(-h // 4), -(-w // 4), ramp
        self.acc = np.zeros((3, self.qh, self.qw), np.float32)
        self.weight = np.zeros((self.qh, self.qw), np.float32)
        self.pool_sum: np.ndarray | None = None
        self.pool_max: np.ndarray | None = None
        self.area = 0.0

    def add(self, y: int, x: int, maps: np.ndarray, avg: np.ndarray, mx: np.ndarray, area: float) -> None:
        th, tw = maps.shape[1:]
        wgt = np.outer(_ramp(th, self.ramp), _ramp(tw, self.ramp))
        qy, qx = y // 4, x // 4
        th, tw = min(th, self.qh - qy), min(tw, self.qw - qx)
        self.acc[:, qy:qy + th, qx:qx + tw] += maps[:, :th, :tw] * wgt[:th, :tw]
        self.weight[qy:qy + th, qx:qx + tw] += wgt[:th, :tw]
        self.pool_sum = avg * area if self.pool_sum is None else self.pool_sum + avg * area
        self.pool_max = mx if self.pool_max is None else np.maximum(self.pool_max, mx)
        self.area += area

    def maps(self) -> np.ndarray:
        return self.acc / np.maximum(self.weight, 1e-6)


def localize(image: np.ndarray, loaded: LoadedLocalizer | None = None, threshold: float = 0.5,
             tile: int = DEFAULT_TILE, overlap: int = DEFAULT_OVERLAP, progress: Progress | None = None,
             levels: np.ndarray | None = None) -> Localization:
    """Heatmap, confidence, mask and image-level score for an RGB uint8 image of any size.

    On a CPU with several torch threads, tiles run side by side, one per thread, each single-threaded
    (MobileNet's depthwise layers scale poorly across threads; whole tiles scale almost perfectly); results
    are stitched in tile order, so the output does not depend on the scheduling. Error levels (when the
    model uses them) are computed per tile, unless ``levels`` holds them for the whole image (``error_levels`` at
    the model's ``ela_qualities``); tiles start on multiples of 16 so the JPEG grid is the image's own.
    """
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
    qualities = tuple(getattr(loaded.model, "ela_qualities", ()))
    if levels is not None and levels.shape != (h, w, len(qualities)):
        raise ValueError(f"error levels of shape {levels.shape} do not fit this image and model")
    tiles = [(ys, xs) for ys in tile_spans(h, tile, overlap) for xs in tile_spans(w, tile, overlap)]
    stitcher = _Stitcher(h, w, overlap // 4 if len(tiles) > 1 else 0)

    def run(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        (y0, y1), (x0, x1) = tiles[k]
        if levels is not None:
            ela = levels[y0:y1, x0:x1] if qualities else None
        else:
            ela = error_levels(image[y0:y1, x0:x1], qualities) if qualities else None
        return _run_tile(loaded, image[y0:y1, x0:x1], ela)

    workers = tile_workers(loaded.device, len(tiles))
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    try:
        with _single_threaded_ops(workers > 1):
            pending = {k: pool.submit(run, k) for k in range(min(workers, len(tiles)))}
            for k, ((y0, y1), (x0, x1)) in enumerate(tiles):
                if progress is not None:
                    progress(0.05 + 0.85 * k / len(tiles),
                             f"tile {k + 1} of {len(tiles)}" if len(tiles) > 1 else "running the model")
                maps, avg, mx = pending.pop(k).result()
                if k + workers < len(tiles):
                    pending[k + workers] = pool.submit(run, k + workers)
                stitcher.add(y0, x0, maps, avg, mx, float((y1 - y0) * (x1 - x0)))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if progress is not None:
        progress(0.92, "combining")
    quarter = stitcher.maps()
    with torch.inference_mode():
        image_logit = loaded.model.image_logit(
            torch.from_numpy(stitcher.pool_sum / stitcher.area)[None].to(loaded.device),
            torch.from_numpy(stitcher.pool_max)[None].to(loaded.device),
            torch.from_numpy(quarter[0][None, None]).to(loaded.device))
        score = float(torch.sigmoid(image_logit)[0])
        conf_q = confidence_map(*(torch.from_numpy(quarter[i][None, None]) for i in range(3)))[0, 0].numpy()
    full = [cv2.resize(m, (w, h), interpolation=cv2.INTER_LINEAR) for m in (quarter[0], conf_q)]
    heatmap = (1.0 / (1.0 + np.exp(-np.clip(full[0], -30, 30)))).astype(np.float32)
    confidence = np.clip(full[1], 0.0, 1.0).astype(np.float32)
    return Localization(heatmap=heatmap, confidence=confidence, mask=heatmap > threshold, score=score,
                        tiles=len(tiles), seconds=time.perf_counter() - t0)
