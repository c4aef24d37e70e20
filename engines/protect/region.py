"""The part of a photo protected for one face, and the reduced 'working' copy the search runs on.

The region is a square around the face (``REGION_SCALE`` × the face box, clipped to the image). The search
works on the region shrunk so its long side is at most ``WORK_SIDE`` px; the perturbation found there is
enlarged back to full size. That keeps a 12-MP photo as fast as a small one and makes the perturbation
low-frequency, which is what survives resizing and JPEG.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import torch

from engines.protect.mtcnn import FaceBox

REGION_SCALE = 2.0
WORK_SIDE = 320  # tuning photos: 320 px gave the panel ≈ 1 dB more than 224 (128 and 160 were worse), ≈ 20 % slower


@dataclasses.dataclass(frozen=True)
class FaceRegion:
    """Region (x0, y0, x1, y1) in image pixels, the face in working coordinates, and the working scale."""

    x0: int
    y0: int
    x1: int
    y1: int
    scale: float
    face: FaceBox
    face_work: FaceBox

    @property
    def work_size(self) -> tuple[int, int]:
        """(width, height) of the working copy."""
        return max(16, round((self.x1 - self.x0) * self.scale)), max(16, round((self.y1 - self.y0) * self.scale))

    def crop(self, image: np.ndarray) -> np.ndarray:
        return image[self.y0:self.y1, self.x0:self.x1]

    def work_array(self, image: np.ndarray) -> np.ndarray:
        """The region of ``image`` resized to the working size (area interpolation when shrinking)."""
        crop = np.ascontiguousarray(self.crop(image))
        if self.scale == 1.0:
            return crop
        return cv2.resize(crop, self.work_size, interpolation=cv2.INTER_AREA)

    def work_tensor(self, image: np.ndarray, device: str = "cpu") -> torch.Tensor:
        """The working copy of an RGB uint8 image as (1, 3, h, w) float32 in [0, 1]."""
        arr = self.work_array(image).astype(np.float32) / 255.0
        return torch.from_numpy(arr).permute(2, 0, 1)[None].contiguous().to(device)

    def round_trip(self) -> tuple[np.ndarray, np.ndarray]:
        """Matrices (left (h, h), right (w, w)) of what enlarging a working-size array to the region and shrinking
        it back does: ``left @ a @ right`` equals ``work_array(enlarge(a))`` for a working-size plane ``a``.

        The search applies this to its perturbation so it optimises what is written, not the working copy alone.
        """
        (w, h), (big_w, big_h) = self.work_size, (self.x1 - self.x0, self.y1 - self.y0)
        if self.scale == 1.0:
            return np.eye(h, dtype=np.float32), np.eye(w, dtype=np.float32)
        up_y = cv2.resize(np.eye(h, dtype=np.float64), (h, big_h), interpolation=cv2.INTER_LINEAR)  # (H, h)
        down_y = cv2.resize(np.eye(big_h, dtype=np.float64), (big_h, h), interpolation=cv2.INTER_AREA)  # (h, H)
        up_x = cv2.resize(np.eye(w, dtype=np.float64), (big_w, w), interpolation=cv2.INTER_LINEAR)  # (w, W)
        down_x = cv2.resize(np.eye(big_w, dtype=np.float64), (w, big_w), interpolation=cv2.INTER_AREA)  # (W, w)
        return (down_y @ up_y).astype(np.float32), (up_x @ down_x).astype(np.float32)

    def enlarge(self, work: np.ndarray) -> np.ndarray:
        """A working-size (h, w[, c]) float array resized to the full region."""
        size = (self.x1 - self.x0, self.y1 - self.y0)
        if work.shape[1] == size[0] and work.shape[0] == size[1]:
            return work
        return cv2.resize(work, size, interpolation=cv2.INTER_LINEAR)


def face_region(face: FaceBox, shape: tuple[int, ...], scale: float = REGION_SCALE,
                work_side: int = WORK_SIDE) -> FaceRegion:
    """The protected region around ``face`` in an image of ``shape``."""
    h, w = shape[:2]
    x0, y0, x1, y1 = (float(v) for v in face.box[:4])
    side = max(x1 - x0, y1 - y0) * scale
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    rx0, ry0 = max(0, int(np.floor(cx - side / 2))), max(0, int(np.floor(cy - side / 2)))
    rx1, ry1 = min(w, int(np.ceil(cx + side / 2))), min(h, int(np.ceil(cy + side / 2)))
    if rx1 - rx0 < 16 or ry1 - ry0 < 16:
        raise ValueError("face region too small to protect")
    factor = min(1.0, work_side / max(rx1 - rx0, ry1 - ry0))
    work_w, work_h = max(16, round((rx1 - rx0) * factor)), max(16, round((ry1 - ry0) * factor))
    # the exact per-axis factors of the resize, so working coordinates match the resized pixels
    fx, fy = work_w / (rx1 - rx0), work_h / (ry1 - ry0)
    off = np.array([rx0, ry0], np.float32)
    box = ((face.box.reshape(2, 2) - off) * [fx, fy]).reshape(4).astype(np.float32)
    five = ((face.landmarks5 - off) * [fx, fy]).astype(np.float32)
    return FaceRegion(rx0, ry0, rx1, ry1, factor, face, FaceBox(box, face.score, five))
