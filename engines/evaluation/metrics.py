"""Pixel-level and image-level metrics for manipulation maps."""

from __future__ import annotations

import numpy as np


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with tie handling). NaN if one class is absent."""
    scores = np.asarray(scores, dtype=np.float64).ravel()
    labels = np.asarray(labels).astype(bool).ravel()
    n_pos = int(labels.sum())
    n_neg = labels.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(scores.size, dtype=np.float64)
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(avg, counts)
    u = ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def pixel_auc(heatmap: np.ndarray, mask: np.ndarray, max_pixels: int = 1_000_000) -> float:
    """ROC AUC of a heatmap against a ground-truth mask (subsampled on a grid when large)."""
    heat = np.asarray(heatmap, dtype=np.float32)
    gt = np.asarray(mask).astype(bool)
    if heat.shape != gt.shape:
        raise ValueError(f"heatmap {heat.shape} and mask {gt.shape} differ in shape")
    step = int(np.ceil(np.sqrt(heat.size / max_pixels))) if heat.size > max_pixels else 1
    return roc_auc(heat[::step, ::step], gt[::step, ::step])


def f1_score(pred: np.ndarray, mask: np.ndarray) -> float:
    """F1 of a binary prediction against a mask (1.0 when both are empty)."""
    p = np.asarray(pred).astype(bool)
    g = np.asarray(mask).astype(bool)
    tp = float(np.logical_and(p, g).sum())
    fp = float(np.logical_and(p, ~g).sum())
    fn = float(np.logical_and(~p, g).sum())
    if tp + fp + fn == 0:
        return 1.0
    return 2 * tp / (2 * tp + fp + fn)


def best_f1(heatmap: np.ndarray, mask: np.ndarray, thresholds: int = 64) -> tuple[float, float]:
    """Best F1 over evenly spaced thresholds of the heatmap's range; returns (f1, threshold)."""
    heat = np.asarray(heatmap, dtype=np.float32)
    gt = np.asarray(mask).astype(bool)
    lo, hi = float(heat.min()), float(heat.max())
    if hi <= lo:
        return f1_score(np.zeros_like(gt), gt), lo
    best = (0.0, lo)
    for t in np.linspace(lo, hi, thresholds, endpoint=False)[1:]:
        f = f1_score(heat > t, gt)
        if f > best[0]:
            best = (f, float(t))
    return best
