"""Evaluate forensic analyses on a folder of images with ground-truth masks (``truelens eval analyze``).

Per tool: mean per-image pixel AUC, mean per-image best-threshold F1, mean F1 at a fixed threshold
(0.5 of the map's [0, 1] range, or the tool's own mask), and — when authentic images are present —
image-level AUC of the finding's score (or the map's 99th percentile when a tool gives no score).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from engines.evaluation.metrics import best_f1, f1_score, pixel_auc, roc_auc
from engines.evaluation.pairs import EvalPair, find_pairs, load_mask
from engines.runtime.jobs import JobContext

FIXED_THRESHOLD = 0.5


@dataclasses.dataclass
class ToolScores:
    """Aggregated scores of one tool over a folder."""

    tool: str
    title: str
    pixel_auc: list[float] = dataclasses.field(default_factory=list)
    best_f1: list[float] = dataclasses.field(default_factory=list)
    fixed_f1: list[float] = dataclasses.field(default_factory=list)
    image_scores: list[tuple[float, bool]] = dataclasses.field(default_factory=list)
    seconds: list[float] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    skipped: list[str] = dataclasses.field(default_factory=list)  # ran fine but produced no map

    def summary(self) -> dict:
        def mean(values: list[float]) -> float | None:
            vals = [v for v in values if not math.isnan(v)]
            return float(np.mean(vals)) if vals else None

        labels = [forged for _, forged in self.image_scores]
        image_auc = None
        if any(labels) and not all(labels):
            image_auc = roc_auc(np.array([s for s, _ in self.image_scores]), np.array(labels))
        return {
            "tool": self.tool, "title": self.title, "images": len(self.seconds),
            "forged": len(self.pixel_auc), "pixel_auc": mean(self.pixel_auc), "best_f1": mean(self.best_f1),
            "f1_at_0.5": mean(self.fixed_f1), "image_auc": image_auc,
            "median_seconds": float(np.median(self.seconds)) if self.seconds else None, "errors": self.errors,
            "no_map": self.skipped,
        }


def _map_of(finding) -> np.ndarray | None:
    heat = finding.heatmap
    if heat is not None and heat.ndim == 3:  # RGB visualisations: use brightness
        heat = heat.astype(np.float32).mean(axis=2) / 255.0
    if heat is None and finding.mask is not None:
        heat = finding.mask.astype(np.float32)
    return heat


def _resize(arr: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    if arr.shape[:2] == shape:
        return arr
    import cv2

    return cv2.resize(arr.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)


def default_tools() -> list[str]:
    """Every registered analysis that produces a map or a mask."""
    from engines.forensics import list_analyses

    return [a.id for a in list_analyses() if a.output in ("map", "mask")]


def score_pair(scores: ToolScores, pair: EvalPair, image: np.ndarray, finding, seconds: float) -> None:
    """Add one image's result to ``scores``."""
    scores.seconds.append(seconds)
    heat = _map_of(finding)
    if heat is None:
        scores.skipped.append(pair.image.name)
        return
    heat = _resize(np.nan_to_num(heat.astype(np.float32)), image.shape[:2])
    level = finding.score if finding.score is not None else float(np.percentile(heat, 99))
    scores.image_scores.append((float(level), not pair.authentic))
    if pair.authentic:
        return
    gt = load_mask(pair.mask, image.shape[:2])
    scores.pixel_auc.append(pixel_auc(heat, gt))
    scores.best_f1.append(best_f1(heat, gt)[0])
    pred = finding.mask if finding.mask is not None else heat > FIXED_THRESHOLD
    scores.fixed_f1.append(f1_score(_resize(pred.astype(np.float32), image.shape[:2]) > 0.5, gt))


def evaluate_analyses(pairs_dir: str | Path, tool_ids: Sequence[str] | None = None,
                      context: JobContext | None = None,
                      detail_maps: Mapping[str, Sequence[tuple[str, str]]] | None = None) -> list[dict]:
    """Run each tool on every image of ``pairs_dir``; one summary dict per tool (see module doc).

    ``detail_maps`` scores extra maps a tool puts in its details from the same run: ``{tool: [(details key,
    title), ...]}``, reported as tool ``"<tool>:<key>"`` (score from the finding, mask = map > 0.5)."""
    from engines.forensics import Subject, get_analysis, run_analysis
    from engines.media import MediaError, open_media

    ctx = context or JobContext()
    pairs = find_pairs(pairs_dir)
    tools = list(tool_ids or default_tools())
    scores = {t: ToolScores(t, get_analysis(t).title) for t in tools}
    extra = {(t, key): ToolScores(f"{t}:{key}", title) for t, pairs_ in (detail_maps or {}).items()
             for key, title in pairs_ if t in scores}
    for i, pair in enumerate(pairs):
        ctx.progress(i / len(pairs), pair.image.name)
        try:
            with open_media(pair.image) as media:
                image = np.array(media.frame(0))
                path = media.path
        except MediaError as exc:
            for s in scores.values():
                s.errors.append(f"{pair.image.name}: {exc}")
            continue
        for tool in tools:
            t0 = time.perf_counter()
            try:
                finding = run_analysis(tool, Subject(image=image, path=path, format=None), None, ctx)
            except Exception as exc:  # noqa: BLE001 - one failing tool must not stop the evaluation
                scores[tool].errors.append(f"{pair.image.name}: {type(exc).__name__}: {exc}")
                continue
            seconds = time.perf_counter() - t0
            score_pair(scores[tool], pair, image, finding, seconds)
            for (owner, key), target in extra.items():
                if owner == tool and key in finding.details:
                    variant = dataclasses.replace(finding, heatmap=finding.details[key], mask=None)
                    score_pair(target, pair, image, variant, seconds)
    return [s.summary() for s in [*scores.values(), *extra.values()]]


def format_table(results: list[dict]) -> str:
    """Markdown table of ``evaluate_analyses`` results, best pixel AUC first."""

    def fmt(v: float | None) -> str:
        return "—" if v is None else f"{v:.3f}"

    rows = sorted(results, key=lambda r: -(r["pixel_auc"] or 0))
    lines = ["| tool | pixel AUC | best-threshold F1 | F1 @ 0.5 | image AUC | median s/image | no map | errors |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['title']} (`{r['tool']}`) | {fmt(r['pixel_auc'])} | {fmt(r['best_f1'])} | "
                     f"{fmt(r['f1_at_0.5'])} | {fmt(r['image_auc'])} | {fmt(r['median_seconds'])} | "
                     f"{len(r.get('no_map', []))} | {len(r['errors'])} |")
    return "\n".join(lines)


def describe_folder(pairs_dir: str | Path) -> str:
    pairs = find_pairs(pairs_dir)
    forged = sum(not p.authentic for p in pairs)
    return f"{len(pairs)} images in `{Path(pairs_dir).name}` ({forged} with masks, {len(pairs) - forged} authentic)"
