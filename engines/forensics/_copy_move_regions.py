"""Helpers shared by the copy-move detectors: working-size grey images, dense region masks, mask clean-up."""

from __future__ import annotations

import cv2
import numpy as np


def working_grey(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """Grey float32 copy of an RGB image, shrunk so that its long side is at most ``max_side``.

    Returns the image and the factor ``f`` with working coordinates = ``f`` × original coordinates.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 image (H, W, 3), got {image.dtype} {image.shape}")
    grey = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    long_side = max(grey.shape)
    factor = min(1.0, float(max_side) / long_side) if long_side else 1.0
    if factor < 1.0:
        size = (max(1, round(grey.shape[1] * factor)), max(1, round(grey.shape[0] * factor)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        factor = grey.shape[1] / image.shape[1]
    return grey.astype(np.float32), factor


def upscale_mask(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A bool mask resized to ``shape`` (H, W) with smooth edges, thresholded at one half."""
    if mask.shape == tuple(shape):
        return mask.copy()
    resized = cv2.resize(mask.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return resized > 0.5


def remove_small(mask: np.ndarray, min_area: int) -> np.ndarray:
    """Drop 8-connected components smaller than ``min_area`` pixels."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = np.zeros(count, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_area
    return keep[labels]


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """Fill background regions not connected to the image border."""
    padded = np.pad(mask.astype(np.uint8), 1)
    flood = padded.copy()
    cv2.floodFill(flood, None, (0, 0), 1)
    holes = flood[1:-1, 1:-1] == 0
    return mask | holes


def clean_mask(mask: np.ndarray, radius: int, min_area: int) -> np.ndarray:
    """Morphological closing then opening with a disc of ``radius``, hole filling, small-component removal."""
    if radius > 0:
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        work = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, disc)
        work = cv2.morphologyEx(work, cv2.MORPH_OPEN, disc)
        mask = work.astype(bool)
    return remove_small(fill_holes(mask), min_area)


def local_similarity(grey: np.ndarray, other: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Local zero-mean normalised cross-correlation and mean absolute difference in a (2r+1)² window."""
    size = (2 * radius + 1, 2 * radius + 1)

    def box(values: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(values, cv2.CV_32F, size, borderType=cv2.BORDER_REFLECT)

    mean_a, mean_b = box(grey), box(other)
    var_a = np.maximum(box(grey * grey) - mean_a * mean_a, 0.0)
    var_b = np.maximum(box(other * other) - mean_b * mean_b, 0.0)
    cov = box(grey * other) - mean_a * mean_b
    zncc = cov / np.sqrt(var_a * var_b + 1e-3)
    mad = box(np.abs(grey - other))
    return zncc, mad


def region_from_transform(
    grey: np.ndarray,
    matrix: np.ndarray,
    target_points: np.ndarray,
    zncc_threshold: float = 0.75,
    difference_threshold: float = 6.0,
    window_radius: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """Dense (source, target) masks for one source→target affine ``matrix`` in working coordinates.

    The image warped by the transform is compared with the image itself; pixels that agree
    (local ZNCC above ``zncc_threshold`` or mean absolute difference below ``difference_threshold``)
    form candidate target pixels. Only connected areas that contain matched target keypoints and
    lie near them are kept; the source mask is the target mask mapped back by the inverse transform.
    """
    height, width = grey.shape
    warped = cv2.warpAffine(grey, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    inside = cv2.warpAffine(np.ones_like(grey), matrix, (width, height), flags=cv2.INTER_NEAREST) > 0.5
    zncc, mad = local_similarity(grey, warped, window_radius)
    agree = inside & ((zncc > zncc_threshold) | (mad < difference_threshold))

    hull = cv2.convexHull(target_points.astype(np.float32)).astype(np.int32)
    outside = np.ones((height, width), np.uint8)
    cv2.fillConvexPoly(outside, hull, 0)
    _, _, w, h = cv2.boundingRect(hull)
    near = cv2.distanceTransform(outside, cv2.DIST_L2, 3) <= 0.5 * max(w, h) + 8

    candidate = clean_mask(agree & near, radius=2, min_area=16)
    count, labels = cv2.connectedComponents(candidate.astype(np.uint8), connectivity=8)
    cols = np.clip(np.round(target_points[:, 0]).astype(int), 0, width - 1)
    rows = np.clip(np.round(target_points[:, 1]).astype(int), 0, height - 1)
    hit = np.unique(labels[rows, cols])
    keep = np.zeros(count, bool)
    keep[hit[hit > 0]] = True
    target = keep[labels]

    inverse = cv2.invertAffineTransform(matrix)
    source = cv2.warpAffine(target.astype(np.float32), inverse, (width, height), flags=cv2.INTER_LINEAR) > 0.5
    return source, target
