"""Training and evaluation samples: aligned face crops of reals and pseudo-fakes at the model's input size."""

from __future__ import annotations

import numpy as np

from engines.faces.align import align_face
from engines.facetrain.blend import crop_degrade, degrade, self_blend
from engines.facetrain.pool import FaceRecord
from engines.models.face_common import to_tensor

__all__ = ["MARGIN", "to_tensor", "training_batch", "training_crop"]

MARGIN = 0.35  # alignment margin used at inference (``engines.faces.align_face``)


def training_crop(record: FaceRecord, fake: bool, size: int, rng: np.random.Generator, crop_augment: float = 1.0
                  ) -> np.ndarray:
    """One augmented aligned crop (size, size, 3) uint8 of ``record``, self-blended when ``fake``.

    ``crop_augment`` scales the post-alignment augmentation (0 = none, as in the first training stage).
    """
    image = record.image
    if fake:
        image, _ = self_blend(image, record.mesh, rng)
    image = degrade(image, rng)
    five = record.landmarks5 + rng.normal(0, 1.5, record.landmarks5.shape).astype(np.float32)
    crop = align_face(image, five, size, margin=MARGIN + rng.uniform(-0.07, 0.1))
    if crop_augment > 0:
        crop = crop_degrade(crop, rng, crop_augment)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.ascontiguousarray(crop)


def training_batch(records: list[FaceRecord], batch: int, size: int, rng: np.random.Generator,
                   crop_augment: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(crops (B, S, S, 3) uint8, labels (B,) int64): half reals, half pseudo-fakes of random faces."""
    labels = np.array([i % 2 for i in range(batch)], np.int64)
    picks = rng.integers(0, len(records), batch)
    crops = np.stack([training_crop(records[p], bool(lab), size, rng, crop_augment)
                      for p, lab in zip(picks, labels, strict=True)])
    return crops, labels
