"""Train the surrogate face-manipulation models the protection is optimised against (and a held-out one).

    python -m app train-surrogates --data ../shared/data --out resources/models --minutes 3

or, where the faces are not at hand (a GPU machine), from a *face pack* written beforehand:

    python -m app train-surrogates --data ../shared/data --write-pack .trainpack      # here: MTCNN landmarks
    python -m engines.protect.train_surrogates --pack .trainpack --out OUT --device cuda --minutes 5 --only NAME

Faces: CelebA-HQ from ``<data>/faces/celeba-hq``; every 4th identity in sorted order is held out (the same
identities ``face_dpnet`` and the protection benchmark keep for evaluation) and never enters training.
Faces are found by MTCNN, aligned on their five landmarks to each recipe's crop size with random similarity
jitter and flips. Groups for the swap autoencoders: A = female, B = male files. Each model is exported as float16
weights with a ``manifest.json`` (sha256, input, training record) into ``<out>/<name>/``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
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



@dataclasses.dataclass(frozen=True)
class Recipe:
    """How one surrogate is trained: architecture and its arguments, task ("swap" or "edit"), seed, whether it is
    held out of the protection panel, batch size and aligned-crop size."""

    architecture: str
    kwargs: dict
    task: str
    seed: int
    held_out: bool
    batch: int
    size: int = CROP_SIZE


RECIPES: dict[str, Recipe] = {
    "protect_swap_ae": Recipe("protect_swap_ae", {"width": 32, "latent": 256, "levels": 5}, "swap", 0, False, 64, 128),
    "protect_editor": Recipe("protect_editor_unet", {"width": 16}, "edit", 0, False, 32, 128),
    "protect_swap_ae_heldout": Recipe("protect_swap_ae_b", {"width": 40, "latent_channels": 48, "levels": 4},
                                      "swap", 1, True, 64, 128),
    "protect_swap_ae_heldout_64": Recipe("protect_swap_ae_b", {"width": 40, "latent_channels": 48}, "swap", 1, True,
                                         32, 64),
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


def face_landmarks(files: list[Path], log: Callable[[str], None]) -> list[tuple[Path, np.ndarray]]:
    """(file, MTCNN five landmarks) of each file's first face; files without a face are skipped."""
    from engines.protect.mtcnn import detect_faces

    found = []
    for path in files:
        faces = detect_faces(_read(path), max_side=512)
        if not faces:
            log(f"  no face found in {path.name}; skipped")
            continue
        found.append((path, faces[0].landmarks5.astype(np.float64)))
    return found


def write_pack(data_root: str | Path, folder: str | Path, log: Callable[[str], None] = print) -> Path:
    """Copy the training faces and their MTCNN landmarks into ``folder`` (``pack.json`` + JPEGs), so training
    can run where neither the shared data nor MTCNN's weights are."""
    folder = Path(folder)
    train_files, held = celeba_split(data_root)
    found = face_landmarks(train_files, log)
    folder.mkdir(parents=True, exist_ok=True)
    faces = []
    for path, five in found:
        shutil.copyfile(path, folder / path.name)
        faces.append({"file": path.name, "landmarks5": five.round(3).tolist()})
    pack = {"faces": faces, "held_out_identities": [p.stem.split("_")[-1] for p in held]}
    atomic_write_text(folder / "pack.json", json.dumps(pack, indent=1) + "\n")
    log(f"wrote {len(faces)} faces to {folder}")
    return folder


def read_pack(folder: str | Path) -> tuple[list[tuple[Path, np.ndarray]], list[str]]:
    """The (file, landmarks) list and held-out identities of a face pack written by ``write_pack``."""
    folder = Path(folder)
    pack = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
    faces = [(folder / f["file"], np.asarray(f["landmarks5"], np.float64)) for f in pack["faces"]]
    return faces, list(pack["held_out_identities"])


def aligned_crops(faces: list[tuple[Path, np.ndarray]], jitters: int, rng: np.random.Generator, size: int = CROP_SIZE,
                  jitter: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Aligned ``size``-px crops (N, size, size, 3) uint8 (``jitters`` per face: rotation ±8°, scale ±6 %, shift
    ±4 % of the side, random flips, unless ``jitter`` is off) and their group (0 female, 1 male)."""
    crops, groups = [], []
    for path, five in faces:
        image = _read(path)
        group = 1 if "_male_" in path.name else 0
        m = np.vstack([alignment_matrix(five, size, ALIGN_MARGIN), [0, 0, 1]])
        for _ in range(jitters):
            if jitter:
                angle, scale = rng.uniform(-8, 8), rng.uniform(0.94, 1.06)
                j = cv2.getRotationMatrix2D((size / 2, size / 2), angle, scale)
                j[:, 2] += rng.uniform(-0.04, 0.04, 2) * size
                full = np.vstack([j, [0, 0, 1]]) @ m
            else:
                full = m
            crop = cv2.warpAffine(image, full[:2], (size, size), flags=cv2.INTER_AREA,
                                  borderMode=cv2.BORDER_REPLICATE)
            crops.append(crop[:, ::-1] if jitter and rng.random() < 0.5 else crop)
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
    coarse = ((torch.rand(n, 2, 5, 5, generator=gen) - 0.5) * 2 * amount).to(x.device)
    flow = F.interpolate(coarse, size=x.shape[-2:], mode="bicubic", align_corners=False).permute(0, 2, 3, 1)
    base = F.affine_grid(torch.eye(2, 3, device=x.device).expand(n, 2, 3), list(x.shape), align_corners=False)
    return F.grid_sample(x, base + flow, padding_mode="border", align_corners=False)


def train_one(name: str, crops: np.ndarray, groups: np.ndarray, seconds: float, log: Callable[[str], None],
              device: str = "cpu", batch_scale: int = 1) -> tuple[torch.nn.Module, dict]:
    """Train the recipe ``name`` for ``seconds`` (Adam, learning rate 1e-3 with a cosine decay over the time
    budget) on ``device``; returns the model (on the CPU) and its training record."""
    recipe = RECIPES[name]
    torch.manual_seed(recipe.seed)
    gen = torch.Generator().manual_seed(recipe.seed)
    model = build(recipe.architecture, **recipe.kwargs).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = (torch.from_numpy(crops).permute(0, 3, 1, 2).float() / 255.0).to(device)
    maps = _edit_maps(recipe.size)
    target_all = data if recipe.task == "swap" else (torch.from_numpy(
        np.stack([fixed_edit(c, maps) for c in crops])).permute(0, 3, 1, 2).float() / 255.0).to(device)
    index = [torch.nonzero(torch.from_numpy(groups == g)).flatten() for g in (0, 1)]
    batch, started, step, recent = recipe.batch * batch_scale, time.perf_counter(), 0, []
    while (elapsed := time.perf_counter() - started) < seconds:
        for group in opt.param_groups:
            group["lr"] = 1e-5 + (1e-3 - 1e-5) * 0.5 * (1.0 + np.cos(np.pi * elapsed / seconds))
        loss = torch.zeros((), device=device)
        if recipe.task == "swap":
            for g in (0, 1):
                pick = index[g][torch.randint(len(index[g]), (batch // 2,), generator=gen)].to(device)
                out = model.decode(_random_warp(data[pick], gen), g)
                loss = loss + F.l1_loss(out, data[pick]) + F.mse_loss(out, data[pick])
        else:
            pick = torch.randint(len(data), (batch,), generator=gen).to(device)
            noisy = data[pick] + (torch.randn(data[pick].shape, generator=gen) * 0.01).to(device)
            loss = F.l1_loss(model(noisy), target_all[pick])
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 50 == 0:
            recent = ([*recent, loss.item()])[-20:]
        if step % 2000 == 0:
            log(f"  {name} step {step} loss {np.mean(recent):.4f} ({elapsed:.0f} s)")
    record = {"steps": step, "seconds": round(time.perf_counter() - started, 1), "seed": recipe.seed,
              "batch": batch, "final_loss": round(float(np.mean(recent or [loss.item()])), 5), "task": recipe.task,
              "training_crops": len(crops), "device": torch.cuda.get_device_name() if device.startswith("cuda")
              else "cpu", "torch": torch.__version__}
    return model.cpu().eval(), record


def export(model: torch.nn.Module, name: str, record: dict, out_dir: Path) -> Path:
    """Write float16 weights and ``manifest.json`` into ``out_dir/name`` atomically."""
    import io

    recipe = RECIPES[name]
    buf = io.BytesIO()
    torch.save({k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}, buf)
    folder = out_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(folder / "weights.pt", buf.getvalue())
    manifest = {
        "name": name, "architecture": recipe.architecture, "architecture_kwargs": recipe.kwargs,
        "weights": {"file": "weights.pt", "sha256": sha256_bytes(buf.getvalue()), "dtype": "float16"},
        "input": {"size": recipe.size, "margin": ALIGN_MARGIN, "layout": "RGB float32 NCHW in [0, 1]",
                  "crop": f"engines.faces.align_face(image, landmarks5, size={recipe.size}, margin={ALIGN_MARGIN})"},
        "normalisation": {"scale": "pixels / 255"},
        "task": {"swap": "face swap A→B (shared encoder, decoder B)", "edit": "fixed face edit"}[recipe.task],
        "held_out": recipe.held_out, "training": record, "licence": LICENCE,
    }
    atomic_write_text(folder / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return folder


def train_all(data_root: str | Path | None, out_dir: str | Path, minutes: float = 3.0,
              names: tuple[str, ...] = tuple(RECIPES), jitters: int = 64, log: Callable[[str], None] = print,
              device: str = "cpu", pack: str | Path | None = None, batch_scale: int = 1) -> list[Path]:
    """Build the crop set once per crop size (from the shared data, or from a face ``pack``), then train and
    export each named recipe for ``minutes``."""
    if pack is not None:
        faces, held_ids = read_pack(pack)
    else:
        train_files, held = celeba_split(data_root)
        faces, held_ids = face_landmarks(train_files, log), [p.stem.split("_")[-1] for p in held]
    log(f"{len(faces)} training faces, {len(held_ids)} identities held out")
    crop_sets: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    written = []
    for name in names:
        size = RECIPES[name].size
        if size not in crop_sets:
            crop_sets[size] = aligned_crops(faces, jitters, np.random.default_rng(0), size)
            groups = crop_sets[size][1]
            log(f"{len(groups)} aligned {size}-px crops ({int((groups == 0).sum())} group A, "
                f"{int((groups == 1).sum())} group B)")
        model, record = train_one(name, *crop_sets[size], minutes * 60.0, log, device, batch_scale)
        record["jitters_per_face"] = jitters
        record["held_out_identities"] = held_ids
        written.append(export(model, name, record, Path(out_dir)))
        log(f"wrote {written[-1]} ({record['steps']} steps, loss {record['final_loss']})")
    return written


def evaluate(data_root: str | Path, models_dir: str | Path, names: tuple[str, ...] = tuple(RECIPES),
             log: Callable[[str], None] = print) -> dict[str, dict[str, float]]:
    """Scores on the held-out identities' aligned crops (no jitter): swap models' reconstruction MSE through
    their own group's decoder and the swap's change; the editor's MSE to the fixed edit vs doing nothing."""
    from engines.protect.surrogates import load_surrogate

    held = face_landmarks(celeba_split(data_root)[1], log)
    scores = {}
    for name in names:
        crops, groups = aligned_crops(held, 1, np.random.default_rng(1), RECIPES[name].size, jitter=False)
        x = torch.from_numpy(crops).permute(0, 3, 1, 2).float() / 255.0
        target = torch.from_numpy(np.stack([fixed_edit(c) for c in crops])).permute(0, 3, 1, 2).float() / 255.0
        model = load_surrogate(Path(models_dir) / name).model
        with torch.no_grad():
            if RECIPES[name].task == "swap":
                own = torch.stack([model.decode(x[i:i + 1], int(g))[0] for i, g in enumerate(groups)])
                scores[name] = {"reconstruction_mse": float(F.mse_loss(own, x)),
                                "swap_change_mse": float(F.mse_loss(model(x), x))}
            else:
                scores[name] = {"edit_mse": float(F.mse_loss(model(x), target)),
                                "identity_mse": float(F.mse_loss(x, target))}
        log(f"{name}: " + ", ".join(f"{k} {v:.4f}" for k, v in scores[name].items()))
    return scores


def main(argv: list[str] | None = None) -> int:
    """Train from a face pack (no shared data or MTCNN needed): ``--pack DIR --out DIR [--device cuda]``."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--pack", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--jitters", type=int, default=64)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch-scale", type=int, default=1, help="multiply each recipe's batch size")
    parser.add_argument("--only", action="append", choices=sorted(RECIPES))
    args = parser.parse_args(argv)
    if args.device.startswith("cuda"):
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    train_all(None, args.out, args.minutes, tuple(args.only or RECIPES), args.jitters,
              lambda m: print(m, flush=True), args.device, args.pack, args.batch_scale)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
