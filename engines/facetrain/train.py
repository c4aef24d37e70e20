"""Train a face-forgery classifier on self-blended pseudo-fakes (``truelens train-faces``).

Resumable: ``checkpoint.pt`` in the output folder holds the model, optimiser, step and elapsed time;
batch ``i`` is always generated from seed (seed, i), so a resumed run continues the same stream. The
learning rate follows a cosine over the time budget. The pretrained trunk's batch-norm statistics stay
frozen and its stem is not trained. At the end the weights are exported (fp16) with a manifest to
``<out>/<name>`` and TRIM thresholds are calibrated on clean training-identity crops.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from engines.atomic import atomic_write_bytes, atomic_write_text
from engines.facetrain.pool import FaceRecord, load_pool, split_pool
from engines.facetrain.samples import MARGIN, to_tensor, training_batch
from engines.runtime.prefetch import Prefetcher


@dataclasses.dataclass
class FaceTrainConfig:
    data: str
    out: str
    architecture: str = "face_dpnet"
    minutes: float = 25.0
    batch: int = 16
    size: int = 128
    lr: float = 6e-4
    backbone_lr_scale: float = 0.3
    weight_decay: float = 1e-4
    seed: int = 0
    threads: int = 1
    resume: bool = False
    checkpoint_every_s: float = 120.0
    warmup_steps: int = 30
    calibration_crops: int = 128
    crop_augment: float = 1.0


def build_model(cfg: FaceTrainConfig, pretrained: bool):
    import engines.models.face_models  # noqa: F401 - registers the face architectures
    from engines.models import create_model

    kwargs = architecture_kwargs(cfg)
    if cfg.architecture == "face_dpnet":
        kwargs["pretrained"] = pretrained
    return create_model(cfg.architecture, **kwargs)


def architecture_kwargs(cfg: FaceTrainConfig) -> dict:
    """Constructor arguments recorded in the manifest (the ImageNet start is not needed to rebuild)."""
    if cfg.architecture == "face_dpnet":
        return {"pretrained": False}
    if cfg.architecture == "face_amten":
        return {"size": cfg.size}
    return {}


def _param_groups(model, cfg: FaceTrainConfig) -> list[dict]:
    trunk, rest = [], []
    for name, p in model.named_parameters():
        if name.startswith("stages.0."):
            p.requires_grad_(False)
            continue
        (trunk if name.startswith("stages.") else rest).append(p)
    groups = [{"params": rest, "lr": cfg.lr}]
    if trunk:
        groups.append({"params": trunk, "lr": cfg.lr * cfg.backbone_lr_scale})
    return groups


def _freeze_trunk_bn(model) -> None:
    import torch

    for name, m in model.named_modules():
        if name.startswith("stages.") and isinstance(m, torch.nn.BatchNorm2d):
            m.eval()


def train(cfg: FaceTrainConfig, log: Callable[[str], None] = print) -> Path:
    """Run (or resume) training; returns the exported model folder."""
    import torch

    torch.set_num_threads(cfg.threads)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path = out / "checkpoint.pt"
    if ckpt_path.exists() and not cfg.resume:
        raise FileExistsError(f"{ckpt_path} exists: pass --resume to continue or choose another --out")
    train_recs, eval_recs = split_pool(load_pool(cfg.data, out / "cache", log))
    log(f"pool: {len(train_recs)} training faces; {len(eval_recs)} held-out faces never used here "
        f"({len({r.identity for r in eval_recs})} identities)")
    model = build_model(cfg, pretrained=not (cfg.resume and ckpt_path.exists()))
    opt = torch.optim.AdamW(_param_groups(model, cfg), weight_decay=cfg.weight_decay)
    base_lrs = [g["lr"] for g in opt.param_groups]
    step, elapsed = 0, 0.0
    if cfg.resume and ckpt_path.exists():
        state = torch.load(ckpt_path, map_location="cpu", weights_only=True)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step, elapsed = int(state["step"]), float(state["elapsed"])
        log(f"resumed at step {step}, {elapsed / 60:.1f} min done")
    budget = cfg.minutes * 60.0
    def batch_at(i: int):
        return training_batch(train_recs, cfg.batch, cfg.size, np.random.default_rng([cfg.seed, i]), cfg.crop_augment)

    producer = Prefetcher(batch_at, first=step)
    model.train()
    _freeze_trunk_bn(model)
    loss_fn = torch.nn.CrossEntropyLoss()
    last_ckpt = time.monotonic()
    window: list[tuple[float, float]] = []
    try:
        while elapsed < budget:
            t0 = time.monotonic()
            crops, labels = producer.get()
            frac = min(1.0, elapsed / budget)
            scale = min(1.0, (step + 1) / cfg.warmup_steps) * 0.5 * (1 + math.cos(math.pi * frac))
            for g, base in zip(opt.param_groups, base_lrs, strict=True):
                g["lr"] = base * scale
            logits = model(to_tensor(crops))
            target = torch.from_numpy(labels)
            loss = loss_fn(logits, target)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            acc = float((logits.argmax(1) == target).float().mean())
            window.append((loss.item(), acc))
            step += 1
            elapsed += time.monotonic() - t0
            if step % 20 == 0:
                mean_loss, mean_acc = np.mean(window, axis=0)
                window.clear()
                log(json.dumps({"step": step, "minutes": round(elapsed / 60, 2), "loss": round(float(mean_loss), 4),
                                "acc": round(float(mean_acc), 3), "lr": round(opt.param_groups[0]["lr"], 7)}))
            if time.monotonic() - last_ckpt > cfg.checkpoint_every_s:
                _save_checkpoint(ckpt_path, model, opt, step, elapsed)
                last_ckpt = time.monotonic()
    finally:
        producer.stop()
    _save_checkpoint(ckpt_path, model, opt, step, elapsed)
    folder = export(model, cfg, out / cfg.architecture, train_recs, step, elapsed)
    log(f"exported {folder} after {step} steps, {elapsed / 60:.1f} min")
    return folder


def _save_checkpoint(path: Path, model, opt, step: int, elapsed: float) -> None:
    import torch

    buf = io.BytesIO()
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "elapsed": elapsed}, buf)
    atomic_write_bytes(path, buf.getvalue())


def export(model, cfg: FaceTrainConfig, folder: Path, calib_recs: list[FaceRecord], step: int, elapsed: float
           ) -> Path:
    """fp16 weights + manifest (with TRIM thresholds calibrated on clean training-identity crops)."""
    import torch

    from engines.detect.trim import calibrate_trim
    from engines.models.manifest import sha256_bytes

    model.eval()
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    buf = io.BytesIO()
    torch.save(state, buf)
    data = buf.getvalue()
    atomic_write_bytes(folder / "weights.pt", data)
    # Reload the rounded weights so the calibration sees exactly what ships.
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    rng = np.random.default_rng([cfg.seed, 999])
    crops = training_batch(calib_recs, cfg.calibration_crops, cfg.size, rng, crop_augment=0.0)[0]
    trim = calibrate_trim(model, crops)
    manifest = {
        "name": cfg.architecture,
        "architecture": cfg.architecture,
        "architecture_kwargs": architecture_kwargs(cfg),
        "weights": {"file": "weights.pt", "sha256": sha256_bytes(data), "dtype": "float16"},
        "input": {"size": cfg.size, "layout": "RGB float32 NCHW in [0, 1]",
                  "crop": f"engines.faces.align_face(image, face, size={cfg.size}, margin={MARGIN})"},
        "align_margin": MARGIN,
        "normalisation": {"scale": "pixels / 255", "inside_model": "ImageNet mean/std for the spatial stream"},
        "output": {"logits": 2, "fake_index": 1, "threshold": 0.5},
        "trim": trim,
        "training": {"steps": step, "minutes": round(elapsed / 60, 2), "batch": cfg.batch, "seed": cfg.seed,
                     "crop_augment": cfg.crop_augment},
        "licence": "Weights trained by TrueLens on research data under non-commercial licences (CelebA-HQ via "
                   "StarGAN v2 CC BY-NC 4.0; face_recognition example photos); spatial trunk initialised from "
                   "torchvision's ImageNet MobileNetV2 (BSD-3-Clause). See MODEL_CARD.md.",
    }
    atomic_write_text(folder / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return folder
