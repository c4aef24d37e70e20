"""FBA²D-style hard-label attack on the shipped face-forgery classifier: how many label-only queries,
restricted to a DCT band, flip its decision on held-out faces, and does TRIM flag the results?

    python -m benchmarks.bench_fba2d [--data ../shared/data] [--faces 8] [--budget 400] [--no-write]

Inputs: aligned 128-px crops of held-out identities (real faces and self-blends of them; research data,
never shipped). Writes the "fba2d" section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import tempfile

import numpy as np

from benchmarks._report import machine, median, update_section

BANDS = {"low (r < 0.1)": (0.0, 0.1), "mid (0.1 ≤ r < 0.3)": (0.1, 0.3), "full spectrum": (0.0, 1.01)}


def crops_for_attack(data: str, count: int) -> np.ndarray:
    from engines.detect.face_model import shared_face_model
    from engines.faces import default_detector
    from engines.facetrain.blend import self_blend
    from engines.facetrain.pool import load_pool, split_pool

    model, det = shared_face_model(), default_detector(tiles=1)
    with tempfile.TemporaryDirectory() as tmp:
        _, held = split_pool(load_pool(data, tmp, log=lambda s: None))
    rng = np.random.default_rng(0)
    crops = []
    for i, rec in enumerate(held):
        image = self_blend(rec.image, rec.mesh, rng)[0] if i % 2 else rec.image
        faces = det.detect(image)
        if faces:
            crops.append(model.crops(image, faces[:1])[0])
        if len(crops) == count:
            break
    return np.stack(crops)


def _counts(labels: list[str]) -> str:
    return " / ".join(str(labels.count(k)) for k in ("unstable", "uncertain", "stable"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--faces", type=int, default=8)
    parser.add_argument("--budget", type=int, default=400)
    parser.add_argument("--epsilon", type=float, default=0.03, help="RMS perturbation budget in [0, 1] units")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    import torch

    from engines.detect.face_model import shared_face_model
    from engines.detect.fba2d import attack
    from engines.detect.trim import judge, trim_measures
    from engines.models.face_common import to_tensor

    torch.set_num_threads(1)
    model = shared_face_model()
    crops = crops_for_attack(args.data, args.faces)

    def label_fn(images: np.ndarray) -> np.ndarray:
        u8 = np.clip(np.rint(images * 255), 0, 255).astype(np.uint8)
        with torch.inference_mode():
            return (torch.softmax(model.net(to_tensor(u8)), 1)[:, 1].numpy() >= model.threshold).astype(int)

    _, *clean_m = trim_measures(model.net, crops)
    clean_labels = [judge(*m, model.trim_thresholds).label for m in zip(*clean_m, strict=True)]
    rows = ["| band | flipped within RMS ≤ ε | median queries (successes) | median final RMS | TRIM on the "
            "adversarial crops: unstable / uncertain / stable |", "|---|---|---|---|---|"]
    for name, band in BANDS.items():
        results = [attack(c / 255.0, label_fn, band=band, budget=args.budget, epsilon=args.epsilon, seed=i)
                   for i, c in enumerate(crops)]
        ok = [r for r in results if r.success]
        labels: list[str] = []
        if ok:
            adv = np.stack([np.clip(np.rint(r.adversarial * 255), 0, 255).astype(np.uint8) for r in ok])
            _, *m = trim_measures(model.net, adv)
            labels = [judge(*v, model.trim_thresholds).label for v in zip(*m, strict=True)]
        q = f"{median([r.queries for r in ok]):.0f}" if ok else "–"
        rms = median([r.rms for r in results if np.isfinite(r.rms)]) if any(np.isfinite(r.rms) for r in results) \
            else float("nan")
        rows.append(f"| {name} | {len(ok)} / {len(results)} | {q} | {rms:.4f} | {_counts(labels)} |")
        print(rows[-1], flush=True)
    md = "\n".join([
        "## FBA²D-style black-box attack on the face classifier",
        "",
        f"`python -m benchmarks.bench_fba2d` — {machine()}. Victim: shipped `face_dpnet` (hard labels only). "
        f"{len(crops)} aligned 128-px crops of held-out identities (real and self-blended), budget "
        f"{args.budget} queries each, success = label flipped with perturbation RMS ≤ {args.epsilon} "
        f"(≈ {args.epsilon * 255:.0f}/255). Band radius r is the DCT frequency radius normalised to 1. TRIM on "
        f"the clean crops (unstable / uncertain / stable): {_counts(clean_labels)}. A failed attack is one whose "
        "band-limited random starts (RMS ≤ 0.4) never flipped the label within the budget.",
        "",
        *rows,
    ])
    if not args.no_write:
        update_section("fba2d", md)
    print(md)


if __name__ == "__main__":
    main()
