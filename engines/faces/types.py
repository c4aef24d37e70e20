"""Plain data for detected faces and the small interface every face detector implements."""

from __future__ import annotations

import dataclasses
from typing import Protocol, runtime_checkable

import numpy as np

# Landmark order of ``Face.landmarks5`` (image left/right as seen by the viewer).
LANDMARKS5 = ("eye_left", "eye_right", "nose", "mouth_left", "mouth_right")


@dataclasses.dataclass(frozen=True)
class Face:
    """One detected face in image pixel coordinates.

    box: float32 (4,) as x0, y0, x1, y1. score: detector confidence in [0, 1].
    landmarks5: float32 (5, 2) x, y in ``LANDMARKS5`` order.
    landmarks_dense: float32 (N, 2) (468 face-mesh points) or None when the backend gives none.
    """

    box: np.ndarray
    score: float
    landmarks5: np.ndarray
    landmarks_dense: np.ndarray | None = None

    @property
    def width(self) -> float:
        return float(self.box[2] - self.box[0])

    @property
    def height(self) -> float:
        return float(self.box[3] - self.box[1])

    @property
    def centre(self) -> tuple[float, float]:
        return float(self.box[0] + self.box[2]) / 2.0, float(self.box[1] + self.box[3]) / 2.0


@runtime_checkable
class FaceDetector(Protocol):
    """Finds faces in an RGB uint8 (H, W, 3) image; ``name`` identifies the backend and its weights."""

    name: str

    def detect(self, image: np.ndarray) -> list[Face]: ...


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU between boxes ``a`` (N, 4) and ``b`` (M, 4) in x0, y0, x1, y1 order → (N, M)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def check_image(image: np.ndarray) -> np.ndarray:
    """Validate an RGB uint8 image (gray is expanded); ValueError otherwise."""
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4) or arr.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 image (H, W, 3), got {arr.dtype} {arr.shape}")
    if arr.shape[0] < 8 or arr.shape[1] < 8:
        raise ValueError(f"image too small for face detection: {arr.shape[1]}×{arr.shape[0]}")
    return np.ascontiguousarray(arr[:, :, :3])
