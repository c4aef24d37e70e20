"""``truelens eval localize``: the learned localizer and (optionally) every classical map tool, scored
on the same folder of images in one run (metrics from ``engines.evaluation.analyze_eval``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engines.runtime.jobs import JobContext

LEARNED_TOOL = "learned_localization"
NETWORK_MAP = "network_heatmap"  # the network's own map, before fusion with the error-level sweep


def baseline_tools() -> list[str]:
    """Registered map / mask analyses outside the "Learned" group."""
    from engines.forensics import list_analyses

    return [a.id for a in list_analyses() if a.output in ("map", "mask") and a.group != "Learned"]


def evaluate_localizer(pairs_dir: str | Path, baseline: bool = False, model_dir: str | Path | None = None,
                       context: JobContext | None = None) -> dict[str, Any]:
    """Scores of the localizer (and the classical tools when ``baseline``) on ``pairs_dir``."""
    from engines.evaluation.analyze_eval import describe_folder, evaluate_analyses
    from engines.localize.inference import use_model_dir

    if model_dir is not None:
        use_model_dir(model_dir)
    tools = [LEARNED_TOOL, *(baseline_tools() if baseline else [])]
    results = evaluate_analyses(pairs_dir, tools, context, {LEARNED_TOOL: [(NETWORK_MAP, "Network only, no fusion")]})
    learned = next(r for r in results if r["tool"] == LEARNED_TOOL)
    classical = [r for r in results if not r["tool"].startswith(LEARNED_TOOL) and r["pixel_auc"] is not None]
    report: dict[str, Any] = {"folder": describe_folder(pairs_dir), "learned": learned, "results": results}
    if classical:
        best_auc = max(classical, key=lambda r: r["pixel_auc"])
        best_f1 = max(classical, key=lambda r: r["best_f1"] or 0.0)
        report["best_classical"] = {"pixel_auc": best_auc, "best_f1": best_f1}
        if learned["pixel_auc"] is not None:
            report["margin"] = {"pixel_auc": learned["pixel_auc"] - best_auc["pixel_auc"],
                                "best_f1": learned["best_f1"] - (best_f1["best_f1"] or 0.0)}
    return report


def format_report(report: dict[str, Any]) -> str:
    """Markdown: the folder, the table (best pixel AUC first), the margin over the best classical map."""
    from engines.evaluation.analyze_eval import format_table

    lines = [report["folder"], "", format_table(report["results"])]
    if "margin" in report:
        best = report["best_classical"]
        m = report["margin"]
        lines += ["", f"Learned localization vs best classical map: pixel AUC {m['pixel_auc']:+.3f} "
                      f"(best classical: {best['pixel_auc']['title']}), best-threshold F1 {m['best_f1']:+.3f} "
                      f"(best classical: {best['best_f1']['title']})."]
        alone = next((r for r in report["results"] if r["tool"] == f"{LEARNED_TOOL}:{NETWORK_MAP}"), None)
        if alone is not None and alone["pixel_auc"] is not None:
            auc_margin = alone["pixel_auc"] - best["pixel_auc"]["pixel_auc"]
            lines += [f"The network alone (no fusion): pixel AUC {auc_margin:+.3f}, "
                      f"best-threshold F1 {(alone['best_f1'] or 0.0) - (best['best_f1']['best_f1'] or 0.0):+.3f} "
                      "against the same classical maps."]
    errors = [(r["tool"], e) for r in report["results"] for e in r["errors"]]
    if errors:
        lines += ["", "Failures:"] + [f"- `{tool}`: {err}" for tool, err in errors[:40]]
    return "\n".join(lines)
