"""Learned localization benchmark: quality on CASIA v2 samples and on the held-out synthetic set
(with every classical map tool in the same run), and speed at 1024 px and 12 MP.

    python -m benchmarks.bench_localize [--data ../shared/data] [--heldout 100] [--runs 3] [--skip-quality|--skip-speed]

Writes the "localize" (quality) and "localize-speed" sections of docs/BENCHMARKS.md. The held-out set is
generated into a temporary folder (BSDS500 val photos 40–99, never used in training) and deleted afterwards.
"""

from __future__ import annotations

import argparse
import datetime
import os
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from benchmarks._report import git_revision, machine, median, update_section

TARGETS = {1024: 1.5, 12: 6.0}


def quality(pairs: Path, title: str) -> tuple[str, dict]:
    from engines.localize.evaluate import evaluate_localizer, format_report

    t0 = time.perf_counter()
    report = evaluate_localizer(pairs, baseline=True)
    minutes = (time.perf_counter() - t0) / 60
    return f"### {title}\n\n{format_report(report)}\n\n(evaluated in {minutes:.1f} min)", report


def _photo(width: int, height: int) -> np.ndarray:
    from skimage import data

    big = cv2.resize(data.astronaut(), (width, height), interpolation=cv2.INTER_CUBIC)
    noise = np.random.default_rng(0).normal(0, 3, big.shape)
    return np.clip(big + noise, 0, 255).astype(np.uint8)


def speed(runs: int) -> str:
    import torch

    from engines.forensics import Subject, run_analysis
    from engines.localize.inference import clear_cache, load_localizer, localize

    clear_cache()
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    loaded = load_localizer()
    load_s = time.perf_counter() - t0
    rows = ["| input | tiles | median s (localize) | median s (analysis, end to end) | target s |",
            "|---|---|---|---|---|"]
    for label, (w, h), target in [("1024 × 683 (1024 px long side)", (1024, 683), TARGETS[1024]),
                                  ("4000 × 3000 (12 MP)", (4000, 3000), TARGETS[12])]:
        image = _photo(w, h)
        localize(image[:256, :256], loaded)  # warm-up
        times, analysis_times, tiles = [], [], 0
        for _ in range(runs):
            t = time.perf_counter()
            tiles = localize(image, loaded).tiles
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            run_analysis("learned_localization", Subject(image=image))
            analysis_times.append(time.perf_counter() - t)
        rows.append(f"| {label} | {tiles} | {median(times):.2f} | {median(analysis_times):.2f} | ≤ {target} |")
    head = (f"Device `{loaded.device}`, torch {torch.__version__} with {torch.get_num_threads()} threads "
            f"(on the CPU, tiles run side by side, one single-threaded tile per thread); 1-minute load average "
            f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after; "
            f"first model load (sha256 check, build, BatchNorm folding; torch already imported) {load_s:.2f} s. "
            f"Median of {runs} runs; the machine is shared, "
            "so the numbers are noisy.")
    return head + "\n\n" + "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--heldout", type=int, default=100, help="held-out synthetic images (default 100)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    from engines.localize.heldout import write_report_set
    from engines.models import load_manifest, shipped_model_dir

    manifest = load_manifest(shipped_model_dir("localizer"))
    head = (f"on {machine()}, revision {git_revision()}, {datetime.date.today().isoformat()}. "
            f"Weights sha256 `{manifest.sha256[:16]}…`.")
    if not args.skip_quality:
        parts = [
            "## Learned localization: quality",
            f"`python -m benchmarks.bench_localize --heldout {args.heldout} --skip-speed` {head}",
            "Metrics are means over images with a mask: pixel AUC, best-threshold F1 (64 thresholds per image) and "
            "F1 at 0.5 (the tool's own mask where it makes one); image AUC uses each finding's score (or the map's "
            "99th percentile) over forged vs authentic images. `learned_localization` is the product's default map "
            "(the network fused with the error-level sweep by the network's confidence); "
            "`learned_localization:network_heatmap` is the network's own map from the same run.",
        ]
        text, _ = quality(Path(args.data) / "iml" / "casia2-samples", "CASIA v2 samples (17 tampered, no authentic)")
        parts.append(text)
        with tempfile.TemporaryDirectory() as tmp:
            folder = write_report_set(args.data, Path(tmp) / "heldout", args.heldout)
            text, _ = quality(folder, f"Held-out synthetic set (BSDS500 val photos 40–99, {args.heldout} images)")
            parts.append(text)
        update_section("localize", "\n\n".join(parts))
        print("\n\n".join(parts))
    if not args.skip_speed:
        speed_text = "\n\n".join(["## Learned localization: speed",
                                   f"`python -m benchmarks.bench_localize --runs {args.runs} --skip-quality` {head}",
                                   speed(args.runs)])
        update_section("localize-speed", speed_text)
        print(speed_text)


if __name__ == "__main__":
    main()
