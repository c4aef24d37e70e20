"""Train the localizer on generated forgeries (``truelens train localize``).

Resumable: ``checkpoint.pt`` in the output folder holds the model, optimiser, step and elapsed
training time; sample ``i`` of the stream is always the same image, so a resumed run continues the
same data sequence. The learning rate follows a cosine over the time budget (``minutes``). Every
``validate_every_s`` seconds the model is scored on held-out val photos; the best one is exported
to ``<out>/localizer`` (fp16 weights + manifest). Metrics go to ``metrics.jsonl``, text to ``train.log``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from engines.localize.features import error_levels
from engines.localize.generator import MIXES, ForgeryGenerator, random_crop
from engines.localize.pools import TRAIN_SPLITS, BsdsPool, bsds_root
from engines.runtime.prefetch import Prefetcher

ARCHITECTURE = "localizer_mnv2_ela"


@dataclasses.dataclass
class TrainConfig:
    data: str
    out: str
    minutes: float = 60.0
    batch: int = 8
    crop: int = 256
    lr: float = 1e-3
    backbone_lr_scale: float = 0.2
    weight_decay: float = 1e-4
    frozen_blocks: int = 4
    seed: int = 0
    architecture: str = ARCHITECTURE
    mix: int = 1  # forgery-kind mix of the generator (engines.localize.generator.MIXES)
    init: str | None = None  # warm start: a model folder (manifest.json) or a state-dict file
    threads: int = 1
    device: str | None = None
    resume: bool = False
    checkpoint_every_s: float = 120.0
    validate_every_s: float = 600.0
    validation_images: int = 40
    warmup_steps: int = 50


def make_batch(generator: ForgeryGenerator, first_index: int, batch: int, crop: int, seed: int,
               ela_qualities: tuple[int, ...] = ()) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """One training batch of generated samples ``first_index …``: images uint8 (B, crop, crop, 3), masks bool,
    error levels float32 (B, crop, crop, k) or None (computed on the whole generated image before cropping)."""
    images, masks, levels = [], [], []
    for index in range(first_index, first_index + batch):
        sample = generator.sample(index)
        rng = np.random.default_rng([seed, 7, index])
        stack = sample.image.astype(np.float32)
        if ela_qualities:
            stack = np.concatenate([stack, error_levels(sample.image, ela_qualities)], axis=2)
        crop_arr, m = random_crop(stack, sample.mask, crop, rng)
        if rng.random() < 0.5:
            crop_arr, m = crop_arr[:, ::-1], m[:, ::-1]
        images.append(crop_arr[..., :3].astype(np.uint8))
        levels.append(crop_arr[..., 3:])
        masks.append(m)
    return np.stack(images), np.stack(masks), (np.stack(levels) if ela_qualities else None)


def learning_rate(cfg: TrainConfig, step: int, elapsed_s: float) -> float:
    """Linear warm-up, then a cosine over the time budget down to 5 % of the base rate."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    frac = min(1.0, elapsed_s / max(1.0, cfg.minutes * 60.0))
    return cfg.lr * (0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * frac)))


def _param_groups(model: Any, cfg: TrainConfig) -> list[dict[str, Any]]:
    backbone = [p for p in model.trunk.parameters() if p.requires_grad]
    ids = {id(p) for p in model.trunk.parameters()}
    rest = [p for p in model.parameters() if p.requires_grad and id(p) not in ids]
    return [{"params": backbone, "scale": cfg.backbone_lr_scale}, {"params": rest, "scale": 1.0}]


def _batch_tensor(array: np.ndarray, device: str, scale: float = 1.0) -> Any:
    import torch

    x = torch.from_numpy(np.ascontiguousarray(array)).permute(0, 3, 1, 2).float()
    if scale != 1.0:
        x = x.mul_(scale)
    if device == "cpu":
        x = x.contiguous(memory_format=torch.channels_last)
    return x.to(device)


def _load_init(source: str) -> dict[str, Any]:
    """A state dict from a model folder (sha256-verified manifest) or a ``.pt`` state-dict file."""
    import torch

    from engines.models.manifest import load_manifest, load_verified_state_dict

    path = Path(source)
    if path.is_dir():
        return load_verified_state_dict(load_manifest(path))
    if not path.is_file():
        raise FileNotFoundError(f"--init: no model folder or state-dict file at {path}")
    return torch.load(path, map_location="cpu", weights_only=True)


def warm_start(model: Any, state: dict[str, Any]) -> int:
    """Copy matching tensors from ``state``; where a shape grew (e.g. new input channels), copy the
    overlap and zero the new part of convolution weights so the model starts as the old one did.
    Returns how many tensors were (partly) copied."""
    import torch

    own = model.state_dict()
    copied = 0
    with torch.no_grad():
        for key, target in own.items():
            source = state.get(key)
            if source is None or source.dim() != target.dim():
                continue
            source = source.to(target.dtype)
            if source.shape == target.shape:
                target.copy_(source)
            else:
                if key.endswith("weight") and target.dim() == 4:
                    target.zero_()
                overlap = tuple(slice(0, min(a, b)) for a, b in zip(source.shape, target.shape, strict=True))
                target[overlap] = source[overlap]
            copied += 1
    return copied


def _atomic_torch_save(obj: Any, path: Path) -> None:
    import torch

    tmp = path.with_name(path.name + ".part")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train(cfg: TrainConfig, log: Callable[[str], None] = print) -> Path:
    """Run (or resume) training; returns the exported model folder."""
    import cv2
    import torch

    from engines.localize.export import export_model
    from engines.localize.losses import localizer_loss
    from engines.localize.validate import validate
    from engines.models.registry import create_model
    from engines.runtime.device import select_device

    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(cfg.threads)
    cv2.setNumThreads(1)
    torch.manual_seed(cfg.seed)
    device = select_device(cfg.device)
    model = create_model(cfg.architecture, pretrained_backbone=True, frozen_blocks=cfg.frozen_blocks).to(device)
    if device == "cpu":
        model = model.to(memory_format=torch.channels_last)
    groups = _param_groups(model, cfg)
    optimizer = torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay)
    ckpt_path, state = out / "checkpoint.pt", {"step": 0, "elapsed": 0.0, "best": None, "history": []}
    if cfg.resume and ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location=device, weights_only=False)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        state = ckpt["state"]
        log(f"resumed at step {state['step']} after {state['elapsed'] / 60:.1f} min")
    elif ckpt_path.exists():
        raise FileExistsError(f"{ckpt_path} exists; pass --resume to continue it or choose another --out")
    elif cfg.init:
        copied = warm_start(model, _load_init(cfg.init))
        log(f"initialised {copied} tensors from {cfg.init}")
    pool = BsdsPool(bsds_root(cfg.data), TRAIN_SPLITS)
    generator = ForgeryGenerator(pool, seed=cfg.seed, kinds=MIXES[cfg.mix])
    producer = Prefetcher(lambda step: make_batch(generator, step * cfg.batch, cfg.batch, cfg.crop, cfg.seed,
                                                  model.ela_qualities), first=state["step"])
    record = {"config": dataclasses.asdict(cfg), "device": device, "train_photos": len(pool),
              "train_splits": list(TRAIN_SPLITS), "crop": cfg.crop}
    metrics_file = open(out / "metrics.jsonl", "a", encoding="utf-8")

    def emit(kind: str, **values: Any) -> None:
        metrics_file.write(json.dumps({"kind": kind, "step": state["step"], "elapsed": round(state["elapsed"], 1),
                                       **values}) + "\n")
        metrics_file.flush()

    def checkpoint() -> None:
        _atomic_torch_save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "state": state},
                           ckpt_path)

    def run_validation() -> None:
        model.eval()
        scores = validate(model, device, cfg.data, cfg.validation_images)
        model.train()
        state["history"].append({"step": state["step"], **scores})
        emit("val", **scores)
        log(f"val step {state['step']}: " + ", ".join(f"{k} {v:.3f}" for k, v in scores.items()))
        key = scores["pixel_auc"] + scores["best_f1"]
        if state["best"] is None or key > state["best"]["key"]:
            state["best"] = {"key": key, "step": state["step"], **scores}
            _atomic_torch_save(model.state_dict(), out / "best_model.pt")

    model.train()
    session_start, last_ckpt, last_val = time.perf_counter(), time.perf_counter(), time.perf_counter()
    base_elapsed, running = state["elapsed"], {}
    try:
        while state["elapsed"] < cfg.minutes * 60.0:
            lr = learning_rate(cfg, state["step"], state["elapsed"])
            for g in optimizer.param_groups:
                g["lr"] = lr * g["scale"]
            images, masks, levels = producer.get()
            x = _batch_tensor(images, device, 1.0 / 255.0)
            ela = None if levels is None else _batch_tensor(levels, device)
            y = torch.from_numpy(masks[:, None].astype(np.float32)).to(device)
            loss, parts = localizer_loss(model(x, ela), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            state["step"] += 1
            state["elapsed"] = base_elapsed + time.perf_counter() - session_start
            for k, v in {"loss": float(loss.detach()), **parts}.items():
                running[k] = 0.98 * running.get(k, v) + 0.02 * v
            if state["step"] % 25 == 0:
                emit("train", lr=lr, **{k: round(v, 4) for k, v in running.items()})
                log(f"step {state['step']} {state['elapsed'] / 60:.1f} min lr {lr:.2e} "
                    + " ".join(f"{k} {v:.3f}" for k, v in running.items()))
            now = time.perf_counter()
            if now - last_val > cfg.validate_every_s:
                run_validation()
                last_val = time.perf_counter()
            if now - last_ckpt > cfg.checkpoint_every_s:
                checkpoint()
                last_ckpt = time.perf_counter()
        run_validation()
        checkpoint()
    finally:
        producer.stop()
        metrics_file.close()
    best = state["best"]
    model.load_state_dict(torch.load(out / "best_model.pt", map_location=device, weights_only=True))
    record.update(steps=state["step"], samples=state["step"] * cfg.batch, minutes=round(state["elapsed"] / 60, 1),
                  selected_step=best["step"], selection_metrics={k: v for k, v in best.items() if k != "key"},
                  history=state["history"])
    folder = export_model(model.cpu().float(), out / "localizer", cfg.architecture, record)
    log(f"exported step {best['step']} to {folder}")
    return folder
