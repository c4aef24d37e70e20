"""Reproducible synthetic forgeries: sample ``i`` of a generator with seed ``s`` is always the same.

Kinds: splicing from another photo, copy-move, object removal by inpainting, local resampling /
blur / sharpening / noise, colour and illumination edits, large-region (background) replacement
(mix 2 only), and untouched (authentic) photos. Every
image (authentic ones too) then goes through random post-processing (see ``postprocess``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from engines.localize import forgeries
from engines.localize.pools import ImagePool
from engines.localize.postprocess import post_process
from engines.localize.regions import pick_region

KIND_WEIGHTS: dict[str, float] = {
    "splice": 0.26, "copy_move": 0.2, "removal": 0.12, "local": 0.14, "colour": 0.08, "authentic": 0.2,
}
# Mix 2 adds large-region replacement (e.g. a new sky); mix 1 (above) is unchanged so earlier runs reproduce.
KIND_WEIGHTS_2: dict[str, float] = {
    "splice": 0.24, "copy_move": 0.18, "removal": 0.11, "local": 0.13, "colour": 0.07, "background": 0.09,
    "authentic": 0.18,
}
MIXES = {1: KIND_WEIGHTS, 2: KIND_WEIGHTS_2}


@dataclasses.dataclass(frozen=True)
class ForgerySample:
    """One generated example. ``clean`` is the edited image before post-processing, ``target`` the
    untouched photo it was made from; ``mask`` (bool) marks the changed pixels of ``image``."""

    image: np.ndarray
    mask: np.ndarray
    kind: str
    recipe: dict[str, Any]
    clean: np.ndarray
    clean_mask: np.ndarray
    target: np.ndarray

    @property
    def authentic(self) -> bool:
        return not bool(self.mask.any())


class ForgeryGenerator:
    """Deterministic generator over an image pool."""

    def __init__(self, pool: ImagePool, seed: int = 0, kinds: dict[str, float] | None = None,
                 post: bool = True):
        weights = dict(kinds or KIND_WEIGHTS)
        unknown = set(weights) - set(KIND_WEIGHTS_2)
        if unknown or not weights:
            raise ValueError(f"unknown forgery kinds: {sorted(unknown)}")
        if len(pool) < 2 and (weights.get("splice", 0) > 0 or weights.get("background", 0) > 0):
            raise ValueError("splicing needs at least two photos in the pool")
        self.pool, self.seed, self.post = pool, int(seed), post
        self.kinds = tuple(weights)
        total = float(sum(weights.values()))
        self.weights = tuple(w / total for w in weights.values())

    def sample(self, index: int) -> ForgerySample:
        """The ``index``-th example (independent of any other call)."""
        rng = np.random.default_rng([self.seed, int(index)])
        kind = str(rng.choice(self.kinds, p=self.weights))
        t = int(rng.integers(len(self.pool)))
        target = self.pool.image(t)
        recipe: dict[str, Any] = {"target": t}
        if kind == "authentic":
            clean, mask = target.copy(), np.zeros(target.shape[:2], bool)
        elif kind == "splice":
            d = int((t + 1 + rng.integers(len(self.pool) - 1)) % len(self.pool))
            donor_mask, source = pick_region(self.pool, d, rng, 0.01, 0.25)
            clean, mask, extra = forgeries.splice(target, self.pool.image(d), donor_mask, rng)
            recipe.update(donor=d, region=source, **extra)
        elif kind == "background":
            d = int((t + 1 + rng.integers(len(self.pool) - 1)) % len(self.pool))
            region, source = pick_region(self.pool, t, rng, 0.2, 0.6)
            clean, mask, extra = forgeries.replace_background(target, self.pool.image(d), region, rng)
            recipe.update(donor=d, region=source, **extra)
        elif kind == "copy_move":
            region, source = pick_region(self.pool, t, rng, 0.01, 0.2)
            clean, mask, extra = forgeries.copy_move(target, region, rng)
            recipe.update(region=source, **extra)
        elif kind == "removal":
            region, source = pick_region(self.pool, t, rng, 0.01, 0.12)
            clean, mask, extra = forgeries.remove_object(target, region, rng)
            recipe.update(region=source, **extra)
        else:
            region, source = pick_region(self.pool, t, rng, 0.01, 0.3, blob_probability=0.3)
            edit = forgeries.local_edit if kind == "local" else forgeries.colour_edit
            clean, mask, extra = edit(target, region, rng)
            recipe.update(region=source, **extra)
        image, final_mask = clean, mask
        if self.post:
            image, final_mask, post = post_process(clean, mask, rng)
            recipe["post"] = post
        return ForgerySample(image=image, mask=final_mask, kind=kind, recipe=recipe, clean=clean, clean_mask=mask,
                             target=target)


def random_crop(image: np.ndarray, mask: np.ndarray, size: int, rng: np.random.Generator,
                focus_probability: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """A ``size``-square crop (reflect-padded when the image is smaller); with ``focus_probability``
    the crop is placed so that it contains part of the mask."""
    h, w = image.shape[:2]
    if h < size or w < size:
        ph, pw = max(0, size - h), max(0, size - w)
        image = np.pad(image, ((0, ph), (0, pw), (0, 0)), mode="reflect")
        mask = np.pad(mask, ((0, ph), (0, pw)), mode="constant")
        h, w = image.shape[:2]
    if mask.any() and rng.random() < focus_probability:
        ys, xs = np.nonzero(mask)
        k = int(rng.integers(ys.size))
        y = int(np.clip(ys[k] - rng.integers(size), 0, h - size))
        x = int(np.clip(xs[k] - rng.integers(size), 0, w - size))
    else:
        y, x = int(rng.integers(h - size + 1)), int(rng.integers(w - size + 1))
    return image[y:y + size, x:x + size], mask[y:y + size, x:x + size]
