"""Targets: MTCNN pieces, aligned crops, TorchScript user models and surrogate weights verification."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from engines.faces.align import align_face
from engines.models.manifest import WeightsError, shipped_model_dir
from engines.protect.mtcnn import crop_resize, detect_faces
from engines.protect.region import face_region
from engines.protect.surrogates import aligned_crop, aligned_grid, load_surrogate, shipped_surrogates
from engines.protect.targets import ROLES, Target, default_panel, mtcnn_targets, torchscript_target
from tests.engines.protect.protect_factory import portrait, torchscript_file


def _tensor(img: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(img.astype(np.float32) / 255.0).permute(2, 0, 1)[None]


def test_mtcnn_finds_the_known_face():
    faces = detect_faces(portrait())
    assert len(faces) == 1
    x0, y0, x1, y1 = faces[0].box
    # MTCNN measured (96, 49, 166, 138) on the 256-px portrait
    assert 86 < x0 < 106 and 156 < x1 < 176 and 39 < y0 < 59 and 128 < y1 < 148
    eyes = faces[0].landmarks5[:2]
    assert eyes[0, 0] < eyes[1, 0] and abs(eyes[0, 1] - eyes[1, 1]) < 10


def test_aligned_grid_matches_opencv_alignment():
    img = portrait()
    five = detect_faces(img)[0].landmarks5
    expected = align_face(img, five, 64, 0.35).astype(np.float32)
    crop = aligned_crop(_tensor(img), aligned_grid(five, 64, 0.35, img.shape[:2]))
    got = crop[0].permute(1, 2, 0).numpy() * 255
    assert np.abs(got - expected).mean() < 3.0  # bilinear vs area resampling differ slightly


def test_crop_resize_of_a_box_is_that_patch():
    img = portrait()
    patch = crop_resize(_tensor(img), np.array([64, 64, 128, 128], np.float32), 32)[0].permute(1, 2, 0).numpy()
    expected = img[64:128, 64:128].reshape(32, 2, 32, 2, 3).mean((1, 3)) / 255
    assert np.abs(patch - expected).mean() < 0.01


def test_mtcnn_targets_are_zero_on_the_clean_face_and_rise_when_it_is_hidden():
    img = portrait()
    face = detect_faces(img)[0]
    region = face_region(face, img.shape)
    clean = region.work_tensor(img)
    hidden = clean.clone()
    box = region.face_work.box.astype(int)
    hidden[..., box[1]:box[3], box[0]:box[2]] = 0.5  # a grey square over the face
    for target in mtcnn_targets():
        assert isinstance(target, Target) and target.role in ROLES
        target.prepare(clean, region.face_work)
        with torch.no_grad():
            assert float(target.loss(clean)) == pytest.approx(0.0, abs=1e-3)
            assert float(target.loss(hidden)) > 0.5 * target.goal, target.name


def test_torchscript_target_loads_and_measures_output_change(tmp_path):
    target = torchscript_target(torchscript_file(tmp_path), crop_size=32)
    img = portrait()
    face = detect_faces(img)[0]
    region = face_region(face, img.shape)
    clean = region.work_tensor(img)
    target.prepare(clean, region.face_work)
    with torch.no_grad():
        assert float(target.loss(clean)) == pytest.approx(0.0, abs=1e-9)
        assert float(target.loss(torch.clamp(clean + 0.1, 0, 1))) > 1e-4
    assert target.name == "user:editor" and target.role == "interrupt"


def test_torchscript_target_refuses_bad_files(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        torchscript_target(tmp_path / "missing.pt")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a TorchScript model"):
        torchscript_target(junk)
    with pytest.raises(ValueError, match="does not run"):
        torchscript_target(torchscript_file(tmp_path, "int.pt", broken_output=True))


def test_shipped_surrogates_load_verified_and_manipulate_faces():
    surrogates = shipped_surrogates()
    assert [s.name for s in surrogates] == ["protect_swap_ae", "protect_editor"]
    assert not any(s.held_out for s in surrogates)
    img = portrait()
    five = detect_faces(img)[0].landmarks5
    for s in surrogates:
        crop = aligned_crop(_tensor(img), aligned_grid(five, s.crop_size, s.margin, img.shape[:2]))
        with torch.no_grad():
            out = s.model(crop)
        assert out.shape == crop.shape
        assert 0.0005 < float(torch.mean((out - crop) ** 2)) < 0.05  # changes the face, keeps it a face
    held = load_surrogate(shipped_model_dir("protect_swap_ae_heldout"))
    assert held.held_out


def test_tampered_surrogate_weights_are_refused(tmp_path):
    folder = tmp_path / "protect_editor"
    shutil.copytree(shipped_model_dir("protect_editor"), folder)
    data = bytearray((folder / "weights.pt").read_bytes())
    data[-100] ^= 0xFF
    (folder / "weights.pt").write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="sha256"):
        load_surrogate(folder)


def test_default_panel_has_both_roles_and_user_models(tmp_path):
    panel = default_panel(extra=(torchscript_file(tmp_path),))
    roles = {t.role for t in panel}
    assert roles == {"interrupt", "poison"}
    assert panel[-1].name == "user:editor"


def test_onet_targets_jitter_their_box_only_while_searching():
    from engines.protect.targets import BOX_JITTER, ONetLandmarks

    img = portrait()
    face = detect_faces(img)[0]
    region = face_region(face, img.shape)
    clean = region.work_tensor(img)
    target = ONetLandmarks()
    target.prepare(clean, region.face_work)
    with torch.no_grad():
        assert np.array_equal(target._box(), target.box) and float(target.loss(clean)) < 1e-3
    side = float(target.box[2] - target.box[0])
    boxes = [target._box() for _ in range(20)]  # gradients on: the search's view
    shifts = np.abs(np.stack(boxes) - target.box) / side
    assert shifts.max() > 0.2 * BOX_JITTER and shifts.max() <= 2 * BOX_JITTER + 1e-6
    # landmarks are compared in image coordinates: a shifted crop of the clean face stays near the clean points
    jittered = [float(target.loss(clean)) for _ in range(10)]
    assert max(jittered) < 0.5 * target.goal
    target.prepare(clean, region.face_work)  # the jitter sequence restarts: the search is reproducible
    assert np.array_equal(target._box(), boxes[0])


def test_exported_user_model_reads_its_crop_size_and_passes_gradients(tmp_path):
    from engines.protect.targets import user_target
    from tests.engines.protect.protect_factory import exported_file

    target = user_target(exported_file(tmp_path, size=64))
    assert target.name == "user:editor" and target.crop_size == 64 and target.role == "interrupt"
    img = portrait()
    face = detect_faces(img)[0]
    clean = _tensor(img)
    target.prepare(clean, face)
    x = clean.clone().requires_grad_(True)
    bumped = x + 0.02 * torch.sin(torch.arange(x.numel(), dtype=torch.float32).reshape(x.shape))
    target.loss(bumped).backward()
    assert float(x.grad.abs().sum()) > 0
    junk = tmp_path / "junk.pt2"
    junk.write_bytes(b"PK not a program")
    with pytest.raises(ValueError, match="not an exported"):
        user_target(junk)
