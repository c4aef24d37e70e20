"""Weights manifests: sha256 verified before loading, corrupted or swapped weights refused clearly."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from engines.localize.export import MAX_WEIGHTS_BYTES, export_model
from engines.models import (
    WeightsError,
    build_from_manifest,
    create_model,
    load_manifest,
    sha256_file,
    shipped_model_dir,
)
from engines.models import backbone as backbone_module


@pytest.fixture()
def exported(tmp_path):
    torch.manual_seed(0)
    model = create_model("localizer_tiny")
    folder = export_model(model, tmp_path / "tiny", "localizer_tiny", {"note": "test"})
    return model, folder


def _flip_bytes(path, offset_fraction=0.5, count=4):
    data = bytearray(path.read_bytes())
    start = int(len(data) * offset_fraction)
    for i in range(start, start + count):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def test_round_trip_through_the_manifest(exported):
    model, folder = exported
    manifest = load_manifest(folder)
    assert manifest.architecture == "localizer_tiny" and sha256_file(manifest.weights_path) == manifest.sha256
    loaded = build_from_manifest(manifest)
    x = torch.rand(1, 3, 32, 48)
    ela = torch.rand(1, len(model.ela_qualities), 32, 48) if getattr(model, "ela_qualities", None) else None
    model.eval()
    with torch.no_grad():
        a, b = model(x, ela)["logit"], loaded(x, ela)["logit"]
    assert torch.allclose(a, b, atol=0.05)  # fp16 storage


def test_corrupted_copy_is_refused(exported, tmp_path):
    _, folder = exported
    copy = shutil.copytree(folder, tmp_path / "copy")
    _flip_bytes(copy / "localizer.pt")
    with pytest.raises(WeightsError, match=r"corrupted.*refusing to load"):
        build_from_manifest(load_manifest(copy))
    build_from_manifest(load_manifest(folder))  # the original still loads


def test_missing_or_malformed_manifest_entries(exported, tmp_path):
    _, folder = exported
    with pytest.raises(WeightsError, match="not found"):
        load_manifest(tmp_path / "nowhere")
    raw = json.loads((folder / "manifest.json").read_text())
    bad = tmp_path / "bad"
    bad.mkdir()
    for change, message in [
        (lambda r: r.pop("licence"), "lacks licence"),
        (lambda r: r["weights"].update(sha256="abc"), "not a 64-digit"),
        (lambda r: r["weights"].update(file="../localizer.pt"), "plain name"),
    ]:
        edited = json.loads(json.dumps(raw))
        change(edited)
        (bad / "manifest.json").write_text(json.dumps(edited))
        with pytest.raises(WeightsError, match=message):
            load_manifest(bad)
    (bad / "manifest.json").write_text("{not json")
    with pytest.raises(WeightsError, match="unreadable"):
        load_manifest(bad)
    (bad / "manifest.json").write_text(json.dumps(raw))
    with pytest.raises(WeightsError, match="missing"):
        build_from_manifest(load_manifest(bad))


def test_weights_of_another_architecture_are_refused(exported, tmp_path):
    _, folder = exported
    raw = json.loads((folder / "manifest.json").read_text())
    raw["architecture"] = "localizer_mnv2"
    copy = shutil.copytree(folder, tmp_path / "other")
    (copy / "manifest.json").write_text(json.dumps(raw))
    with pytest.raises(WeightsError, match="do not fit"):
        build_from_manifest(load_manifest(copy))


def test_shipped_weights_verify():
    manifest = load_manifest(shipped_model_dir("localizer"))
    assert manifest.weights_path.stat().st_size <= MAX_WEIGHTS_BYTES
    assert sha256_file(manifest.weights_path) == manifest.sha256
    assert manifest.raw["training"]["steps"] > 0 and "BSDS500" in manifest.raw["licence"]["weights"]


def test_imagenet_backbone_checkpoint_is_verified(tmp_path, monkeypatch):
    state = backbone_module.load_imagenet_state()
    assert "features.0.0.weight" in state
    copy = tmp_path / "mobilenet_v2.pth"
    shutil.copy(backbone_module.imagenet_checkpoint_path(), copy)
    _flip_bytes(copy, 0.9)
    monkeypatch.setattr(backbone_module, "imagenet_checkpoint_path", lambda: copy)
    with pytest.raises(WeightsError, match="pinned sha256"):
        backbone_module.load_imagenet_state()
