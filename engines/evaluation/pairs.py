"""Find (image, mask) pairs in a folder: masks are ``<stem>_gt.png``; images without one are authentic."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"}
MASK_SUFFIXES = (".png", ".bmp", ".tif", ".jpg")


@dataclasses.dataclass(frozen=True)
class EvalPair:
    image: Path
    mask: Path | None  # None: authentic

    @property
    def authentic(self) -> bool:
        return self.mask is None


def find_pairs(folder: str | Path) -> list[EvalPair]:
    """Sorted pairs in ``folder``; raises FileNotFoundError / ValueError with a clear reason."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"not a folder: {root}")
    pairs = []
    for path in sorted(root.iterdir()):
        if path.suffix.lower() not in IMAGE_SUFFIXES or path.stem.endswith(("_gt", "_mask")):
            continue
        mask = next((root / f"{path.stem}_gt{s}" for s in MASK_SUFFIXES if (root / f"{path.stem}_gt{s}").exists()),
                    None)
        pairs.append(EvalPair(path, mask))
    if not pairs:
        raise ValueError(f"no images found in {root}")
    return pairs


def load_mask(path: Path, shape: tuple[int, int]) -> np.ndarray:
    """A ground-truth mask as bool, resized (nearest) to ``shape`` (H, W) when needed."""
    import cv2

    raw = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if raw is None:
        raise ValueError(f"cannot read mask {path.name}")
    if raw.shape != shape:
        raw = cv2.resize(raw, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
    return raw > 127
