"""Checkpoint selection during training: score a model on held-out val forgeries (whole images)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from engines.evaluation.metrics import best_f1, f1_score, pixel_auc, roc_auc
from engines.localize.heldout import selection_samples
from engines.localize.inference import LoadedLocalizer, localize


def validate(model: Any, device: str, data_root: str | Path, count: int) -> dict[str, float]:
    """Mean pixel AUC / best F1 / F1@0.5 over the forged samples, and image-level AUC."""
    loaded = LoadedLocalizer(model=model, manifest=None, device=device)
    aucs, bests, fixed, scores, labels = [], [], [], [], []
    for sample in selection_samples(data_root, count):
        result = localize(sample.image, loaded)
        scores.append(result.score)
        labels.append(not sample.authentic)
        if sample.authentic:
            continue
        aucs.append(pixel_auc(result.heatmap, sample.mask))
        bests.append(best_f1(result.heatmap, sample.mask)[0])
        fixed.append(f1_score(result.mask, sample.mask))
    image_auc = roc_auc(np.array(scores), np.array(labels))
    return {
        "pixel_auc": float(np.nanmean(aucs)), "best_f1": float(np.mean(bests)), "f1_at_0.5": float(np.mean(fixed)),
        "image_auc": float(image_auc) if not math.isnan(image_auc) else float("nan"),
    }
