"""Training the surrogates from a face pack: pack round trip, crops, a short real training run, export + load."""

from __future__ import annotations

import dataclasses
import json

import cv2
import numpy as np
import pytest
import torch

from engines.faces.align import align_face
from engines.models.manifest import WeightsError
from engines.protect.mtcnn import detect_faces
from engines.protect.surrogates import build, load_surrogate
from engines.protect.train_surrogates import (
    RECIPES,
    aligned_crops,
    export,
    fixed_edit,
    read_pack,
    train_one,
)
from tests.engines.protect.protect_factory import portrait


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """Two 'faces' (the portrait and its mirror image), one per group, with their MTCNN landmarks."""
    folder = tmp_path_factory.mktemp("pack")
    faces = []
    for name, img in (("ref_female_000001.jpg", portrait()), ("ref_male_000002.jpg", portrait()[:, ::-1])):
        img = np.ascontiguousarray(img)
        cv2.imwrite(str(folder / name), img[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 95])
        faces.append({"file": name, "landmarks5": detect_faces(img)[0].landmarks5.tolist()})
    (folder / "pack.json").write_text(json.dumps({"faces": faces, "held_out_identities": ["000003"]}))
    return folder


def test_pack_round_trip_and_unjittered_crops_match_align_face(pack):
    faces, held = read_pack(pack)
    assert [p.name for p, _ in faces] == ["ref_female_000001.jpg", "ref_male_000002.jpg"]
    assert held == ["000003"]
    crops, groups = aligned_crops(faces, 1, np.random.default_rng(0), 128, jitter=False)
    assert crops.shape == (2, 128, 128, 3) and groups.tolist() == [0, 1]
    image = cv2.imread(str(faces[0][0]))[:, :, ::-1]
    expected = align_face(np.ascontiguousarray(image), faces[0][1], 128, 0.35)
    assert np.abs(crops[0].astype(int) - expected.astype(int)).mean() < 2.0
    jittered, _ = aligned_crops(faces, 3, np.random.default_rng(0), 64)
    assert jittered.shape == (6, 64, 64, 3)
    assert np.abs(jittered[0].astype(int) - jittered[1].astype(int)).mean() > 2.0  # jitter changes each copy


def test_short_training_learns_the_edit_and_exports_a_verified_model(pack, tmp_path, monkeypatch):
    # the shipped recipe at 64 px and batch 8, so a few seconds of CPU give enough steps
    monkeypatch.setitem(RECIPES, "protect_editor", dataclasses.replace(RECIPES["protect_editor"], size=64, batch=8))
    faces, _ = read_pack(pack)
    crops, groups = aligned_crops(faces, 8, np.random.default_rng(0), RECIPES["protect_editor"].size)
    x = torch.from_numpy(crops).permute(0, 3, 1, 2).float() / 255
    target = torch.from_numpy(np.stack([fixed_edit(c) for c in crops])).permute(0, 3, 1, 2).float() / 255
    torch.manual_seed(RECIPES["protect_editor"].seed)
    untrained = build(RECIPES["protect_editor"].architecture, **RECIPES["protect_editor"].kwargs).eval()
    model, record = train_one("protect_editor", crops, groups, 4.0, lambda _: None)
    with torch.no_grad():
        before = float(torch.mean((untrained(x) - target) ** 2))
        after = float(torch.mean((model(x) - target) ** 2))
    assert record["steps"] > 10 and record["task"] == "edit"
    assert after < 0.7 * before  # the untrained residual net is the identity: MSE to the edit ≈ 0.007
    folder = export(model, "protect_editor", record, tmp_path)
    loaded = load_surrogate(folder)
    assert loaded.crop_size == RECIPES["protect_editor"].size and not loaded.held_out
    with torch.no_grad():
        assert torch.allclose(loaded.model(x), model(x), atol=0.02)  # float16 weights
    (folder / "weights.pt").write_bytes((folder / "weights.pt").read_bytes()[:-10])
    with pytest.raises(WeightsError):
        load_surrogate(folder)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_recipe_builds_for_its_crop_size(name):
    recipe = RECIPES[name]
    model = build(recipe.architecture, **recipe.kwargs).eval()
    x = torch.rand(1, 3, recipe.size, recipe.size)
    with torch.no_grad():
        out = model(x)
        feats = model.features(x)
    assert out.shape == x.shape and float(out.min()) >= 0 and float(out.max()) <= 1
    assert feats.shape[-1] < recipe.size
    if recipe.task == "swap":
        assert model.decode(x, 0).shape == x.shape
