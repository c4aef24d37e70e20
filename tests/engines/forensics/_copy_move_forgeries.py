"""Copy-move forgeries with known source and target masks, generated for tests.

Every forgery copies one region of an image and pastes it elsewhere, optionally rotated
and scaled, so that the test knows exactly which pixels are the source and which the copy.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np


@dataclasses.dataclass(frozen=True)
class Forgery:
    """A forged image, the masks of the copied region and its pasted copy, and the transform used."""

    image: np.ndarray  # RGB uint8 (H, W, 3)
    source: np.ndarray  # bool (H, W)
    target: np.ndarray  # bool (H, W)
    matrix: np.ndarray  # 2x3 float, maps source coordinates (x, y) to target coordinates
    rotation_deg: float  # counter-clockwise as seen on screen (cv2.getRotationMatrix2D convention)
    scale: float

    @property
    def union(self) -> np.ndarray:
        """Source and target together: the ground truth a copy-move detector should mark."""
        return self.source | self.target


def textured_image(height: int = 384, width: int = 512, seed: int = 0) -> np.ndarray:
    """Random multi-scale texture with coloured blobs: plenty of keypoints, no repeated content."""
    rng = np.random.default_rng(seed)
    image = np.zeros((height, width, 3), np.float32)
    for sigma, weight in ((12.0, 70.0), (4.0, 45.0), (1.5, 25.0)):
        noise = rng.normal(0.0, 1.0, (height, width, 3)).astype(np.float32)
        smooth = cv2.GaussianBlur(noise, (0, 0), sigma)
        image += weight * smooth / max(float(smooth.std()), 1e-6)
    for _ in range(40):
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        colour = tuple(float(c) for c in rng.uniform(-90, 90, 3))
        cv2.circle(image, centre, int(rng.integers(3, 18)), colour, -1)
    return np.clip(image + 128.0, 0, 255).astype(np.uint8)


def low_texture_image(height: int = 384, width: int = 512, seed: int = 0, noise: float = 2.0) -> np.ndarray:
    """Smooth colour gradients with faint, broad shading and mild sensor-like noise: few or no keypoints."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.empty((height, width, 3), np.float32)
    for c, base in enumerate((150.0, 140.0, 120.0)):
        image[:, :, c] = base + 30.0 * xx / width - 20.0 * yy / height
    shading = cv2.GaussianBlur(rng.normal(0.0, 1.0, (height, width)).astype(np.float32), (0, 0), 10.0)
    image += (6.0 * shading / max(float(shading.std()), 1e-6))[:, :, None]
    image += rng.normal(0.0, noise, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def _disc(shape: tuple[int, int], centre: tuple[float, float], radius: float) -> np.ndarray:
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    return (xx - centre[0]) ** 2 + (yy - centre[1]) ** 2 <= radius**2


def rotated_scaled_copy(
    image: np.ndarray,
    source_centre: tuple[float, float],
    target_centre: tuple[float, float],
    radius: float,
    rotation_deg: float = 15.0,
    scale: float = 1.1,
) -> Forgery:
    """Copy a disc of ``radius`` around ``source_centre`` (x, y), rotate and scale it, paste it at ``target_centre``."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D(source_centre, rotation_deg, scale)
    matrix[:, 2] += np.asarray(target_centre, np.float64) - np.asarray(source_centre, np.float64)
    source = _disc((height, width), source_centre, radius)
    warped = cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    target = _disc((height, width), target_centre, radius * scale)
    if np.any(source & target):
        raise ValueError("source and target regions overlap")
    forged = image.copy()
    forged[target] = warped[target]
    return Forgery(forged, source, target, matrix, float(rotation_deg), float(scale))


def translated_copy(image: np.ndarray, box: tuple[int, int, int, int], shift: tuple[int, int]) -> Forgery:
    """Copy the rectangle ``box`` = (x, y, w, h) and paste it unchanged ``shift`` = (dx, dy) pixels away."""
    x, y, w, h = box
    dx, dy = shift
    height, width = image.shape[:2]
    if not (0 <= x and 0 <= y and x + w <= width and y + h <= height):
        raise ValueError("box outside the image")
    if not (0 <= x + dx and 0 <= y + dy and x + dx + w <= width and y + dy + h <= height):
        raise ValueError("shifted box outside the image")
    source = np.zeros((height, width), bool)
    source[y : y + h, x : x + w] = True
    target = np.zeros((height, width), bool)
    target[y + dy : y + dy + h, x + dx : x + dx + w] = True
    if np.any(source & target):
        raise ValueError("source and target regions overlap")
    forged = image.copy()
    forged[y + dy : y + dy + h, x + dx : x + dx + w] = image[y : y + h, x : x + w]
    matrix = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
    return Forgery(forged, source, target, matrix, 0.0, 1.0)
