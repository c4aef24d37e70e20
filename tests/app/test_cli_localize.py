"""``truelens eval localize|analyze`` and ``truelens train localize``: results, baselines, failures."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np

from app.cli import run
from engines.localize import inference
from engines.models import shipped_model_dir
from tests.engines.localize._fixtures import photo, spliced_forgery


def _pairs(root):
    root.mkdir()
    for i, size in enumerate([(160, 224), (192, 192)]):
        image, mask = spliced_forgery(size)
        cv2.imwrite(str(root / f"f{i}.png"), image[:, :, ::-1])
        cv2.imwrite(str(root / f"f{i}_gt.png"), mask.astype(np.uint8) * 255)
    cv2.imwrite(str(root / "real.png"), photo("chelsea", (160, 224))[:, :, ::-1])
    return root


def test_eval_localize_with_baseline(tmp_path, capsys):
    pairs = _pairs(tmp_path / "pairs")
    assert run(["eval", "localize", "--pairs", str(pairs), "--baseline", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    learned = report["learned"]
    assert learned["tool"] == "learned_localization" and learned["forged"] == 2 and learned["images"] == 3
    assert learned["pixel_auc"] > 0.5 and learned["image_auc"] is not None and not learned["errors"]
    tools = {r["tool"] for r in report["results"]}
    assert {"ela", "noise_inconsistency"} <= tools and "margin" in report
    alone = next(r for r in report["results"] if r["tool"] == "learned_localization:network_heatmap")
    assert alone["forged"] == 2 and alone["pixel_auc"] > 0.5  # the unfused map, scored from the same run


def test_eval_localize_text_and_bad_folder(tmp_path, capsys):
    pairs = _pairs(tmp_path / "pairs")
    assert run(["eval", "localize", "--pairs", str(pairs)]) == 0
    assert "Learned localization" in capsys.readouterr().out
    assert run(["eval", "localize", "--pairs", str(tmp_path / "missing")]) == 1
    assert "not a folder" in capsys.readouterr().err


def test_eval_localize_refuses_corrupted_model(tmp_path, capsys):
    pairs = _pairs(tmp_path / "pairs")
    copy = shutil.copytree(shipped_model_dir("localizer"), tmp_path / "model")
    data = bytearray((copy / "localizer.pt").read_bytes())
    data[100] ^= 0xFF
    (copy / "localizer.pt").write_bytes(bytes(data))
    try:
        assert run(["eval", "localize", "--pairs", str(pairs), "--model", str(copy)]) == 1
    finally:
        inference.use_model_dir(None)
        inference.clear_cache()
    assert "corrupted" in capsys.readouterr().err


def test_eval_analyze_dispatch(tmp_path, capsys):
    pairs = _pairs(tmp_path / "pairs")
    assert run(["eval", "analyze", "--pairs", str(pairs), "--tool", "ela"]) == 0
    assert "`ela`" in capsys.readouterr().out
    assert run(["eval", "analyze", "--pairs", str(pairs), "--tool", "nope"]) == 2
    assert run(["eval", "analyze", "--pairs", str(pairs), "--baseline"]) == 2


def test_train_argument_errors(tmp_path, capsys):
    assert run(["train", "localize", "--data", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "BSDS500 not found" in capsys.readouterr().err
    assert run(["train", "localize", "--out", str(tmp_path / "o"), "--crop", "100"]) == 2
