"""Protect a photo: find faces, search a perturbation per face against the target panel, optionally add the
ownership mark and Content Credentials, write a new file atomically, then measure what the written file does.

``protect_image`` works on pixels (for the GUI and tests); ``protect_file`` adds reading, writing, the mark
and the report. Both take a ``JobContext`` (progress and cooperative cancel: ``Cancelled`` is raised).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from engines.atomic import atomic_write_bytes
from engines.protect.mtcnn import FaceBox, detect_faces
from engines.protect.optimise import Budget, EnergyLimit, SearchLog, SearchSettings, budget_for, limit_map, search
from engines.protect.posting import PostingModel
from engines.protect.region import FaceRegion, face_region
from engines.protect.report import ProtectionReport, measure_effects
from engines.protect.targets import Target, default_panel
from engines.runtime.jobs import JobContext, ProgressCallback
from engines.watermark.metrics import psnr, ssim_luma

DEFAULT_STEPS = 240
MAX_FACES = 4


def face_steps(steps: int, faces: int) -> int:
    """Search steps per face: ``steps`` for one face; with more, the photo's total stays at 1.5 × ``steps`` (at
    least ``steps`` / 2 each), so a group photo takes at most about twice as long as a one-face one (the
    benchmark's two-face photo took 28.7 s with ``steps`` each, against 12–14 s for one face)."""
    return steps if faces <= 1 else max(1, steps // 2, 3 * steps // (2 * faces))


FEATHER = 0.06
PSNR_MARGIN = 0.3  # dB the search keeps above the floor (enlarging and rounding change the energy a little)


@dataclasses.dataclass(frozen=True)
class ProtectedImage:
    """The protected pixels and how they were made."""

    image: np.ndarray
    faces: tuple[FaceBox, ...]
    regions: tuple[FaceRegion, ...]
    logs: tuple[SearchLog, ...]
    budget: Budget
    psnr: float
    ssim: float
    seconds: float
    scaled_down: bool
    device: str
    steps: int
    targets: tuple[Target, ...]
    strength: float = 1.0


def _device(preference: str | None) -> str:
    from engines.runtime.device import select_device

    device = select_device(preference)
    return "cpu" if device == "mps" else device  # grid_sample backward is patchy on MPS


def _feather(h: int, w: int) -> np.ndarray:
    """A window rising from 0 at the region edge to 1 over ``FEATHER`` of its size (no visible seam)."""
    ramp_y = np.clip(np.minimum(np.arange(h) + 0.5, h - np.arange(h) - 0.5) / max(1.0, FEATHER * h), 0, 1)
    ramp_x = np.clip(np.minimum(np.arange(w) + 0.5, w - np.arange(w) - 0.5) / max(1.0, FEATHER * w), 0, 1)
    return (ramp_y[:, None] * ramp_x[None, :]).astype(np.float32)


def _renderer(region: FaceRegion, device: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """δ (1, 3, h, w) at working size → what the written photo holds there: feathered, enlarged to the region
    and shrunk back (``FaceRegion.round_trip``), as a differentiable linear map."""
    left, right = (torch.from_numpy(m).to(device) for m in region.round_trip())
    work_w, work_h = region.work_size
    feather = torch.from_numpy(_feather(work_h, work_w))[None, None].to(device)
    resized = region.scale != 1.0

    def render(delta: torch.Tensor) -> torch.Tensor:
        return left @ (delta * feather) @ right if resized else delta * feather

    return render


def _energy_limit(region: FaceRegion, budget: Budget, device: str) -> EnergyLimit:
    """The squared-error budget of this face's own region (PSNR floor + margin measured on the region, not on the
    whole picture), each working pixel weighted by the feather window it is scaled by.

    A floor on the whole picture let a small face in a large photo take the whole picture's error budget: the
    face then showed colour blotches at 38 dB whole-picture PSNR. Held on the region, every protected face keeps
    the floor where people look, and the whole picture keeps it too (regions rarely overlap)."""
    work_w, work_h = region.work_size
    weight = torch.from_numpy(_feather(work_h, work_w) ** 2)[None, None].to(device)
    return EnergyLimit(10 ** (-(budget.min_psnr + PSNR_MARGIN) / 10), weight)


def protect_image(image: np.ndarray, strength: float = 1.0, *, ctx: JobContext | None = None,
                  targets: list[Target] | None = None, extra_targets: tuple[str | Path, ...] = (),
                  steps: int = DEFAULT_STEPS, seed: int = 0, device: str | None = None,
                  posting: PostingModel | None = None, settings: SearchSettings | None = None) -> ProtectedImage:
    """Protect every face (up to ``MAX_FACES``, largest first) of an RGB uint8 image, ``face_steps(steps, n)``
    search steps each.

    ``targets`` replaces the default panel (shipped surrogates + MTCNN); ``extra_targets`` adds the user's model
    files (``user_target``: torch.export .pt2 or TorchScript); ``settings`` changes the search's step rule.
    Raises ValueError on bad input and ``Cancelled`` when ``ctx`` is cancelled.
    """
    ctx = ctx or JobContext()
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 image (H, W, 3), got {image.dtype} {image.shape}")
    if min(image.shape[:2]) < 32:
        raise ValueError(f"image too small to protect: {image.shape[1]}×{image.shape[0]}")
    if steps < 1:
        raise ValueError("steps must be at least 1")
    budget = budget_for(strength)
    started = time.perf_counter()
    dev = _device(device)
    ctx.progress(0.0, "finding faces")
    panel = targets if targets is not None else default_panel(dev, extra_targets)
    faces = detect_faces(image, dev)[:MAX_FACES]
    steps = face_steps(steps, len(faces))
    rng = np.random.default_rng(seed)
    limits = limit_map(image, budget)
    work = image.astype(np.float32) / 255.0
    regions, logs = [], []
    for k, face in enumerate(faces):
        region = face_region(face, image.shape)
        regions.append(region)
        span = (0.05 + 0.9 * k / len(faces), 0.9 / len(faces))

        def on_step(i: int, span: tuple[float, float] = span, k: int = k) -> None:
            ctx.progress(span[0] + span[1] * (i + 1) / steps, f"face {k + 1}/{len(faces)}: step {i + 1}/{steps}")

        clean = region.work_tensor(image, dev)
        eps_work = torch.from_numpy(np.ascontiguousarray(region.work_array(limits)))
        for target in panel:
            target.prepare(clean, region.face_work)
        energy = _energy_limit(region, budget, dev)
        delta, log = search(clean, eps_work[None, None].to(dev), panel, steps, posting or PostingModel(), rng, on_step,
                            energy=energy, settings=settings, render=_renderer(region, dev), chroma=budget.chroma)
        logs.append(log)
        full = region.enlarge(delta[0].permute(1, 2, 0).cpu().numpy()) * _feather(region.y1 - region.y0,
                                                                                   region.x1 - region.x0)[..., None]
        view = work[region.y0:region.y1, region.x0:region.x1]
        view += full
    delta_all = np.clip(work - image.astype(np.float32) / 255.0, -limits[..., None], limits[..., None])
    protected, scaled_down = fit_to_budget(image, delta_all, budget) if faces else (image.copy(), False)
    quality = psnr(image, protected)
    ctx.progress(0.97, "measuring image quality")
    return ProtectedImage(protected, tuple(faces), tuple(regions), tuple(logs), budget, quality,
                          ssim_luma(image, protected), time.perf_counter() - started, scaled_down, dev, steps,
                          tuple(panel), float(strength))


def fit_to_budget(image: np.ndarray, delta: np.ndarray, budget: Budget) -> tuple[np.ndarray, bool]:
    """``image`` (RGB uint8) + ``delta`` ((H, W, 3) in [0, 1] units) as uint8, with ``delta`` scaled down (never
    up) until the picture keeps ``budget.min_psnr`` and ``budget.min_ssim``; also says whether it was scaled."""
    base = image.astype(np.float32)

    def compose(factor: float) -> np.ndarray:
        return np.clip(np.round(base + delta * 255.0 * factor), 0, 255).astype(np.uint8)

    factor, protected = 1.0, compose(1.0)
    quality = psnr(image, protected)
    if quality < budget.min_psnr:
        factor = 10 ** ((quality - budget.min_psnr - 0.1) / 20)
        protected = compose(factor)
    if budget.min_ssim > 0 and ssim_luma(image, protected) < budget.min_ssim:
        low, high = 0.0, factor  # bisection: SSIM falls as the change grows
        for _ in range(8):
            mid = (low + high) / 2
            low, high = (mid, high) if ssim_luma(image, compose(mid)) >= budget.min_ssim + 0.001 else (low, mid)
        factor, protected = low, compose(low)
    return protected, factor < 1.0


def _check_paths(src: Path, dst: Path, overwrite: bool) -> None:
    from engines.watermark.media_io import output_kind

    if not src.is_file():
        raise ValueError(f"input not found: {src}")
    if dst.is_dir():
        raise ValueError(f"{dst} is a folder; give a file name")
    if output_kind(dst) != "still":
        raise ValueError(f"protection writes still images; {dst.suffix} is not one")
    if dst.resolve() == src.resolve() or (dst.exists() and os.path.samefile(src, dst)):
        raise ValueError("the output must be a new file, not the input")
    if dst.exists() and not overwrite:
        raise ValueError(f"{dst} already exists (choose a new name)")
    if not dst.parent.is_dir():
        raise ValueError(f"the output folder {dst.parent} does not exist")


def protect_file(src: str | Path, dst: str | Path, strength: float = 1.0, owner: str | None = None,
                 key: str | bytes | None = None, c2pa: bool = False, progress: ProgressCallback | None = None, *,
                 ctx: JobContext | None = None, overwrite: bool = False, extra_targets: tuple[str | Path, ...] = (),
                 steps: int = DEFAULT_STEPS, device: str | None = None) -> ProtectionReport:
    """Protect the still image ``src`` and write ``dst`` (a new file, atomically); ``src`` is only read.

    With ``owner`` and ``key`` the ownership mark is embedded after protecting; ``c2pa`` (needs them) signs the
    output with Content Credentials. The report's effects are measured on the pixels of the written file.
    Raises ValueError / MediaError / WeightsError with a one-line reason; ``Cancelled`` on cancel (nothing
    is written then).
    """
    from engines.watermark.media_io import read_frames

    src, dst = Path(src), Path(dst)
    _check_paths(src, dst, overwrite)
    if (owner is None) != (key is None) or (owner is not None and not str(owner).strip()) or key == "":
        raise ValueError("the ownership mark needs both a non-empty owner and a key")
    if c2pa and owner is None:
        raise ValueError("Content Credentials need the ownership mark: give an owner and a key")
    ctx = ctx or JobContext(progress)
    started = time.perf_counter()
    media = read_frames(src, max_frames=1)
    if media.kind != "still":
        raise ValueError("protection works on still photos; this file is an animation or a video")
    original = media.frames[0][:, :, :3]
    result = protect_image(original, strength, ctx=ctx, extra_targets=extra_targets, steps=steps, device=device)
    return save_protected(result, original, src, dst, owner, key, c2pa, ctx=ctx, started=started, overwrite=overwrite)


def save_protected(result: ProtectedImage, original: np.ndarray, src: str | Path | None, dst: str | Path,
                   owner: str | None = None, key: str | bytes | None = None, c2pa: bool = False, *,
                   ctx: JobContext | None = None, started: float | None = None, overwrite: bool = False,
                   ) -> ProtectionReport:
    """Write protected pixels (from ``protect_image``) to the new file ``dst`` atomically, with the ownership mark
    and Content Credentials when asked, and measure the report on the written file's pixels."""
    from engines.watermark.media_io import Frames, encode, read_frames

    dst = Path(dst)
    if src is not None:
        _check_paths(Path(src), dst, overwrite)
    if (owner is None) != (key is None) or (owner is not None and not str(owner).strip()) or key == "":
        raise ValueError("the ownership mark needs both a non-empty owner and a key")
    if c2pa and owner is None:
        raise ValueError("Content Credentials need the ownership mark: give an owner and a key")
    if original.shape != result.image.shape:
        raise ValueError("the protected pixels do not match the original's size")
    ctx = ctx or JobContext()
    started = time.perf_counter() - result.seconds if started is None else started
    ctx.progress(0.97, "writing")
    mark = None
    if owner is not None:
        mark = _write_marked(result.image, dst, owner, key, c2pa)
    else:
        atomic_write_bytes(dst, encode(Frames([result.image], "still"), dst))
    written = read_frames(dst, max_frames=1).frames[0][:, :, :3]
    ctx.progress(0.98, "measuring the protection on the written file")
    notes = []
    if not result.faces:
        notes.append("no face was found, so no adversarial protection was added")
    if result.scaled_down:
        ssim_floor = f" and SSIM ≥ {result.budget.min_ssim:g}" if result.budget.min_ssim else ""
        notes.append(f"the perturbation was scaled down to keep PSNR ≥ {result.budget.min_psnr:.0f} dB{ssim_floor}")
    effects, counts = measure_effects(original, written, list(result.regions), list(result.targets), result.device)
    ctx.progress(1.0, "done")
    return ProtectionReport(Path(src) if src is not None else None, dst, result.strength, result.budget.as_dict(),
                            len(result.faces), tuple(effects), counts, psnr(original, written),
                            ssim_luma(original, written), time.perf_counter() - started, result.device, result.steps,
                            result.scaled_down, mark, bool(mark and mark.get("content_credentials")), tuple(notes))


def _write_marked(image: np.ndarray, dst: Path, owner: str, key: str | bytes, c2pa: bool) -> dict:
    """Embed the ownership mark (and credentials) via the watermark service, from a lossless temp file."""
    from PIL import Image

    from engines.watermark.service import embed_file

    fd, tmp = tempfile.mkstemp(prefix=f".{dst.stem}.protected.", suffix=".png", dir=dst.parent)
    os.close(fd)
    try:
        Image.fromarray(image).save(tmp, "PNG")
        return embed_file(tmp, dst, owner, key, c2pa=c2pa, overwrite=True).as_dict()
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
