"""Evaluation of a face-forgery model on data its training never saw.

The set: cross-identity face swaps among the held-out identities (``pool.split_pool``), the same
identities' real faces, and self-blends of them (an in-distribution check). Every image gets one of
three post-processings (none; JPEG 85; ×0.75 resize + JPEG 70), equally often in each class. Each
image runs through the product pipeline: face detection → alignment → model. Also scored: the images
of ``<data>/deepfake`` (a smoke test, 4 images).
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from engines.evaluation.metrics import roc_auc
from engines.facetrain.blend import jpeg, self_blend
from engines.facetrain.pool import FaceRecord, load_pool, read_rgb, split_pool
from engines.facetrain.swap import face_swap

POSTPROCESS = ("none", "jpeg85", "resize0.75+jpeg70")
SOURCE_OFFSETS = (1, 3, 5)


def postprocess(image: np.ndarray, variant: int) -> np.ndarray:
    if variant == 1:
        return jpeg(image, 85)
    if variant == 2:
        h, w = image.shape[:2]
        return jpeg(cv2.resize(image, (int(w * 0.75), int(h * 0.75)), interpolation=cv2.INTER_AREA), 70)
    return image


def build_eval_set(held: list[FaceRecord], seed: int = 0) -> list[tuple[np.ndarray, int, str, int]]:
    """(image, label, kind, post-processing variant) for swaps, reals and self-blends of held-out faces."""
    rng = np.random.default_rng(seed)
    items: list[tuple[np.ndarray, int, str, int]] = []
    n = len(held)
    for i, target in enumerate(held):
        for k, off in enumerate(SOURCE_OFFSETS):
            source = held[(i + off) % n]
            if source.identity == target.identity:
                continue
            swapped, _ = face_swap(target.image, target.mesh, source.image, source.mesh)
            items.append((postprocess(swapped, k), 1, "swap", k))
            items.append((postprocess(target.image, k), 0, "real", k))
            blended, _ = self_blend(target.image, target.mesh, rng)
            items.append((postprocess(blended, k), 1, "self-blend", k))
    return items


def score_image(image: np.ndarray, detector, model) -> tuple[float, bool]:
    """Fake probability of the largest detected face; (score, found). Without a face the whole image is used."""
    from engines.faces.align import box_crop

    faces = detector.detect(image)
    if faces:
        face = max(faces, key=lambda f: f.width * f.height)
        crops = model.crops(image, [face])
        found = True
    else:
        h, w = image.shape[:2]
        crops = box_crop(image, np.array([0, 0, w, h], np.float32), model.size, expand=1.0)[None]
        found = False
    return model.score(crops, robust=False)[0][0], found


def _metrics(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, float]:
    return {"n_real": int((labels == 0).sum()), "n_fake": int((labels == 1).sum()),
            "auc": round(roc_auc(scores, labels), 4),
            "accuracy": round(float(((scores >= threshold) == labels).mean()), 4),
            "real_mean_score": round(float(scores[labels == 0].mean()), 4),
            "fake_mean_score": round(float(scores[labels == 1].mean()), 4)}


def evaluate(model_dir: str | Path, data_root: str | Path, cache_dir: str | Path, log=print) -> dict:
    """All metrics as a dict (also written to ``<cache_dir>/eval.json``)."""
    from engines.detect.face_model import FaceForgeryModel
    from engines.faces import default_detector

    model = FaceForgeryModel(model_dir)
    detector = default_detector(tiles=1)
    _, held = split_pool(load_pool(data_root, cache_dir, log))
    items = build_eval_set(held)
    scores, labels, kinds, variants, missed = [], [], [], [], 0
    for image, label, kind, variant in items:
        s, found = score_image(image, detector, model)
        missed += int(not found)
        scores.append(s)
        labels.append(label)
        kinds.append(kind)
        variants.append(variant)
    s, y, kinds_a, var_a = np.array(scores), np.array(labels), np.array(kinds), np.array(variants)
    t = model.threshold
    result: dict = {"model": model.name, "held_out_identities": len({r.identity for r in held}),
                    "faces_not_detected": missed}
    swap_sel = kinds_a != "self-blend"
    result["swaps_vs_reals"] = _metrics(s[swap_sel], y[swap_sel], t)
    blend_sel = kinds_a != "swap"
    result["self_blends_vs_reals"] = _metrics(s[blend_sel], y[blend_sel], t)
    result["swaps_vs_reals_by_postprocessing"] = {
        POSTPROCESS[v]: _metrics(s[swap_sel & (var_a == v)], y[swap_sel & (var_a == v)], t) for v in range(3)}
    result["deepfake_folder"] = score_deepfake_folder(Path(data_root) / "deepfake", detector, model)
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    (Path(cache_dir) / "eval.json").write_text(json.dumps(result, indent=2))
    return result


def score_deepfake_folder(root: Path, detector, model) -> list[dict]:
    """Scores of every image under ``root`` (label from its folder: ``df`` fake, ``real`` real)."""
    out = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in {".jpg", ".jpeg", ".png"}:
            continue
        s, found = score_image(read_rgb(path), detector, model)
        out.append({"file": f"{path.parent.name}/{path.name}", "label": "fake" if path.parent.name == "df" else
                    "real", "fake_score": round(s, 4), "face_detected": found})
    return out
