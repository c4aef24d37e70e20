"""Train the surrogate face-manipulation models the protection is optimised against (and a held-out one).

    python -m app train-surrogates --data ../shared/data --out resources/models --minutes 3

Faces: CelebA-HQ from ``<data>/faces/celeba-hq``; every 4th identity in sorted order is held out (the same
identities ``face_dpnet`` and the protection benchmark keep for evaluation) and never enters training.
Faces are found by MTCNN, aligned on their five landmarks to 64 px with random similarity jitter and flips.
Groups for the swap autoencoders: A = female, B = male files. Each model is exported as float16 weights with
a ``manifest.json`` (sha256, input, training record) into ``<out>/<name>/``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from engines.atomic import atomic_write_bytes, atomic_write_text
from engines.faces.align import TEMPLATE5, alignment_matrix
from engines.models.manifest import sha256_bytes
from engines.protect.surrogates import ALIGN_MARGIN, CROP_SIZE, build

HELD_OUT_EVERY = 4
LICENCE = ("Weights trained by TrueLens on CelebA-HQ faces (StarGAN v2 sample set, CC BY-NC 4.0 / CelebA "
           "non-commercial research terms): not for commercial use. See MODEL_CARD.md.")

# name: (architecture, kwargs, task, seed, held_out, batch)
RECIPES: dict[str, tuple[str, dict, str, int, bool, int]] = {
    "protect_swap_ae": ("protect_swap_ae", {"width": 24, "latent": 128}, "swap", 0, False, 32),
    "protect_editor": ("protect_editor_unet", {"width": 16}, "edit", 0, False, 16),
    "protect_swap_ae_heldout": ("protect_swap_ae_b", {"width": 40, "latent_channels": 48}, "swap", 1, True, 32),
}


def celeba_split(data_root: str | Path) -> tuple[list[Path], list[Path]]:
    """(training files, held-out files) of CelebA-HQ: every ``HELD_OUT_EVERY``-th identity is held out."""
    folder = Path(data_root) / "faces" / "celeba-hq"
    files = sorted(folder.glob("*.jpg"), key=lambda p: p.stem.split("_")[-1])
    if not files:
        raise FileNotFoundError(f"no CelebA-HQ faces in {folder}")
    held = [p for i, p in enumerate(files) if i % HELD_OUT_EVERY == 0]
    return [p for p in files if p not in held], held


def _read(path: Path) -> np.ndarray:
    img = cv2.imdecode(np.fromfile(str(path), np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"cannot decode {path}")
    return np.ascontiguousarray(img[:, :, ::-1])


def aligned_crops(files: list[Path], jitters: int, rng: np.random.Generator, log: Callable[[str], None]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Jittered aligned 64-px crops (N, 64, 64, 3) uint8 and their group (0 female, 1 male)."""
    from engines.protect.mtcnn import detect_faces

    crops, groups = [], []
    for path in files:
        image = _read(path)
        faces = detect_faces(image, max_side=512)
        if not faces:
            log(f"  no face found in {path.name}; skipped")
            continue
        five = faces[0].landmarks5.astype(np.float64)
        group = 1 if "_male_" in path.name else 0
        for _ in range(jitters):
            m = np.vstack([alignment_matrix(five, CROP_SIZE, ALIGN_MARGIN), [0, 0, 1]])
            angle, scale = rng.uniform(-8, 8), rng.uniform(0.94, 1.06)
            shift = rng.uniform(-2.5, 2.5, 2)
            j = cv2.getRotationMatrix2D((CROP_SIZE / 2, CROP_SIZE / 2), angle, scale)
            j[:, 2] += shift
            crop = cv2.warpAffine(image, (np.vstack([j, [0, 0, 1]]) @ m)[:2], (CROP_SIZE, CROP_SIZE),
                                  flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
            crops.append(crop[:, ::-1] if rng.random() < 0.5 else crop)
            groups.append(group)
    return np.ascontiguousarray(np.stack(crops)), np.array(groups)


def _edit_maps(size: int = CROP_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Remap grids of the fixed edit: eyes enlarged, mouth corners lifted (aligned-crop coordinates)."""
    template = (0.5 + (TEMPLATE5 - 0.5) / (1.0 + ALIGN_MARGIN)) * size
    gy, gx = np.mgrid[0:size, 0:size].astype(np.float32)
    map_x, map_y = gx.copy(), gy.copy()
    r = 0.09 * size
    for cx, cy in template[:2]:
        g = np.exp(-((gx - cx) ** 2 + (gy - cy) ** 2) / (2 * r * r))
        map_x -= 0.35 * (gx - cx) * g
        map_y -= 0.35 * (gy - cy) * g
    for cx, cy in template[3:]:
        g = np.exp(-((gx - cx) ** 2 + (gy - cy) ** 2) / (2 * r * r))
        map_y += 0.06 * size * g
    return map_x, map_y


def fixed_edit(crop: np.ndarray, maps: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The editor's target: the geometric edit plus a warmer tone (uint8 in, uint8 out)."""
    map_x, map_y = maps or _edit_maps(crop.shape[0])
    out = cv2.remap(crop, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    out *= np.array([1.07, 1.0, 0.9], np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def _random_warp(x: torch.Tensor, gen: torch.Generator, amount: float = 0.04) -> torch.Tensor:
    """Smooth random warp of a batch (the autoencoder must undo it, as face-swap trainers do)."""
    n = x.shape[0]
    coarse = (torch.rand(n, 2, 5, 5, generator=gen) - 0.5) * 2 * amount
    flow = F.interpolate(coarse, size=x.shape[-2:], mode="bicubic", align_corners=False).permute(0, 2, 3, 1)
    base = F.affine_grid(torch.eye(2, 3).expand(n, 2, 3), list(x.shape), align_corners=False)
    return F.grid_sample(x, base + flow, padding_mode="border", align_corners=False)


def train_one(name: str, crops: np.ndarray, groups: np.ndarray, seconds: float, log: Callable[[str], None]
              ) -> tuple[torch.nn.Module, dict]:
    """Train the recipe ``name`` for ``seconds``; returns the model and its training record."""
    arch, kwargs, task, seed, _, batch = RECIPES[name]
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = build(arch, **kwargs)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = torch.from_numpy(crops).permute(0, 3, 1, 2).float() / 255.0
    maps = _edit_maps()
    target_all = data if task == "swap" else torch.from_numpy(
        np.stack([fixed_edit(c, maps) for c in crops])).permute(0, 3, 1, 2).float() / 255.0
    index = [torch.nonzero(torch.from_numpy(groups == g)).flatten() for g in (0, 1)]
    started, step, recent = time.perf_counter(), 0, []
    while time.perf_counter() - started < seconds:
        loss = torch.zeros(())
        if task == "swap":
            for g in (0, 1):
                pick = index[g][torch.randint(len(index[g]), (batch // 2,), generator=gen)]
                out = model.decode(_random_warp(data[pick], gen), g)
                loss = loss + F.l1_loss(out, data[pick]) + F.mse_loss(out, data[pick])
        else:
            pick = torch.randint(len(data), (batch,), generator=gen)
            noisy = data[pick] + torch.randn(data[pick].shape, generator=gen) * 0.01
            loss = F.l1_loss(model(noisy), target_all[pick])
        opt.zero_grad()
        loss.backward()
        opt.step()
        recent = ([*recent, loss.item()])[-50:]
        step += 1
        if step % 200 == 0:
            log(f"  {name} step {step} loss {np.mean(recent):.4f} ({time.perf_counter() - started:.0f} s)")
    record = {"steps": step, "seconds": round(time.perf_counter() - started, 1), "seed": seed, "batch": batch,
              "final_loss": round(float(np.mean(recent)), 5), "task": task, "training_crops": len(crops)}
    return model.eval(), record


def export(model: torch.nn.Module, name: str, record: dict, out_dir: Path) -> Path:
    """Write float16 weights and ``manifest.json`` into ``out_dir/name`` atomically."""
    import io

    arch, kwargs, task, _, held_out, _ = RECIPES[name]
    buf = io.BytesIO()
    torch.save({k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}, buf)
    folder = out_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(folder / "weights.pt", buf.getvalue())
    manifest = {
        "name": name, "architecture": arch, "architecture_kwargs": kwargs,
        "weights": {"file": "weights.pt", "sha256": sha256_bytes(buf.getvalue()), "dtype": "float16"},
        "input": {"size": CROP_SIZE, "margin": ALIGN_MARGIN, "layout": "RGB float32 NCHW in [0, 1]",
                  "crop": f"engines.faces.align_face(image, landmarks5, size={CROP_SIZE}, margin={ALIGN_MARGIN})"},
        "normalisation": {"scale": "pixels / 255"},
        "task": {"swap": "face swap A→B (shared encoder, decoder B)", "edit": "fixed face edit"}[task],
        "held_out": held_out, "training": record, "licence": LICENCE,
    }
    atomic_write_text(folder / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return folder


def train_all(data_root: str | Path, out_dir: str | Path, minutes: float = 3.0, names: tuple[str, ...] = tuple(RECIPES),
              jitters: int = 16, log: Callable[[str], None] = print) -> list[Path]:
    """Build the crop set once, then train and export each named recipe for ``minutes``."""
    train_files, held = celeba_split(data_root)
    log(f"{len(train_files)} training faces, {len(held)} held out")
    crops, groups = aligned_crops(train_files, jitters, np.random.default_rng(0), log)
    log(f"{len(crops)} aligned crops ({int((groups == 0).sum())} group A, {int((groups == 1).sum())} group B)")
    written = []
    for name in names:
        model, record = train_one(name, crops, groups, minutes * 60.0, log)
        record["held_out_identities"] = [p.stem.split("_")[-1] for p in held]
        written.append(export(model, name, record, Path(out_dir)))
        log(f"wrote {written[-1]} ({record['steps']} steps, loss {record['final_loss']})")
    return written


def evaluate(data_root: str | Path, models_dir: str | Path, names: tuple[str, ...] = tuple(RECIPES),
             log: Callable[[str], None] = print) -> dict[str, dict[str, float]]:
    """Scores on the held-out identities' aligned crops (no jitter): swap models' reconstruction MSE through
    their own group's decoder and the swap's change; the editor's MSE to the fixed edit vs doing nothing."""
    from engines.protect.surrogates import load_surrogate

    held = celeba_split(data_root)[1]
    crops, groups = aligned_crops(held, 1, np.random.default_rng(1), log)
    x = torch.from_numpy(crops).permute(0, 3, 1, 2).float() / 255.0
    target = torch.from_numpy(np.stack([fixed_edit(c) for c in crops])).permute(0, 3, 1, 2).float() / 255.0
    scores = {}
    for name in names:
        model = load_surrogate(Path(models_dir) / name).model
        with torch.no_grad():
            if RECIPES[name][2] == "swap":
                own = torch.stack([model.decode(x[i:i + 1], int(g))[0] for i, g in enumerate(groups)])
                scores[name] = {"reconstruction_mse": float(F.mse_loss(own, x)),
                                "swap_change_mse": float(F.mse_loss(model(x), x))}
            else:
                scores[name] = {"edit_mse": float(F.mse_loss(model(x), target)),
                                "identity_mse": float(F.mse_loss(x, target))}
        log(f"{name}: " + ", ".join(f"{k} {v:.4f}" for k, v in scores[name].items()))
    return scores
