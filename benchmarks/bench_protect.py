"""Photo protection: optimise against the panel, measure on models that are NOT in it, after posting.

    python -m benchmarks.bench_protect [--data ../shared/data] [--faces 8] [--steps N] [--threads 1] [--no-write]

Faces: the held-out CelebA-HQ identities (1024×1024; never seen by the surrogates' training). Each photo is
protected at default strength with the default panel (surrogate swap autoencoder + editor, MTCNN), then
measured after no posting, JPEG 90, JPEG 75 and a 0.5× resize on:

- held-out detectors (not differentiable, never optimised against): YuNet (yuface) and BlazeFace + face mesh
  (LiteRT) — miss rate (no detection with IoU ≥ 0.3 to the face found on the equally posted original) and
  five-landmark error (mean distance / eye distance) of the faces still found;
- the held-out surrogate (another architecture and seed) and the classical landmark-warp face swap
  (``engines.facetrain.swap``, source: another held-out face) — output distortion vs the unprotected photo
  (MSE in [0, 1]², PSNR between outputs) and interruption rate (MSE ≥ 0.01, i.e. output PSNR < 20 dB; for the
  graphics swap, also counted when no face mesh is found);
- for reference, the panel's own models (white-box).

A control row adds the same per-pixel change with random signs: what any noise of that size would do.
Writes the "protect" section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import io
import os
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

from benchmarks._report import git_revision, machine, median, update_section

CONDITIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {}
BROKEN_MSE = 0.01


def _jpeg(q: int) -> Callable[[np.ndarray], np.ndarray]:
    def run(img: np.ndarray) -> np.ndarray:
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, "JPEG", quality=q)
        return np.array(Image.open(buf).convert("RGB"))

    return run


def _half(img: np.ndarray) -> np.ndarray:
    return cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2), interpolation=cv2.INTER_AREA)


CONDITIONS.update({"none": lambda x: x, "JPEG 90": _jpeg(90), "JPEG 75": _jpeg(75), "resize 0.5×": _half})


def read_rgb(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(path)
    return np.ascontiguousarray(img[:, :, ::-1])


def _eye_distance(five: np.ndarray) -> float:
    return float(np.linalg.norm(five[1] - five[0])) or 1.0


def _area(face) -> float:
    return float((face.box[2] - face.box[0]) * (face.box[3] - face.box[1]))


def _match(ref_box: np.ndarray, faces: list) -> object | None:
    from engines.faces.types import box_iou

    if not faces:
        return None
    iou = box_iou(ref_box[None], np.stack([f.box for f in faces]))[0]
    best = int(np.argmax(iou))
    return faces[best] if iou[best] >= 0.3 else None


class Tally:
    """Per (condition, variant, model) lists of values."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str, str], dict[str, list[float]]] = {}

    def add(self, cond: str, variant: str, model: str, **values: float) -> None:
        slot = self.data.setdefault((cond, variant, model), {})
        for k, v in values.items():
            slot.setdefault(k, []).append(float(v))


def _detector_rows(tally: Tally, cond: str, variant: str, clean: np.ndarray, changed: np.ndarray, detectors: dict
                   ) -> None:
    for name, det in detectors.items():
        ref = det(clean)
        if not ref:
            continue
        ref_face = max(ref, key=_area)
        hit = _match(ref_face.box, det(changed))
        if hit is None:
            tally.add(cond, variant, name, miss=1.0)
        else:
            err = np.linalg.norm(hit.landmarks5 - ref_face.landmarks5, axis=1).mean()
            tally.add(cond, variant, name, miss=0.0, landmark=err / _eye_distance(ref_face.landmarks5))


def _model_rows(tally: Tally, cond: str, variant: str, clean: np.ndarray, changed: np.ndarray, five: np.ndarray,
                models: dict) -> None:
    from engines.protect.surrogates import aligned_crop, aligned_grid

    def tensor(img: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(img.astype(np.float32) / 255).permute(2, 0, 1)[None]

    for name, s in models.items():
        grid = aligned_grid(five, s.crop_size, s.margin, clean.shape[:2])
        with torch.no_grad():
            a, b = s.model(aligned_crop(tensor(clean), grid)), s.model(aligned_crop(tensor(changed), grid))
        mse = float(torch.mean((a - b) ** 2))
        tally.add(cond, variant, name, mse=mse, psnr=10 * np.log10(1 / max(mse, 1e-10)), broken=mse >= BROKEN_MSE)


def _swap_rows(tally: Tally, cond: str, variant: str, clean: np.ndarray, changed: np.ndarray, source: tuple,
               mesher) -> None:
    from engines.facetrain.swap import face_swap

    ref = mesher.detect(clean)
    if not ref or ref[0].landmarks_dense is None:
        return
    ref_face = max(ref, key=_area)
    hit = _match(ref_face.box, mesher.detect(changed))
    name = "landmark-warp face swap"
    if hit is None or hit.landmarks_dense is None:
        tally.add(cond, variant, name, miss=1.0, broken=1.0)
        return
    src_img, src_mesh = source
    a, mask = face_swap(clean, ref_face.landmarks_dense, src_img, src_mesh)
    b, _ = face_swap(changed, hit.landmarks_dense, src_img, src_mesh)
    diff = (a.astype(np.float64) - b.astype(np.float64))[mask] / 255.0
    mse = float(np.mean(diff**2))
    mesh_err = np.linalg.norm(hit.landmarks_dense - ref_face.landmarks_dense, axis=1).mean() / _eye_distance(
        ref_face.landmarks5)
    tally.add(cond, variant, name, miss=0.0, landmark=mesh_err, mse=mse, psnr=10 * np.log10(1 / max(mse, 1e-10)),
              broken=mse >= BROKEN_MSE)


def _fmt(values: list[float] | None, pct: bool = False, digits: int = 3) -> str:
    if not values:
        return "–"
    v = float(np.mean(values))
    return f"{100 * v:.0f} %" if pct else f"{v:.{digits}f}"


def _sci(values: list[float] | None) -> str:
    return f"{float(np.mean(values)):.1e}" if values else "–"


def _tables(tally: Tally, n: int) -> str:
    lines = []
    for cond in CONDITIONS:
        lines += [f"**{cond}**", "",
                  "| model | in panel | miss rate (protected / noise) | landmark error (protected / noise) "
                  "| output MSE (protected / noise) | output PSNR vs unprotected | interrupted (protected / noise) |",
                  "|---|---|---|---|---|---|---|"]
        models = sorted({m for (c, _, m) in tally.data if c == cond}, key=lambda m: (m.startswith("panel"), m))
        for model in models:
            p = tally.data.get((cond, "protected", model), {})
            r = tally.data.get((cond, "noise", model), {})
            lines.append(f"| {model} | {'yes' if model.startswith('panel') else 'no'} "
                         f"| {_fmt(p.get('miss'), True)} / {_fmt(r.get('miss'), True)} "
                         f"| {_fmt(p.get('landmark'))} / {_fmt(r.get('landmark'))} "
                         f"| {_sci(p.get('mse'))} / {_sci(r.get('mse'))} "
                         f"| {_fmt(p.get('psnr'), digits=1)} "
                         f"| {_fmt(p.get('broken'), True)} / {_fmt(r.get('broken'), True)} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--faces", type=int, default=8)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (the machine is shared)")
    parser.add_argument("--strength", type=float, default=1.0,
                        help="protection strength (1 = default; another writes its own section)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(max(1, args.threads))

    from engines.faces.detectors import MediaPipeDetector, YuFaceDetector
    from engines.models.manifest import shipped_model_dir
    from engines.protect.mtcnn import detect_faces
    from engines.protect.optimise import budget_for
    from engines.protect.service import DEFAULT_STEPS, protect_image
    from engines.protect.surrogates import load_surrogate
    from engines.protect.train_surrogates import celeba_split

    steps = args.steps or DEFAULT_STEPS
    files = celeba_split(args.data)[1][: args.faces]
    yunet, mesher = YuFaceDetector(), MediaPipeDetector(tiles=1)
    detectors = {"YuNet (yuface)": yunet.detect, "BlazeFace + mesh": mesher.detect,
                 "panel: MTCNN": lambda img: detect_faces(img)}
    models = {"held-out swap AE (other arch + seed)": load_surrogate(shipped_model_dir("protect_swap_ae_heldout")),
              "held-out swap AE, 64 px (other arch + seed + size)":
                  load_surrogate(shipped_model_dir("protect_swap_ae_heldout_64")),
              "panel: swap AE": load_surrogate(shipped_model_dir("protect_swap_ae")),
              "panel: editor": load_surrogate(shipped_model_dir("protect_editor"))}
    tally, quality, times, face_counts = Tally(), [], [], []
    load_start = os.getloadavg()[0]
    images = [read_rgb(p) for p in files]
    sources = []
    for img in images:
        faces = mesher.detect(img)
        sources.append((img, faces[0].landmarks_dense) if faces and faces[0].landmarks_dense is not None else None)
    for k, (path, img) in enumerate(zip(files, images, strict=True)):
        started = time.perf_counter()
        result = protect_image(img, args.strength, steps=steps, seed=k)
        face_counts.append(len(result.faces))
        times.append(time.perf_counter() - started)
        quality.append((result.psnr, result.ssim))
        change = result.image.astype(np.int16) - img.astype(np.int16)
        signs = np.random.default_rng(k).choice(np.array([-1, 1], np.int16), change.shape)
        noise = np.clip(img + signs * np.abs(change), 0, 255).astype(np.uint8)
        five = detect_faces(img)[0].landmarks5 if result.faces else None
        source = sources[(k + 1) % len(sources)]
        print(f"{path.name}: {times[-1]:.1f} s, PSNR {result.psnr:.2f}, SSIM {result.ssim:.4f}", flush=True)
        for cond, post in CONDITIONS.items():
            clean = post(img)
            factor = clean.shape[0] / img.shape[0]
            for variant, changed in (("protected", post(result.image)), ("noise", post(noise))):
                _detector_rows(tally, cond, variant, clean, changed, detectors)
                if five is not None:
                    _model_rows(tally, cond, variant, clean, changed, five * factor, models)
                if source is not None:
                    _swap_rows(tally, cond, variant, clean, changed, source, mesher)
    psnrs, ssims = [q[0] for q in quality], [q[1] for q in quality]
    load = f"load average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (shared machine)"
    budget = budget_for(args.strength).as_dict()
    one = [t for t, n in zip(times, face_counts, strict=True) if n == 1]
    many = [(t, n) for t, n in zip(times, face_counts, strict=True) if n > 1]
    timing = f"median {median(one):.1f} s, max {max(one):.1f} s" if one else "no one-face photo"
    timing += "".join(f"; {t:.1f} s for a photo with {n} faces" for t, n in many)
    if args.strength != 1.0:
        md = "\n".join([
            f"## Photo protection at strength {args.strength:g} (`python -m benchmarks.bench_protect --strength "
            f"{args.strength:g}`)", "",
            f"Machine: {machine()}; revision {git_revision()}; torch threads {torch.get_num_threads()}; {load}.", "",
            f"The same {len(images)} photos, panel, held-out models and measures as the default-strength section; "
            f"budget L∞ {budget['linf_max_255']:g}/255 in texture, {budget['linf_flat_255']:g}/255 on flat skin, "
            f"colour changes ≤ {budget['chroma_share']:g} × that, "
            f"PSNR ≥ {budget['min_psnr_db']:g} dB on each face region"
            + (f", SSIM ≥ {budget['min_ssim']:g}" if budget["min_ssim"] else ", no SSIM floor") + ". A strength the "
            "user chooses for a stronger, visible protection; not the default.", "",
            f"- Protected photo: PSNR median {median(psnrs):.2f} dB (min {min(psnrs):.2f}), SSIM median "
            f"{median(ssims):.4f} (min {min(ssims):.4f}).",
            f"- Time per 1024-px photo (detection + search + composition): {timing}.", "",
            _tables(tally, len(images)),
        ])
        print(md)
        if not args.no_write:
            update_section(f"protect-strength-{args.strength:g}", md)
        return
    md = "\n".join([
        "## Photo protection (`python -m benchmarks.bench_protect`)", "",
        f"Machine: {machine()}; revision {git_revision()}; torch threads {torch.get_num_threads()}; {load}.", "",
        f"{len(images)} held-out CelebA-HQ photos (1024×1024), default strength (L∞ {budget['linf_max_255']:g}/255 in "
        f"texture, {budget['linf_flat_255']:g}/255 on flat skin, colour changes ≤ {budget['chroma_share']:g} × that, "
        f"energy kept to PSNR ≥ {budget['min_psnr_db']:g} dB "
        f"+ 0.3 dB on each face region by the search itself), {steps} steps per face against the panel "
        "(surrogate swap autoencoder and editor, MTCNN P/R/O-net confidences and O-net landmarks) through sampled "
        "JPEG 70–95 / resize / blur; "
        "clipped-momentum steps with cosine decay, optimising what is written (the working-size perturbation "
        "enlarged, feathered and shrunk back). Search settings were tuned on 2–3 CelebA-HQ photos that are not "
        "among these (held-out ids 9–10 and one training photo); the held-out models below were never optimised "
        "against.", "",
        f"- Protected photo: PSNR median {median(psnrs):.2f} dB (min {min(psnrs):.2f}), SSIM median "
        f"{median(ssims):.4f} (min {min(ssims):.4f}).",
        f"- Time per 1024-px photo (detection + search + composition; one face unless said): {timing}. Photos "
        "with two or more faces share a bounded step budget (`engines.protect.service.face_steps`).",
        "- 'noise' = the same per-pixel change with random signs (control). Miss rate: detections on the posted "
        "protected photo vs the equally posted original. Landmark error: mean distance / eye distance (468 mesh "
        "points for the face swap). Output MSE in [0, 1]² between the model's output on the protected and on the "
        f"unprotected photo; interrupted = MSE ≥ {BROKEN_MSE} (output PSNR < 20 dB).",
        "- Surrogates: the panel's swap autoencoder and editor and the held-out swap autoencoder work on 128-px "
        "aligned faces (the size of common face-swap tools), trained 4 minutes each on a lent GPU (one H200) on "
        "64 jittered crops of each of 30 training faces; a second held-out swap AE works on 64-px faces. On "
        "the training identities they do a real swap / edit; on these held-out identities their output is a "
        "blurred, partly wrong face (model cards). The previous panel (64 px, 5 CPU minutes, 480 crops) gave "
        "swap AE 29.1 dB, editor 34.3 dB, held-out swap AE 42.8 dB output PSNR on these photos.",
        "- Tried on the 2 tuning photos (JPEG 90 output PSNR vs unprotected) and not kept: the held-out 128-px "
        "swap AE stayed at 38.9–41.9 dB whichever panel the search used — the old CPU-trained 64-px panel "
        "(40.8), the GPU-trained 64-px panel (41.9), the 128-px panel (38.9), both swap AEs together (39.9), "
        "or a relative-distance term on the swap AE's second encoder stage (×0.05: 39.1, ×0.3: 39.2); the panel "
        "swap AE itself reached 26.6–28.6 dB in each case. Earlier (64-px panel): translation-invariant "
        "gradient smoothing (σ 1 px) and random shift / zoom per step (±2 %) lowered the panel's effect by "
        "4–6 dB without moving the held-out model; a deep-feature term ×0.03 and sign steps left it where it "
        "was; a second 64-px panel swap AE (seed 2) moved it 43.0 → 41.2 dB at 40 % more time. Input diversity "
        "that stays on is the sampled posting chain (JPEG / resize / blur) and, for MTCNN's R-/O-net targets, a "
        "±6 % random crop box.",
        "- Colour limit (all strengths): Cb / Cr changes are held to 0.2 × the local limit. Without it the "
        "default put green / yellow blotches on skin (plain at 2–3× zoom on the astronaut). On the 2 tuning "
        "photos (JPEG 90 output PSNR): held-out swap AEs 38.7 / 38.1 dB without it, 38.1 / 38.6 dB with it "
        "(0.35: 38.3 / 38.8); panel swap AE 28.1 → 29.7 dB and editor 31.5 → 36.2 dB (its learned edit warms "
        "the tone, so it reacts to colour); colour / luma RMS of the change 0.62 → 0.13.",
        "- Sampled ensemble: each step runs one interruption surrogate, drawn by its adaptive weight, instead of "
        "all of them. On the tuning photos: 20.5 → 13.4 s per face; panel swap AE 27.2 → 28.1 dB, editor "
        "31.1 → 31.5 dB, held-out swap AEs 38.9 / 38.0 → 38.7 / 38.1 dB, MTCNN landmark error 0.028 → 0.041.",
        "- The PSNR floor is the binding limit (measured with the earlier 64-px panel, before the colour "
        "limit): on the tuning photos the search ends at PSNR ≈ 35.6 dB whatever "
        "the L∞ cap (8–14/255), step rule or step count (150–450), and a working size of 320 px beat 224 px by "
        "about 1 dB (128 and 160 px were worse); the swap AE alone (no other target) reaches "
        "≈ 19 dB output PSNR, the full panel shares the same energy. For scale, not default: at strength 2 (PSNR "
        "≥ 29 dB, SSIM 0.94–0.97) the 3 tuning photos gave panel swap AE 19–23 dB, editor 22–26 dB, MTCNN "
        "missing 2 of 3 faces, held-out swap AE ≈ 33.5 dB.",
        "- Default budget: L∞ 10/255 (5/255 on skin) with the PSNR floor held on the whole picture moved the "
        "panel models further (previous run: swap AE 25.2 dB, editor 29.6 dB, MTCNN landmark error 0.090) but "
        "left visible colour blotches on faces, worst on small faces in large photos (the whole picture's error "
        "budget went to the face: 38.8 dB whole-picture PSNR on the 512-px astronaut, blotches plain to see). The "
        "default is therefore 6/255 (2.4/255 on skin) with the floor held on each face region; strength 2 is the "
        "user's choice for a stronger, visible protection.",
        "- Not measured: OpenCV Haar cascades (opencv-python-headless 5 ships no cascade files here), real "
        "face-swap / editing networks, purification and robust-mimicry attacks.", "",
        _tables(tally, len(images)),
    ])
    print(md)
    if not args.no_write:
        update_section("protect", md)


if __name__ == "__main__":
    main()
