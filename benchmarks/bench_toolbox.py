"""Speed of every registered analysis on a 12-MP photo (2 CPU cores), and quality on a pairs folder.

    python -m benchmarks.bench_toolbox [--runs 3] [--pairs ../shared/data/iml/casia2-samples]

Writes the "toolbox-speed" and "toolbox-quality" sections of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks._inputs import photo_12mp
from benchmarks._report import machine, median, update_section

# Targets from issue 3 (seconds on 12 MP, 2 cores)
FAST = {"ela", "noise_residual", "noise_level", "noise_inconsistency", "luminance_gradient", "pca", "spectrum"}
SLOW = {"copy_move", "copy_move_blocks", "jpeg_ghost", "double_jpeg", "ela_sweep"}


def speed(runs: int) -> str:
    from engines.forensics import Subject, list_analyses, run_analysis
    from engines.media import open_media

    lines = [
        "## Forensic toolbox speed (issue 3)",
        "",
        f"Command: `python -m benchmarks.bench_toolbox --runs {runs}`  ",
        f"Machine: {machine()}. Input: 4000 × 3000 JPEG (12 MP), default parameters, median of {runs} runs "
        "after one warm-up.",
        "",
        "| tool | group | median | min | target | meets |",
        "|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = photo_12mp(Path(tmp))
        with open_media(path) as media:
            subject = Subject(image=media.frame(0), path=media.path, format="jpeg")
            for analysis in list_analyses():
                times = []
                try:
                    run_analysis(analysis.id, subject)
                    for _ in range(runs):
                        t0 = time.perf_counter()
                        run_analysis(analysis.id, subject)
                        times.append(time.perf_counter() - t0)
                except Exception as exc:  # noqa: BLE001 - report and continue
                    lines.append(f"| {analysis.title} (`{analysis.id}`) | {analysis.group} | failed: {exc} | | | |")
                    continue
                target = 1.0 if analysis.id in FAST else 3.0 if analysis.id in SLOW else None
                ok = "—" if target is None else ("yes" if median(times) <= target else "**no**")
                tgt = "—" if target is None else f"≤ {target:.0f} s"
                lines.append(f"| {analysis.title} (`{analysis.id}`) | {analysis.group} | {median(times):.3f} s | "
                             f"{min(times):.3f} s | {tgt} | {ok} |")
                print(lines[-1], flush=True)
    return "\n".join(lines)


def quality(pairs: Path) -> str:
    from engines.evaluation.analyze_eval import describe_folder, evaluate_analyses, format_table

    t0 = time.perf_counter()
    results = evaluate_analyses(pairs)
    return "\n".join([
        "## Forensic toolbox quality on real forgeries (issue 3)",
        "",
        f"Command: `truelens eval analyze --pairs {pairs}` (same code path: "
        f"`python -m benchmarks.bench_toolbox --pairs {pairs}`)  ",
        f"Data: {describe_folder(pairs)}. Metrics are means over the forged images: pixel AUC, best-threshold F1 "
        "(per image), F1 at threshold 0.5 (or the tool's own mask); image AUC needs authentic images. "
        f"Run time {time.perf_counter() - t0:.0f} s.",
        "",
        format_table(results),
        "",
        "Classical maps are weak on CASIA v2 (small, heavily post-processed JPEGs); they show traces, not verdicts.",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pairs", type=Path, default=None)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    if not args.skip_speed:
        update_section("toolbox-speed", speed(args.runs))
    if args.pairs:
        text = quality(args.pairs)
        print(text)
        update_section("toolbox-quality", text)


if __name__ == "__main__":
    main()
