"""Training end to end on a fake BSDS500 folder: checkpoint, resume, export with a verified manifest."""

from __future__ import annotations

import json

import pytest
import torch

from engines.localize.train import TrainConfig, learning_rate, train
from engines.models import build_from_manifest, load_manifest
from tests.engines.localize._fixtures import fake_bsds


def test_train_resume_and_export(tmp_path):
    data = fake_bsds(tmp_path / "data")
    out = tmp_path / "run"
    cfg = TrainConfig(data=str(data), out=str(out), minutes=0.001, batch=2, crop=64, validation_images=3,
                      warmup_steps=1)
    lines = []
    folder = train(cfg, lines.append)
    manifest = load_manifest(folder)
    assert manifest.raw["training"]["steps"] >= 1 and manifest.raw["training"]["train_splits"] == ["train", "test"]
    build_from_manifest(manifest)
    steps_before = manifest.raw["training"]["steps"]
    with pytest.raises(FileExistsError, match="--resume"):
        train(cfg, lines.append)
    elapsed = torch.load(out / "checkpoint.pt", weights_only=False)["state"]["elapsed"]
    cfg.resume, cfg.minutes = True, elapsed / 60.0 + 0.001  # one more step
    train(cfg, lines.append)
    assert any(line.startswith("resumed at step") for line in lines)
    assert load_manifest(folder).raw["training"]["steps"] > steps_before
    kinds = [json.loads(x)["kind"] for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert kinds.count("val") >= 2


def test_learning_rate_schedule():
    cfg = TrainConfig(data="", out="", minutes=10, lr=1e-3, warmup_steps=10)
    assert learning_rate(cfg, 0, 0) == pytest.approx(1e-4)
    assert learning_rate(cfg, 10, 0) == pytest.approx(1e-3)
    assert learning_rate(cfg, 100, 300) == pytest.approx(1e-3 * (0.05 + 0.95 * 0.5))
    assert learning_rate(cfg, 100, 10_000) == pytest.approx(5e-5)
