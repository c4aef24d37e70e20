"""Self-blended pseudo-fakes and the shared post-processing augmentations.

A pseudo-fake blends a face with a colour- and geometry-jittered copy of itself inside a mask built
from its landmarks (hull of the whole mesh, the face oval, the inner face or the lower face, or an
ellipse), deformed, eroded or dilated and blurred by a random amount. The result has the blending
boundary and the statistical mismatch of a face swap without a second identity. Reals and fakes then
go through the same compression / resize / noise augmentations.
"""

from __future__ import annotations

import cv2
import numpy as np

from engines.faces.face_mesh import FACE_OVAL

# Mesh point groups for mask variants (indices into the 468-point mesh).
_INNER = (70, 63, 105, 66, 107, 336, 296, 334, 293, 300, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
          152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127)
_LOWER = (234, 93, 132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288, 361, 323, 454,
          6, 197)


def hull_mask(shape: tuple[int, int], points: np.ndarray) -> np.ndarray:
    """Filled convex hull of ``points`` as float32 in {0, 1}."""
    mask = np.zeros(shape, np.uint8)
    hull = cv2.convexHull(np.round(points).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 1)
    return mask.astype(np.float32)


def random_mask(shape: tuple[int, int], mesh: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A blending mask in [0, 1]: a landmark region, deformed, resized and blurred at random."""
    kind = rng.integers(5)
    if kind == 0:
        mask = hull_mask(shape, mesh)
    elif kind == 1:
        mask = hull_mask(shape, mesh[list(FACE_OVAL)])
    elif kind == 2:
        mask = hull_mask(shape, mesh[list(_INNER)])
    elif kind == 3:
        mask = hull_mask(shape, mesh[list(_LOWER)])
    else:
        mask = np.zeros(shape, np.float32)
        centre = mesh.mean(0) + rng.normal(0, 4, 2)
        span = mesh.max(0) - mesh.min(0)
        axes = (int(span[0] * rng.uniform(0.3, 0.5)), int(span[1] * rng.uniform(0.3, 0.55)))
        cv2.ellipse(mask, (int(centre[0]), int(centre[1])), axes, float(rng.uniform(-15, 15)), 0, 360, 1.0, -1)
    size = float(np.sqrt(mask.sum() + 1.0))
    mask = _elastic(mask, rng, amplitude=size * rng.uniform(0.0, 0.06))
    k = int(size * rng.uniform(0.0, 0.12)) * 2 + 1
    if k > 1:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        mask = cv2.erode(mask, kernel) if rng.random() < 0.5 else cv2.dilate(mask, kernel)
    sigma = size * rng.uniform(0.01, 0.12)
    mask = cv2.GaussianBlur(mask, (0, 0), sigma) if sigma > 0.3 else mask
    mask = mask / max(float(mask.max()), 1e-6)
    if rng.random() < 0.3:
        mask = mask * rng.uniform(0.5, 1.0)
    return np.clip(mask, 0.0, 1.0).astype(np.float32)


def _elastic(mask: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    if amplitude < 0.5:
        return mask
    h, w = mask.shape
    coarse = rng.normal(0, amplitude, (2, 5, 5)).astype(np.float32)
    dx = cv2.resize(coarse[0], (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(coarse[1], (w, h), interpolation=cv2.INTER_CUBIC)
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(mask, gx + dx, gy + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def colour_jitter(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random hue/saturation/brightness/contrast/gamma change, sometimes blur or sharpening."""
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-6, 6)) % 180
    hsv[..., 1] *= rng.uniform(0.8, 1.2)
    hsv[..., 2] = hsv[..., 2] * rng.uniform(0.85, 1.15) + rng.uniform(-12, 12)
    out = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
    out = (out - out.mean()) * rng.uniform(0.85, 1.15) + out.mean() + rng.uniform(-8, 8, 3)
    out = 255.0 * (np.clip(out, 0, 255) / 255.0) ** rng.uniform(0.85, 1.15)
    r = rng.random()
    if r < 0.25:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.5))
    elif r < 0.45:
        out = cv2.addWeighted(out, 1.6, cv2.GaussianBlur(out, (0, 0), 1.0), -0.6, 0)
    return np.clip(out, 0, 255).astype(np.uint8)


def geometry_jitter(image: np.ndarray, centre: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Small scale / rotation / translation / aspect change about ``centre`` (a misaligned copy)."""
    h, w = image.shape[:2]
    scale = rng.uniform(0.94, 1.06)
    m = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), float(rng.uniform(-3, 3)), scale)
    m[0, :2] *= rng.uniform(0.97, 1.03)
    m[:, 2] += rng.uniform(-0.02, 0.02, 2) * np.array([w, h]) / 2.2
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def self_blend(image: np.ndarray, mesh: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(pseudo-fake RGB uint8, blend mask float32): jittered copy blended into the face."""
    source = image
    if rng.random() < 0.85:
        source = colour_jitter(source, rng)
    if rng.random() < 0.7:
        source = geometry_jitter(source, mesh.mean(0), rng)
    if source is image:
        source = colour_jitter(image, rng)
    mask = random_mask(image.shape[:2], mesh, rng)
    m = mask[..., None]
    fake = source.astype(np.float32) * m + image.astype(np.float32) * (1.0 - m)
    return np.clip(fake + 0.5, 0, 255).astype(np.uint8), mask


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """Round-trip through JPEG at ``quality``."""
    ok, buf = cv2.imencode(".jpg", image[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return np.ascontiguousarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1])


def degrade(image: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """The shared augmentation: maybe resize down and up, noise, JPEG (applied to reals and fakes alike)."""
    out = image
    h, w = out.shape[:2]
    if rng.random() < 0.35 * strength:
        f = rng.uniform(0.4, 0.9)
        small = cv2.resize(out, (max(8, int(w * f)), max(8, int(h * f))), interpolation=cv2.INTER_AREA)
        out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR if rng.random() < 0.5 else cv2.INTER_CUBIC)
    if rng.random() < 0.2 * strength:
        out = np.clip(out + rng.normal(0, rng.uniform(1, 4), out.shape), 0, 255).astype(np.uint8)
    if rng.random() < 0.75 * strength:
        out = jpeg(out, int(rng.integers(45, 96)))
    return out


def crop_degrade(crop: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """Post-alignment augmentation for both classes: global blur, down-up resize, JPEG, noise, sub-pixel shift.

    Applied after cropping so overall sharpness and compression carry no class information: the model
    has to find the local inconsistency of a blend instead. ``strength`` scales every probability.
    """
    out = crop
    h, w = out.shape[:2]
    if rng.random() < 0.3 * strength:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 1.0))
    if rng.random() < 0.3 * strength:
        f = rng.uniform(0.5, 0.95)
        small = cv2.resize(out, (max(8, int(w * f)), max(8, int(h * f))), interpolation=cv2.INTER_AREA)
        out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.3 * strength:
        m = np.float32([[1, 0, rng.uniform(-1, 1)], [0, 1, rng.uniform(-1, 1)]])
        out = cv2.warpAffine(out, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    if rng.random() < 0.15 * strength:
        out = np.clip(out + rng.normal(0, rng.uniform(1, 3), out.shape), 0, 255).astype(np.uint8)
    if rng.random() < 0.4 * strength:
        out = jpeg(out, int(rng.integers(60, 97)))
    return out
