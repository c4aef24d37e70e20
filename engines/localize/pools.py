"""Image pools for the forgery generator: photos with object label maps (segmentations).

``BsdsPool`` reads BSDS500 (``natural/bsds500``: ``images/<split>/<id>.jpg`` and
``groundTruth/<split>/<id>_seg<k>.png`` 16-bit label maps). ``ArrayPool`` wraps in-memory arrays
(tests build one from scikit-image's bundled photos).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

TRAIN_SPLITS = ("train", "test")  # BSDS500 val (and Kodak24) never enter training
HELD_OUT_SPLITS = ("val",)
SELECTION_SUBSET = slice(0, 40)  # val photos used to pick checkpoints during training
REPORT_SUBSET = slice(40, 100)  # val photos of the held-out synthetic set reported in the model card


class ImagePool(Protocol):
    def __len__(self) -> int: ...

    def image(self, index: int) -> np.ndarray:
        """RGB uint8 (H, W, 3)."""
        ...

    def label_map_count(self, index: int) -> int: ...

    def label_map(self, index: int, k: int) -> np.ndarray:
        """Integer label map (H, W); each label is one object or region."""
        ...


class ArrayPool:
    """Pool over in-memory images and their label maps."""

    def __init__(self, images: Sequence[np.ndarray], label_maps: Sequence[Sequence[np.ndarray]]):
        if len(images) != len(label_maps) or not images:
            raise ValueError("need one list of label maps per image, and at least one image")
        self._images = [np.ascontiguousarray(im, dtype=np.uint8) for im in images]
        self._labels = [list(maps) for maps in label_maps]
        for im, maps in zip(self._images, self._labels, strict=True):
            if im.ndim != 3 or im.shape[2] != 3 or not maps or any(m.shape != im.shape[:2] for m in maps):
                raise ValueError("images must be RGB and each label map must match its image's size")

    def __len__(self) -> int:
        return len(self._images)

    def image(self, index: int) -> np.ndarray:
        return self._images[index]

    def label_map_count(self, index: int) -> int:
        return len(self._labels[index])

    def label_map(self, index: int, k: int) -> np.ndarray:
        return self._labels[index][k]


class BsdsPool:
    """BSDS500 photos of the given splits with their human segmentations; images cached in memory."""

    def __init__(self, root: str | Path, splits: Sequence[str] = TRAIN_SPLITS, subset: slice | None = None):
        self.root = Path(root)
        self.entries: list[tuple[Path, list[Path]]] = []
        for split in splits:
            image_dir = self.root / "images" / split
            if not image_dir.is_dir():
                raise FileNotFoundError(f"BSDS500 split folder not found: {image_dir}")
            for path in sorted(image_dir.glob("*.jpg")):
                segs = sorted((self.root / "groundTruth" / split).glob(f"{path.stem}_seg*.png"))
                if segs:
                    self.entries.append((path, segs))
        if subset is not None:
            self.entries = self.entries[subset]
        if not self.entries:
            raise FileNotFoundError(f"no BSDS500 images with segmentations under {self.root}")
        self._cache: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def image(self, index: int) -> np.ndarray:
        if index not in self._cache:
            bgr = cv2.imread(str(self.entries[index][0]), cv2.IMREAD_COLOR)
            if bgr is None:
                raise OSError(f"cannot read {self.entries[index][0]}")
            self._cache[index] = np.ascontiguousarray(bgr[:, :, ::-1])
        return self._cache[index]

    def label_map_count(self, index: int) -> int:
        return len(self.entries[index][1])

    def label_map(self, index: int, k: int) -> np.ndarray:
        labels = cv2.imread(str(self.entries[index][1][k]), cv2.IMREAD_UNCHANGED)
        if labels is None:
            raise OSError(f"cannot read {self.entries[index][1][k]}")
        return labels


def bsds_root(data_root: str | Path) -> Path:
    """``<data>/natural/bsds500`` (accepts the BSDS folder itself too)."""
    root = Path(data_root)
    return root if (root / "images").is_dir() else root / "natural" / "bsds500"
