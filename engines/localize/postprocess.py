"""Whole-image post-processing applied after an edit: JPEG (single, double aligned / misaligned),
resizing and mild blur, so that training images carry realistic compression histories."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

COMPRESSION_CHOICES = ("lossless", "jpeg", "double_jpeg_aligned", "double_jpeg_misaligned")
COMPRESSION_WEIGHTS = (0.3, 0.35, 0.2, 0.15)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """RGB uint8 through a JPEG encode/decode at ``quality``."""
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(image[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return np.ascontiguousarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1])


def resize_pair(image: np.ndarray, mask: np.ndarray, factor: float, interpolation: int) -> tuple[np.ndarray,
                                                                                                np.ndarray]:
    """Resize an image and its mask by ``factor`` (mask through a linear resize and a 0.5 threshold)."""
    h, w = image.shape[:2]
    size = (max(16, round(w * factor)), max(16, round(h * factor)))
    small = cv2.resize(image, size, interpolation=interpolation)
    m = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_LINEAR) > 0.5
    return small, m


def post_process(image: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray,
                                                                                          dict[str, Any]]:
    """Random realistic post-processing of an (edited) image; the mask follows any geometric change."""
    recipe: dict[str, Any] = {}
    if rng.random() < 0.15:
        factor = float(rng.uniform(0.6, 0.95))
        interp = int(rng.choice([cv2.INTER_AREA, cv2.INTER_LINEAR, cv2.INTER_CUBIC]))
        image, mask = resize_pair(image, mask, factor, interp)
        recipe["resize"] = round(factor, 3)
    if rng.random() < 0.1:
        sigma = float(rng.uniform(0.3, 0.7))
        image = cv2.GaussianBlur(image, (0, 0), sigma)
        recipe["blur"] = round(sigma, 2)
    choice = str(rng.choice(COMPRESSION_CHOICES, p=COMPRESSION_WEIGHTS))
    recipe["compression"] = choice
    if choice == "jpeg":
        q = int(rng.integers(60, 99))
        image = jpeg(image, q)
        recipe["quality"] = q
    elif choice.startswith("double_jpeg"):
        q1, q2 = int(rng.integers(55, 91)), int(rng.integers(65, 99))
        image = jpeg(image, q1)
        if choice.endswith("misaligned"):
            dy, dx = (int(v) for v in rng.integers(0, 8, 2))
            if dy == 0 and dx == 0:
                dx = 1 + int(rng.integers(0, 7))
            image, mask = np.ascontiguousarray(image[dy:, dx:]), np.ascontiguousarray(mask[dy:, dx:])
            recipe["shift"] = (dy, dx)
        image = jpeg(image, q2)
        recipe["qualities"] = (q1, q2)
    return image, mask, recipe
