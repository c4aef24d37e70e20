"""Synthetic forgery generator: deterministic for a seed, masks match what was pasted / changed."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engines.localize import forgeries
from engines.localize.generator import KIND_WEIGHTS, KIND_WEIGHTS_2, ForgeryGenerator, random_crop
from engines.localize.postprocess import post_process
from engines.localize.regions import object_mask, random_blob
from tests.engines.localize._fixtures import photo, photo_pool


@pytest.fixture(scope="module")
def pool():
    return photo_pool()


def test_same_seed_same_samples_other_seed_differs(pool):
    a, b, c = ForgeryGenerator(pool, seed=3), ForgeryGenerator(pool, seed=3), ForgeryGenerator(pool, seed=4)
    for i in (0, 5, 11):
        sa, sb = a.sample(i), b.sample(i)
        assert np.array_equal(sa.image, sb.image) and np.array_equal(sa.mask, sb.mask)
        assert sa.kind == sb.kind and sa.recipe == sb.recipe
    # order of calls does not matter
    assert np.array_equal(a.sample(7).image, ForgeryGenerator(pool, seed=3).sample(7).image)
    differs = [not np.array_equal(a.sample(i).image, c.sample(i).image) for i in range(6)]
    assert sum(differs) >= 5


@pytest.mark.parametrize("kind", [k for k in KIND_WEIGHTS_2 if k != "authentic"])
def test_mask_covers_every_change_before_post_processing(pool, kind):
    gen = ForgeryGenerator(pool, seed=1, kinds={kind: 1.0}, post=False)
    for i in range(6):
        s = gen.sample(i)
        assert s.kind == kind and s.mask.any() and s.mask.shape == s.image.shape[:2]
        changed = np.abs(s.image.astype(int) - s.target.astype(int)).max(axis=2) > 2
        # feathered edges change pixels at most ~3 sigma (sigma <= 2) outside the mask
        near = cv2.dilate(s.mask.astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
        assert not (changed & ~near).any(), f"{kind} sample {i} changed pixels outside its mask"
        if kind in ("splice", "removal", "background") or (kind == "copy_move" and s.recipe["feather"] == 0):
            assert changed[s.mask].mean() > 0.2


def test_authentic_samples_have_empty_masks(pool):
    s = ForgeryGenerator(pool, seed=0, kinds={"authentic": 1.0}).sample(0)
    assert s.authentic and not s.mask.any() and s.image.shape[:2] == s.mask.shape


def test_paste_object_is_exact_without_feather():
    target, source = photo("astronaut", (96, 128)), photo("coffee", (96, 128))
    obj = np.zeros((96, 128), bool)
    obj[20:50, 30:70] = True
    obj[20:30, 30:40] = False
    patch, pmask = forgeries.warp_object(source, obj, 1.0, 0.0)
    out, mask = forgeries.paste_object(target, patch, pmask, (50, 10))
    assert mask.sum() == obj.sum()
    assert np.array_equal(out[mask], source[obj])
    assert np.array_equal(out[~mask], target[~mask])
    with pytest.raises(ValueError):
        forgeries.paste_object(target, patch, pmask, (80, 10))


def test_warp_scales_area():
    source = photo("coffee", (128, 128))
    obj = np.zeros((128, 128), bool)
    obj[32:96, 32:96] = True
    _, pmask = forgeries.warp_object(source, obj, 0.5, 30.0)
    assert pmask.sum() == pytest.approx(64 * 64 * 0.25, rel=0.1)


def test_misaligned_double_jpeg_keeps_image_and_mask_in_register():
    image = photo("chelsea", (120, 160))
    mask = np.zeros((120, 160), bool)
    mask[40:80, 50:100] = True
    seen = set()
    for seed in range(40):
        out, m, recipe = post_process(image, mask, np.random.default_rng(seed))
        seen.add(recipe["compression"])
        assert out.shape[:2] == m.shape
        if "shift" in recipe and "resize" not in recipe:
            dy, dx = recipe["shift"]
            assert out.shape[:2] == (120 - dy, 160 - dx) and m.sum() == mask[dy:, dx:].sum()
    assert seen == {"lossless", "jpeg", "double_jpeg_aligned", "double_jpeg_misaligned"}


def test_random_crop_focuses_on_the_mask():
    image = photo("astronaut", (300, 300))
    mask = np.zeros((300, 300), bool)
    mask[250:270, 10:30] = True
    rng = np.random.default_rng(0)
    crops = [random_crop(image, mask, 128, rng, focus_probability=1.0) for _ in range(10)]
    assert all(c[0].shape == (128, 128, 3) and c[1].any() for c in crops)
    small, small_mask = random_crop(image[:100, :90], mask[:100, :90], 128, rng)
    assert small.shape == (128, 128, 3) and small_mask.shape == (128, 128)


def test_regions():
    labels = np.zeros((100, 100), np.uint16)
    labels[10:30, 10:30] = 1  # 4 %
    labels[50:52, 50:52] = 2  # too small
    assert object_mask(labels, np.random.default_rng(0), 0.01, 0.3).sum() == 400
    assert object_mask(np.zeros((50, 50), np.uint16), np.random.default_rng(0)) is None
    blob = random_blob((200, 200), np.random.default_rng(1), 0.02, 0.05)
    assert 0.005 < blob.mean() < 0.12


def test_mix_one_never_replaces_backgrounds(pool):
    assert "background" not in KIND_WEIGHTS
    kinds = {ForgeryGenerator(pool, seed=2).sample(i).kind for i in range(40)}
    assert "background" not in kinds and len(kinds) >= 5
    with pytest.raises(ValueError, match="unknown forgery kinds"):
        ForgeryGenerator(pool, kinds={"teleport": 1.0})
