"""TRIM-style robustness indicator (after Zhang et al., "Adversarially Robust AI-Generated Image
Detection for Free"): training-free measures of how much a prediction and its features shift under
small benign perturbations.

For a crop x and perturbations T_k (slight blur, JPEG 85, faint noise, 3 % rescale):
- entropy: H(p(x)) of the two-class prediction, in bits (1 = undecided);
- prediction_kl: mean_k KL(p(x) ‖ p(T_k x));
- feature_kl: mean_k KL(q(x) ‖ q(T_k x)), q = the non-negative pooled embedding normalised to sum 1
  (smoothed by 5 % of its mean).
Thresholds are 1.5 × the 99th percentiles on clean calibration crops (stored in the model manifest). An
input whose prediction or features move clearly more than clean inputs do is flagged "unstable": it may
have been adversarially shifted and its score should not be trusted. Our reading of the paper's
abstract: the exact distributions it compares are not published.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

PERCENTILE = 99.0
MARGIN = 1.5  # thresholds = MARGIN × the clean percentile (few calibration crops; avoid false flags)
_EPS = 1e-8


@dataclasses.dataclass(frozen=True)
class TrimResult:
    """Robustness of one score: the three measures, the verdict and its one-word label."""

    entropy: float
    prediction_kl: float
    feature_kl: float
    flagged: bool
    label: str  # "stable", "uncertain" (high entropy) or "unstable" (shift beyond clean inputs)


def perturb(crop: np.ndarray) -> list[np.ndarray]:
    """Four small, deterministic, content-preserving perturbations of a uint8 RGB crop."""
    h, w = crop.shape[:2]
    blur = cv2.GaussianBlur(crop, (0, 0), 0.6)
    ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 85])
    jpg = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED) if ok else crop
    noise = np.random.default_rng(1234).normal(0, 2.0, crop.shape)
    noisy = np.clip(crop + noise, 0, 255).astype(np.uint8)
    small = cv2.resize(crop, (int(w * 0.97), int(h * 0.97)), interpolation=cv2.INTER_AREA)
    rescaled = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return [blur, jpg.reshape(crop.shape), noisy, rescaled]


def _entropy_bits(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1.0)
    return -(p * np.log2(p)).sum(-1)


def _kl(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1.0)
    q = np.clip(q, _EPS, 1.0)
    return (p * (np.log(p) - np.log(q))).sum(-1)


def _normalise(e: np.ndarray) -> np.ndarray:
    """Non-negative embedding → distribution; smoothed by 5 % of its mean so near-zero units don't dominate."""
    e = np.clip(e, 0, None)
    e = e + 0.05 * e.mean(-1, keepdims=True) + 1e-8
    return e / e.sum(-1, keepdims=True)


def trim_measures(model, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(fake probability, entropy, prediction_kl, feature_kl), each (N,), for uint8 crops (N, S, S, 3)."""
    import torch

    from engines.models.face_common import to_tensor

    n = len(crops)
    variants = [perturb(c) for c in crops]
    k = len(variants[0]) if n else 0
    batch = np.concatenate([crops, np.stack([v for vs in variants for v in vs])]) if n else crops
    with torch.inference_mode():
        emb = model.embed(to_tensor(batch))
        probs = torch.softmax(model.head(emb), dim=1).numpy().astype(np.float64)
    emb = emb.numpy().astype(np.float64)
    p0, pk = probs[:n], probs[n:].reshape(n, k, 2)
    q0, qk = _normalise(emb[:n]), _normalise(emb[n:]).reshape(n, k, -1)
    pred_kl = _kl(p0[:, None, :], pk).mean(1)
    feat_kl = _kl(q0[:, None, :], qk).mean(1)
    return p0[:, 1], _entropy_bits(p0), pred_kl, feat_kl


def calibrate_trim(model, crops: np.ndarray) -> dict[str, float]:
    """Thresholds (1.5 × the 99th percentiles on clean crops) for the manifest's ``trim`` entry."""
    _, ent, pkl, fkl = trim_measures(model, crops)
    return {
        "percentile": PERCENTILE,
        "calibration_crops": len(crops),
        "entropy": float(max(np.percentile(ent, PERCENTILE), 0.9)),
        "margin": MARGIN,
        "prediction_kl": MARGIN * float(np.percentile(pkl, PERCENTILE)),
        "feature_kl": MARGIN * float(np.percentile(fkl, PERCENTILE)),
    }


def judge(entropy: float, prediction_kl: float, feature_kl: float, thresholds: dict[str, float]) -> TrimResult:
    """Verdict against calibrated thresholds: unstable beats uncertain beats stable."""
    unstable = prediction_kl > thresholds["prediction_kl"] or feature_kl > thresholds["feature_kl"]
    uncertain = entropy > thresholds["entropy"]
    label = "unstable" if unstable else "uncertain" if uncertain else "stable"
    return TrimResult(float(entropy), float(prediction_kl), float(feature_kl), bool(unstable), label)
