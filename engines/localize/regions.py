"""Region masks for synthetic forgeries: objects from label maps, or random smooth blobs."""

from __future__ import annotations

import cv2
import numpy as np

from engines.localize.pools import ImagePool


def object_mask(labels: np.ndarray, rng: np.random.Generator, min_frac: float = 0.01,
                max_frac: float = 0.3) -> np.ndarray | None:
    """One labelled region whose area fraction is in [min_frac, max_frac] (largest connected part), or None."""
    values, counts = np.unique(labels, return_counts=True)
    frac = counts / labels.size
    candidates = values[(frac >= min_frac) & (frac <= max_frac)]
    if candidates.size == 0:
        return None
    region = (labels == rng.choice(candidates)).astype(np.uint8)
    n, comp, stats, _ = cv2.connectedComponentsWithStats(region, connectivity=8)
    if n > 2:
        region = (comp == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)
    if region.sum() < min_frac * labels.size * 0.5:
        return None
    return region.astype(bool)


def random_blob(shape: tuple[int, int], rng: np.random.Generator, min_frac: float = 0.01,
                max_frac: float = 0.15) -> np.ndarray:
    """A smooth random polygon covering roughly [min_frac, max_frac] of the image."""
    h, w = shape
    area = rng.uniform(min_frac, max_frac) * h * w
    radius = np.sqrt(area / np.pi)
    cy = rng.uniform(radius, max(radius + 1, h - radius))
    cx = rng.uniform(radius, max(radius + 1, w - radius))
    n = int(rng.integers(6, 14))
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = radius * rng.uniform(0.6, 1.4, n)
    pts = np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], axis=1).astype(np.int32)
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [pts], 1)
    mask = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), max(1.0, radius / 8)) > 0.5
    if not mask.any():
        mask[int(cy), int(cx)] = True
    return mask


def pick_region(pool: ImagePool, index: int, rng: np.random.Generator, min_frac: float = 0.01,
                max_frac: float = 0.3, blob_probability: float = 0.0) -> tuple[np.ndarray, str]:
    """An object mask from one of the image's label maps (a random blob as fallback); returns (mask, source)."""
    shape = pool.image(index).shape[:2]
    if rng.random() >= blob_probability:
        order = rng.permutation(pool.label_map_count(index))
        for k in order[:3]:
            mask = object_mask(pool.label_map(index, int(k)), rng, min_frac, max_frac)
            if mask is not None:
                return mask, f"segment{int(k)}"
    return random_blob(shape, rng, min_frac, max(min_frac, min(max_frac, 0.15))), "blob"


def feathered_alpha(mask: np.ndarray, sigma: float) -> np.ndarray:
    """Float alpha in [0, 1]: the hard mask, softened by a Gaussian of ``sigma`` pixels (0 = hard)."""
    alpha = mask.astype(np.float32)
    if sigma > 0:
        alpha = cv2.GaussianBlur(alpha, (0, 0), sigma)
    return alpha


def composite(base: np.ndarray, edited: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``base`` where alpha is 0, ``edited`` where it is 1, blended in between (uint8 RGB out)."""
    a = alpha[..., None].astype(np.float32)
    out = base.astype(np.float32) * (1.0 - a) + edited.astype(np.float32) * a
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
