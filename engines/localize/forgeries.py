"""Forgery operations. Each returns the edited RGB uint8 image and the bool mask of what it changed.

``paste_object`` is the shared core of splicing and copy-move: cut the masked object from a source,
scale / rotate it, and composite it at a position in the target (optionally with a feathered edge).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from engines.localize.postprocess import jpeg
from engines.localize.regions import composite, feathered_alpha

_INTERPOLATIONS = (cv2.INTER_NEAREST, cv2.INTER_LINEAR, cv2.INTER_CUBIC)


def warp_object(source: np.ndarray, mask: np.ndarray, scale: float, angle: float,
                interpolation: int = cv2.INTER_LINEAR) -> tuple[np.ndarray, np.ndarray]:
    """The masked object's bounding box scaled and rotated about its centre: (patch RGB, hard mask)."""
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        raise ValueError("empty object mask")
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    crop, m = source[y0:y1, x0:x1], mask[y0:y1, x0:x1].astype(np.float32)
    if scale == 1.0 and angle == 0.0:
        return crop.copy(), m > 0.5
    h, w = crop.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle, scale)
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float64) @ matrix.T
    nw = max(1, int(np.ceil(corners[:, 0].max() - corners[:, 0].min())))
    nh = max(1, int(np.ceil(corners[:, 1].max() - corners[:, 1].min())))
    matrix[:, 2] -= corners.min(axis=0)
    patch = cv2.warpAffine(crop, matrix, (nw, nh), flags=interpolation, borderMode=cv2.BORDER_REFLECT)
    warped = cv2.warpAffine(m, matrix, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=0.0)
    return patch, warped > 0.5


def paste_object(target: np.ndarray, patch: np.ndarray, patch_mask: np.ndarray, position: tuple[int, int],
                 feather: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Composite ``patch`` (where ``patch_mask``) into ``target`` with its top-left at ``position`` (y, x)."""
    py, px = position
    ph, pw = patch.shape[:2]
    h, w = target.shape[:2]
    if py < 0 or px < 0 or py + ph > h or px + pw > w:
        raise ValueError("the patch does not fit at that position")
    mask = np.zeros((h, w), bool)
    mask[py:py + ph, px:px + pw] = patch_mask
    full_patch = target.copy()
    full_patch[py:py + ph, px:px + pw] = patch
    return composite(target, full_patch, feathered_alpha(mask, feather)), mask


def _warp_to_fit(source: np.ndarray, mask: np.ndarray, target_shape: tuple[int, int], scale: float, angle: float,
                 interpolation: int) -> tuple[np.ndarray, np.ndarray, float]:
    """``warp_object``, shrinking the scale until the result fits into 90 % of the target."""
    while True:
        patch, pmask = warp_object(source, mask, scale, angle, interpolation)
        if (patch.shape[0] <= 0.9 * target_shape[0] and patch.shape[1] <= 0.9 * target_shape[1]) or scale < 0.05:
            return patch, pmask, scale
        scale *= 0.8


def _random_geometry(rng: np.random.Generator, scale_range: tuple[float, float], max_angle: float,
                     ) -> tuple[float, float, int]:
    if rng.random() < 0.35:
        return 1.0, 0.0, cv2.INTER_LINEAR
    angle = float(rng.uniform(-max_angle, max_angle)) if rng.random() < 0.5 else 0.0
    return float(rng.uniform(*scale_range)), angle, int(rng.choice(_INTERPOLATIONS, p=(0.1, 0.5, 0.4)))


def splice(target: np.ndarray, donor: np.ndarray, donor_mask: np.ndarray, rng: np.random.Generator,
           ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Paste an object cut from another photo (own compression history, optional colour match)."""
    recipe: dict[str, Any] = {}
    if rng.random() < 0.5:
        q = int(rng.integers(50, 96))
        donor = jpeg(donor, q)
        recipe["donor_jpeg"] = q
    scale, angle, interp = _random_geometry(rng, (0.6, 1.4), 25.0)
    patch, pmask, scale = _warp_to_fit(donor, donor_mask, target.shape[:2], scale, angle, interp)
    if rng.random() < 0.4:
        strength = float(rng.uniform(0.5, 1.0))
        shift = (target.reshape(-1, 3).mean(0) - patch[pmask].mean(0)) * strength
        patch = np.clip(patch.astype(np.float32) + shift, 0, 255).astype(np.uint8)
        recipe["colour_match"] = round(strength, 2)
    position = _random_position(target.shape[:2], patch.shape[:2], rng)
    feather = float(rng.choice([0.0, rng.uniform(0.5, 2.0)]))
    image, mask = paste_object(target, patch, pmask, position, feather)
    recipe.update(scale=round(scale, 3), angle=round(angle, 1), feather=round(feather, 2), position=position)
    return image, mask, recipe


def copy_move(target: np.ndarray, source_mask: np.ndarray, rng: np.random.Generator,
              ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Duplicate an object of the same photo elsewhere (scale / rotation / mirror); mask = the copy only."""
    scale, angle, interp = _random_geometry(rng, (0.7, 1.3), 35.0)
    patch, pmask, scale = _warp_to_fit(target, source_mask, target.shape[:2], scale, angle, interp)
    mirrored = bool(rng.random() < 0.15)
    if mirrored:
        patch, pmask = patch[:, ::-1].copy(), pmask[:, ::-1].copy()
    best, best_overlap = None, 2.0
    for _ in range(12):
        pos = _random_position(target.shape[:2], patch.shape[:2], rng)
        region = source_mask[pos[0]:pos[0] + patch.shape[0], pos[1]:pos[1] + patch.shape[1]]
        overlap = float((region & pmask).sum()) / max(1, int(pmask.sum()))
        if overlap < best_overlap:
            best, best_overlap = pos, overlap
        if overlap < 0.05:
            break
    feather = float(rng.choice([0.0, rng.uniform(0.5, 1.5)]))
    image, mask = paste_object(target, patch, pmask, best, feather)
    recipe = {"scale": round(scale, 3), "angle": round(angle, 1), "mirrored": mirrored, "feather": round(feather, 2),
              "position": best, "overlap": round(best_overlap, 3)}
    return image, mask, recipe


def replace_background(target: np.ndarray, donor: np.ndarray, region: np.ndarray, rng: np.random.Generator,
                       ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Replace a large region (sky, wall, ground) with the same area of another photo resized to fit."""
    recipe: dict[str, Any] = {}
    if rng.random() < 0.5:
        q = int(rng.integers(50, 96))
        donor = jpeg(donor, q)
        recipe["donor_jpeg"] = q
    h, w = target.shape[:2]
    filler = cv2.resize(donor, (w, h), interpolation=int(rng.choice([cv2.INTER_LINEAR, cv2.INTER_CUBIC,
                                                                      cv2.INTER_AREA])))
    if rng.random() < 0.5:
        strength = float(rng.uniform(0.3, 0.8))
        shift = (target[region].mean(0) - filler[region].mean(0)) * strength
        filler = np.clip(filler.astype(np.float32) + shift, 0, 255).astype(np.uint8)
        recipe["colour_match"] = round(strength, 2)
    feather = float(rng.choice([0.0, rng.uniform(0.5, 2.0)]))
    recipe["feather"] = round(feather, 2)
    return composite(target, filler, feathered_alpha(region, feather)), region.copy(), recipe


def remove_object(target: np.ndarray, object_mask: np.ndarray, rng: np.random.Generator,
                  ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Erase an object by inpainting (OpenCV Telea or Navier-Stokes); mask = the inpainted area."""
    grow = int(rng.integers(1, 6))
    mask = cv2.dilate(object_mask.astype(np.uint8), np.ones((2 * grow + 1, 2 * grow + 1), np.uint8))
    radius = int(rng.integers(3, 8))
    method = cv2.INPAINT_TELEA if rng.random() < 0.5 else cv2.INPAINT_NS
    bgr = cv2.inpaint(np.ascontiguousarray(target[:, :, ::-1]), mask, radius, method)
    recipe = {"grow": grow, "radius": radius, "method": "telea" if method == cv2.INPAINT_TELEA else "ns"}
    return np.ascontiguousarray(bgr[:, :, ::-1]), mask.astype(bool), recipe


def local_edit(target: np.ndarray, region: np.ndarray, rng: np.random.Generator,
               ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Resampling, blur, sharpening, noise or median filtering inside a region."""
    op = str(rng.choice(["resample", "rescale", "blur", "sharpen", "noise", "median"]))
    img = target.astype(np.float32)
    recipe: dict[str, Any] = {"op": op}
    if op == "resample":
        f = float(rng.uniform(0.4, 0.8))
        h, w = target.shape[:2]
        small = cv2.resize(target, (max(8, round(w * f)), max(8, round(h * f))), interpolation=cv2.INTER_AREA)
        edited = cv2.resize(small, (w, h), interpolation=int(rng.choice([cv2.INTER_LINEAR, cv2.INTER_CUBIC])))
        recipe["factor"] = round(f, 3)
    elif op == "rescale":
        s = float(rng.choice([rng.uniform(0.8, 0.93), rng.uniform(1.08, 1.25)]))
        ys, xs = np.nonzero(region)
        matrix = cv2.getRotationMatrix2D((float(xs.mean()), float(ys.mean())), 0.0, s)
        edited = cv2.warpAffine(target, matrix, target.shape[1::-1], flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REFLECT)
        recipe["scale"] = round(s, 3)
    elif op == "blur":
        sigma = float(rng.uniform(0.8, 2.5))
        edited = cv2.GaussianBlur(target, (0, 0), sigma)
        recipe["sigma"] = round(sigma, 2)
    elif op == "sharpen":
        amount = float(rng.uniform(0.6, 2.0))
        edited = np.clip(img + amount * (img - cv2.GaussianBlur(img, (0, 0), float(rng.uniform(1.0, 2.0)))), 0, 255)
        recipe["amount"] = round(amount, 2)
    elif op == "noise":
        sigma = float(rng.uniform(3.0, 10.0))
        shape = target.shape if rng.random() < 0.5 else (*target.shape[:2], 1)
        edited = np.clip(img + rng.normal(0.0, sigma, shape), 0, 255)
        recipe["sigma"] = round(sigma, 2)
    else:
        k = int(rng.choice([3, 5]))
        edited = cv2.medianBlur(target, k)
        recipe["kernel"] = k
    feather = float(rng.uniform(0.0, 1.5))
    recipe["feather"] = round(feather, 2)
    return composite(target, edited, feathered_alpha(region, feather)), region.copy(), recipe


def colour_edit(target: np.ndarray, region: np.ndarray, rng: np.random.Generator,
                ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Gamma, brightness / contrast, hue, saturation or channel-gain change inside a region."""
    op = str(rng.choice(["gamma", "brightness_contrast", "hue", "saturation", "channel_gain"]))
    img = target.astype(np.float32)
    recipe: dict[str, Any] = {"op": op}
    if op == "gamma":
        g = float(rng.choice([rng.uniform(0.6, 0.85), rng.uniform(1.2, 1.6)]))
        edited = 255.0 * (img / 255.0) ** g
        recipe["gamma"] = round(g, 3)
    elif op == "brightness_contrast":
        a, b = float(rng.uniform(0.75, 1.3)), float(rng.uniform(-25, 25))
        edited = img * a + b
        recipe.update(contrast=round(a, 3), brightness=round(b, 1))
    elif op in ("hue", "saturation"):
        hsv = cv2.cvtColor(target, cv2.COLOR_RGB2HSV).astype(np.float32)
        if op == "hue":
            d = float(rng.choice([-1, 1]) * rng.uniform(6, 25))
            hsv[..., 0] = (hsv[..., 0] + d) % 180
            recipe["shift"] = round(d, 1)
        else:
            f = float(rng.choice([rng.uniform(0.4, 0.75), rng.uniform(1.3, 1.8)]))
            hsv[..., 1] = np.clip(hsv[..., 1] * f, 0, 255)
            recipe["factor"] = round(f, 3)
        edited = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
    else:
        gains = rng.uniform(0.8, 1.2, 3)
        edited = img * gains
        recipe["gains"] = [round(float(g), 3) for g in gains]
    feather = float(rng.uniform(0.0, 1.5))
    recipe["feather"] = round(feather, 2)
    edited = np.clip(edited, 0, 255)
    return composite(target, edited, feathered_alpha(region, feather)), region.copy(), recipe


def _random_position(shape: tuple[int, int], patch: tuple[int, int], rng: np.random.Generator) -> tuple[int, int]:
    return int(rng.integers(0, max(1, shape[0] - patch[0] + 1))), int(rng.integers(0, max(1, shape[1] - patch[1] + 1)))
