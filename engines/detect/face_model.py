"""The shipped face-forgery classifier: loaded from its manifest (sha256-verified), scoring aligned crops
with a TRIM robustness verdict for each score."""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

import numpy as np

from engines.detect.trim import TrimResult, judge, trim_measures
from engines.faces.align import align_face
from engines.faces.types import Face

DEFAULT_MODEL = "face_dpnet"


class FaceForgeryModel:
    """Manifest-described classifier: ``crops(image, faces)`` then ``score(crops)``."""

    def __init__(self, folder: str | Path | None = None, threads: int | None = None):
        import torch

        import engines.models.face_models  # noqa: F401 - registers the face architectures
        from engines.models.manifest import build_from_manifest, load_manifest, shipped_model_dir

        if threads:
            torch.set_num_threads(threads)
        self.manifest = load_manifest(folder or shipped_model_dir(DEFAULT_MODEL))
        self.net = build_from_manifest(self.manifest)
        spec = self.manifest.input_spec
        self.size = int(spec["size"])
        self.margin = float(self.manifest.raw.get("align_margin", 0.35))
        self.threshold = float(self.manifest.raw.get("output", {}).get("threshold", 0.5))
        self.trim_thresholds = dict(self.manifest.raw["trim"])
        self.name = f"{self.manifest.name} ({self.manifest.sha256[:12]})"
        self._lock = threading.Lock()

    def crops(self, image: np.ndarray, faces: list[Face]) -> np.ndarray:
        """Aligned crops (N, S, S, 3) uint8 at the model's input size."""
        if not faces:
            return np.zeros((0, self.size, self.size, 3), np.uint8)
        return np.stack([align_face(image, f, self.size, self.margin) for f in faces])

    def score(self, crops: np.ndarray, robust: bool = True) -> list[tuple[float, TrimResult | None]]:
        """(fake probability, TRIM verdict or None) per crop."""
        if len(crops) == 0:
            return []
        with self._lock:
            if robust:
                prob, ent, pkl, fkl = trim_measures(self.net, crops)
                return [(float(p), judge(e, a, b, self.trim_thresholds))
                        for p, e, a, b in zip(prob, ent, pkl, fkl, strict=True)]
            import torch

            from engines.models.face_common import to_tensor

            with torch.inference_mode():
                prob = torch.softmax(self.net(to_tensor(crops)), dim=1)[:, 1].numpy()
            return [(float(p), None) for p in prob]


@cache
def shared_face_model(folder: str | None = None) -> FaceForgeryModel:
    """One loaded model per folder (None = the shipped one)."""
    return FaceForgeryModel(folder)
