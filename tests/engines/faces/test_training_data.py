"""Training and evaluation data for the face classifier, on the bundled astronaut: self-blends change
only the masked face, face swaps stay inside the face, augmentation keeps shapes; the training loop
saves, refuses to overwrite, resumes and exports a loadable model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engines.faces import default_detector
from engines.facetrain.blend import degrade, random_mask, self_blend
from engines.facetrain.pool import FaceRecord, extract_records, identity_of, is_eval_identity, split_pool
from engines.facetrain.samples import training_batch
from engines.facetrain.swap import face_swap
from tests.face_factory import astronaut


@pytest.fixture(scope="module")
def record() -> FaceRecord:
    img = astronaut()
    recs = extract_records(img, default_detector(tiles=3).detect(img), "astronaut", "skimage")
    assert len(recs) == 1
    return recs[0]


def test_self_blend_changes_only_the_masked_region(record):
    rng = np.random.default_rng(0)
    for _ in range(6):
        fake, mask = self_blend(record.image, record.mesh, rng)
        assert fake.shape == record.image.shape and mask.max() > 0.2
        outside = mask < 1e-4
        assert np.abs(fake[outside].astype(int) - record.image[outside]).max() <= 1
        assert np.abs(fake[mask > 0.5].astype(int) - record.image[mask > 0.5]).mean() > 0.5


def test_masks_lie_on_the_face(record):
    rng = np.random.default_rng(1)
    lo, hi = record.mesh.min(0) - 40, record.mesh.max(0) + 40
    for _ in range(10):
        m = random_mask(record.image.shape[:2], record.mesh, rng)
        ys, xs = np.nonzero(m > 0.05)
        assert xs.min() >= lo[0] and xs.max() <= hi[0] and ys.min() >= lo[1] and ys.max() <= hi[1]


def test_face_swap_stays_inside_the_target_face(record):
    rng = np.random.default_rng(2)
    other = FaceRecord(np.ascontiguousarray(record.image[:, ::-1]), record.landmarks5, record.mesh.copy(),
                       "mirror", "test")
    other.mesh[:, 0] = record.image.shape[1] - 1 - other.mesh[:, 0]
    swapped, mask = face_swap(record.image, record.mesh, other.image, other.mesh)
    diff = np.abs(swapped.astype(int) - record.image).sum(axis=2)
    # Poisson blending may reach a few pixels past the mask; nothing changes further away.
    grown = np.zeros_like(mask)
    ys, xs = np.nonzero(mask)
    grown[max(ys.min() - 12, 0) : ys.max() + 12, max(xs.min() - 12, 0) : xs.max() + 12] = True
    assert diff[~grown].max() == 0
    assert diff[mask].mean() > 2
    assert degrade(swapped, rng).shape == swapped.shape


def test_training_batch_is_balanced_and_sized(record):
    crops, labels = training_batch([record], 6, 64, np.random.default_rng(3))
    assert crops.shape == (6, 64, 64, 3) and crops.dtype == np.uint8 and labels.tolist() == [0, 1] * 3


def test_identity_split_keeps_held_out_celeba_faces_out_of_training(tmp_path):
    paths = [tmp_path / "celeba-hq" / f"ref_female_{i:06d}.jpg" for i in range(8)]
    ids = [identity_of(p) for p in paths]
    assert ids[0] == "celeba:000000"
    assert identity_of(tmp_path / "examples" / "obama-720p.jpg") == "obama"
    recs = [FaceRecord(np.zeros((4, 4, 3), np.uint8), np.zeros((5, 2)), np.zeros((468, 2)), i, "x") for i in ids]
    recs.append(FaceRecord(np.zeros((4, 4, 3), np.uint8), np.zeros((5, 2)), np.zeros((468, 2)), "obama", "x"))
    train, held = split_pool(recs)
    assert {r.identity for r in held} == {"celeba:000000", "celeba:000004"}
    assert not {r.identity for r in train} & {r.identity for r in held} and "obama" in {r.identity for r in train}
    assert is_eval_identity("celeba:000004", ids) and not is_eval_identity("obama", ids)


def test_training_saves_resumes_and_exports(record, tmp_path, monkeypatch):
    import torch

    from engines.detect.face_model import FaceForgeryModel
    from engines.facetrain import train as train_mod

    torch.set_num_threads(1)
    held = FaceRecord(record.image, record.landmarks5, record.mesh, "celeba:000000", "x")
    monkeypatch.setattr(train_mod, "load_pool", lambda *a, **k: [record, held])
    cfg = train_mod.FaceTrainConfig(data="unused", out=str(tmp_path), architecture="face_amten", minutes=0.02,
                                    batch=4, size=64, calibration_crops=4)
    lines: list[str] = []
    folder = train_mod.train(cfg, lines.append)
    assert any("1 held-out faces never used here" in line for line in lines)
    with pytest.raises(FileExistsError):
        train_mod.train(cfg, lines.append)
    first = torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"]
    cfg.resume, cfg.minutes = True, 0.04
    train_mod.train(cfg, lines.append)
    assert any(line.startswith(f"resumed at step {first}") for line in lines)
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"] > first
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["trim"]) >= {"entropy", "prediction_kl", "feature_kl"}
    model = FaceForgeryModel(folder)
    crops = np.zeros((1, 64, 64, 3), np.uint8)
    (score, trim), = model.score(crops)
    assert 0 <= score <= 1 and trim is not None
