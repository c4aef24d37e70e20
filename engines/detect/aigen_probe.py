"""Fitting and honest cross-validation of the AI-generated-image probe on a small labelled set."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from engines.detect.aigen import AigenProbe
from engines.evaluation.metrics import roc_auc


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression (L-BFGS) on standardised features → (weights, bias)."""
    n, d = x.shape

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:d], theta[d]
        z = x @ w + b
        p = 1.0 / (1.0 + np.exp(-z))
        ll = np.logaddexp(0, z) - y * z
        g = p - y
        value = ll.mean() + 0.5 * l2 * (w @ w)
        grad = np.concatenate([x.T @ g / n + l2 * w, [g.mean()]])
        return float(value), grad

    res = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return res.x[:d], float(res.x[d])


def fit_probe(feats: np.ndarray, labels: np.ndarray, use: str, l2: float, cv_auc: float = float("nan")
              ) -> AigenProbe:
    """Standardise, fit, and wrap as an ``AigenProbe``."""
    mean = feats.mean(0)
    std = feats.std(0) + 1e-6
    w, b = fit_logistic((feats - mean) / std, labels.astype(np.float64), l2)
    return AigenProbe(mean, std, w, b, use, cv_auc)


def cross_validate(feats: np.ndarray, labels: np.ndarray, use: str, l2: float, folds: int = 5, repeats: int = 10,
                   seed: int = 0) -> dict[str, float]:
    """Repeated stratified k-fold: mean and std of AUC and of accuracy at 0.5 over the repeats."""
    rng = np.random.default_rng(seed)
    aucs, accs = [], []
    for _ in range(repeats):
        scores = np.zeros(len(labels))
        fold_of = np.zeros(len(labels), int)
        for cls in (0, 1):
            idx = rng.permutation(np.flatnonzero(labels == cls))
            fold_of[idx] = np.arange(len(idx)) % folds
        for k in range(folds):
            test = fold_of == k
            probe = fit_probe(feats[~test], labels[~test], use, l2)
            scores[test] = probe.score_features(feats[test])
        aucs.append(roc_auc(scores, labels))
        accs.append(float(((scores >= 0.5) == labels).mean()))
    return {"auc_mean": float(np.mean(aucs)), "auc_std": float(np.std(aucs)),
            "acc_mean": float(np.mean(accs)), "acc_std": float(np.std(accs)), "folds": folds, "repeats": repeats}


def aigen_files(data_root: str) -> tuple[list, np.ndarray]:
    """(paths, labels): ml72 real (0) and ai (1), plus the Stable-Diffusion inpainting inputs (real, 0)."""
    from pathlib import Path

    root = Path(data_root) / "aigen"
    real = sorted((root / "ml72" / "real").glob("*.jpg"))
    fake = sorted((root / "ml72" / "ai").glob("*.jpg"))
    sd = sorted(p for p in (root / "compvis-sd-samples" / "inpainting_examples").glob("*.png")
                if not p.stem.endswith("_mask"))
    if not real or not fake:
        raise FileNotFoundError(f"no aigen/ml72/real and aigen/ml72/ai images under {data_root}")
    paths = real + sd + fake
    return paths, np.array([0] * (len(real) + len(sd)) + [1] * len(fake), np.int64)


def train_aigen(data_root: str, out: str, l2: float = 1.0, log=print) -> dict:
    """Features for every image, cross-validated AUC per feature set, final probe on all images.

    Writes ``<out>/aigen_probe/{probe.json, manifest.json}`` and returns the CV table.
    """
    import json
    from pathlib import Path

    from engines.atomic import atomic_write_bytes, atomic_write_text
    from engines.detect.aigen import PROBE_NAME, canonical, shared_backbone, spectral_features
    from engines.facetrain.pool import read_rgb
    from engines.models.manifest import sha256_bytes

    paths, labels = aigen_files(data_root)
    cnn, spec = [], []
    for p in paths:
        canon = canonical(read_rgb(p))
        cnn.append(shared_backbone()(canon))
        spec.append(spectral_features(canon))
    feats = {"cnn": np.array(cnn, np.float64), "spectral": np.array(spec, np.float64)}
    feats["both"] = np.concatenate([feats["cnn"], feats["spectral"]], axis=1)
    table = {}
    for use in ("cnn", "spectral", "both"):
        for lam in (0.1, 1.0, 10.0):
            row = table[f"{use} l2={lam}"] = cross_validate(feats[use], labels, use, lam)
            log(f"aigen CV {use} l2={lam}: " + json.dumps({k: round(v, 3) for k, v in row.items()}))
    chosen = table[f"both l2={l2}"]
    probe = fit_probe(feats["both"], labels, "both", l2, chosen["auc_mean"])
    folder = Path(out) / PROBE_NAME
    folder.mkdir(parents=True, exist_ok=True)
    data = probe.to_json().encode()
    atomic_write_bytes(folder / "probe.json", data)
    manifest = {
        "name": PROBE_NAME, "architecture": "linear_probe",
        "weights": {"file": "probe.json", "sha256": sha256_bytes(data)},
        "input": {"canonical": "shorter side 256, centre crop 256, JPEG 90; CNN sees the centre 224"},
        "normalisation": {"cnn": "ImageNet mean/std", "probe": "per-feature standardisation stored in probe.json"},
        "features": "ImageNet MobileNetV2 pooled 1280-d + 48 radial spectrum values",
        "images": {"real": int((labels == 0).sum()), "generated": int((labels == 1).sum())},
        "cv": chosen, "l2": l2,
        "licence": "Fitted by TrueLens on aigen/ml72 (MIT repo) and CompVis SD inpainting inputs; backbone "
                   "torchvision ImageNet MobileNetV2 (BSD-3-Clause).",
    }
    atomic_write_text(folder / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    log(f"probe written to {folder}")
    return table
