"""BlazeFace (MediaPipe face detection) run through LiteRT, with the SSD anchors decoded here.

Two variants ship in mediapipe 0.10.21: short-range (128×128 input, faces filling ≥ ~15 % of the
frame: selfies, talking-head video) and full-range sparse (192×192, smaller faces). Each gives a box
and six keypoints (right eye, left eye, nose tip, mouth centre, right ear, left ear — the subject's
right/left). Boxes are merged with MediaPipe's weighted non-maximum suppression.

For stills a face far smaller than the frame is missed at 128 px, so ``tiles`` > 1 also runs the
model on an overlapping tile grid and merges the results (``detect_multiscale``).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from engines.faces.package_files import BLAZEFACE_FULL, BLAZEFACE_SHORT, PackageFile
from engines.faces.tflite import TfliteModel
from engines.faces.types import box_iou


@dataclasses.dataclass(frozen=True)
class BlazeVariant:
    """Anchor layout and decoding constants of one BlazeFace model."""

    item: PackageFile
    size: int
    strides: tuple[int, ...]
    anchors_per_layer: int  # anchors per cell contributed by each layer listed in ``strides``
    min_score: float


SHORT_RANGE = BlazeVariant(BLAZEFACE_SHORT, 128, (8, 16, 16, 16), 2, 0.5)
FULL_RANGE = BlazeVariant(BLAZEFACE_FULL, 192, (4,), 1, 0.6)


def make_anchors(variant: BlazeVariant) -> np.ndarray:
    """Anchor centres (N, 2) in [0, 1]: layers of equal stride share one grid, cells row-major.

    Anchors have a fixed unit size, so only their centres matter for decoding.
    """
    centres: list[np.ndarray] = []
    i = 0
    strides = variant.strides
    while i < len(strides):
        stride = strides[i]
        count = 0
        while i < len(strides) and strides[i] == stride:
            count += variant.anchors_per_layer
            i += 1
        cells = int(np.ceil(variant.size / stride))
        ys, xs = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
        grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 1, 2)
        centres.append(np.repeat(grid, count, axis=1).reshape(-1, 2))
    return np.concatenate(centres).astype(np.float32)


def decode(raw_boxes: np.ndarray, raw_scores: np.ndarray, anchors: np.ndarray, size: int, min_score: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw model outputs → (boxes (K, 4) x0 y0 x1 y1, scores (K,), keypoints (K, 6, 2)), normalised to [0, 1]."""
    raw_boxes = raw_boxes.reshape(-1, 16)
    logits = np.clip(raw_scores.reshape(-1).astype(np.float64), -80.0, 80.0)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = scores >= min_score
    if not keep.any():
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 6, 2), np.float32)
    r = raw_boxes[keep] / float(size)
    a = anchors[keep]
    cx, cy = r[:, 0] + a[:, 0], r[:, 1] + a[:, 1]
    w, h = r[:, 2], r[:, 3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    kps = r[:, 4:].reshape(-1, 6, 2) + a[:, None, :]
    return boxes.astype(np.float32), scores[keep].astype(np.float32), kps.astype(np.float32)


def weighted_nms(boxes: np.ndarray, scores: np.ndarray, kps: np.ndarray, iou: float = 0.3
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MediaPipe-style blending NMS: overlapping candidates are averaged, weighted by score."""
    order = np.argsort(-scores)
    boxes, scores, kps = boxes[order], scores[order], kps[order]
    out_b, out_s, out_k = [], [], []
    alive = np.ones(len(scores), bool)
    overlaps = box_iou(boxes, boxes)
    for i in range(len(scores)):
        if not alive[i]:
            continue
        group = alive & (overlaps[i] > iou)
        group[i] = True
        w = scores[group][:, None]
        out_b.append((boxes[group] * w).sum(0) / w.sum())
        out_k.append((kps[group] * w[:, :, None]).sum(0) / w.sum())
        out_s.append(scores[i])
        alive &= ~group
    if not out_b:
        return boxes[:0], scores[:0], kps[:0]
    return np.array(out_b, np.float32), np.array(out_s, np.float32), np.array(out_k, np.float32)


class BlazeFace:
    """One BlazeFace model: ``run(image)`` → boxes, scores, keypoints in image pixels."""

    def __init__(self, variant: BlazeVariant = SHORT_RANGE, threads: int = 1):
        self.variant = variant
        self.model = TfliteModel(variant.item, threads)
        self.anchors = make_anchors(variant)

    def run(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Letterbox ``image`` (RGB uint8) to the model's square input and decode, before NMS."""
        h, w = image.shape[:2]
        size = self.variant.size
        scale = size / max(h, w)
        nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
        resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
        canvas = np.zeros((size, size, 3), np.uint8)
        oy, ox = (size - nh) // 2, (size - nw) // 2
        canvas[oy : oy + nh, ox : ox + nw] = resized
        x = canvas.astype(np.float32) / 127.5 - 1.0
        raw_boxes, raw_scores = self.model.run(x[None])
        boxes, scores, kps = decode(raw_boxes, raw_scores, self.anchors, size, self.variant.min_score)
        offset = np.array([ox, oy], np.float32)
        boxes = ((boxes.reshape(-1, 2, 2) * size - offset) / scale).reshape(-1, 4)
        kps = (kps * size - offset) / scale
        return boxes, scores, kps


def tile_grid(h: int, w: int, tiles: int, overlap: float = 0.25) -> list[tuple[int, int, int, int]]:
    """Overlapping square-ish tiles (x0, y0, x1, y1) covering the image, ``tiles`` along the long side."""
    long_side = max(h, w)
    side = int(np.ceil(long_side / (tiles - (tiles - 1) * overlap)))
    out = []
    for y0 in _starts(h, side, overlap):
        for x0 in _starts(w, side, overlap):
            out.append((x0, y0, min(w, x0 + side), min(h, y0 + side)))
    return out


def _starts(length: int, side: int, overlap: float) -> list[int]:
    if side >= length:
        return [0]
    step = max(1, int(side * (1 - overlap)))
    starts = list(range(0, length - side, step))
    starts.append(length - side)
    return sorted(set(starts))


def detect_multiscale(model: BlazeFace, image: np.ndarray, tiles: int = 1
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whole-frame pass, plus tile passes when ``tiles`` > 1; merged by weighted NMS."""
    parts = [model.run(image)]
    if tiles > 1:
        h, w = image.shape[:2]
        for x0, y0, x1, y1 in tile_grid(h, w, tiles):
            b, s, k = model.run(image[y0:y1, x0:x1])
            if len(s):
                # Drop boxes cut by an inner tile edge: the neighbouring tile or the full frame sees them whole.
                cut = ((b[:, 0] < 2) & (x0 > 0)) | ((b[:, 1] < 2) & (y0 > 0))
                cut |= ((b[:, 2] > x1 - x0 - 2) & (x1 < w)) | ((b[:, 3] > y1 - y0 - 2) & (y1 < h))
                b, s, k = b[~cut], s[~cut], k[~cut]
            shift = np.array([x0, y0], np.float32)
            parts.append(((b.reshape(-1, 2, 2) + shift).reshape(-1, 4), s, k + shift))
    boxes = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[1] for p in parts])
    kps = np.concatenate([p[2] for p in parts])
    return weighted_nms(boxes, scores, kps)
