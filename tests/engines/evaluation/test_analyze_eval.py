"""eval analyze: pairs discovery, per-tool metrics on generated splices, failures reported not raised."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from skimage import data

from engines.evaluation.analyze_eval import evaluate_analyses, format_table
from engines.evaluation.pairs import find_pairs


def _jpeg(arr, q):
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=q)
    return np.array(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _make_folder(root):
    base = _jpeg(data.astronaut()[::2, ::2], 60)
    donor = data.coffee()[::2, ::2][:256, :256]
    for i, (y, x) in enumerate([(20, 30), (120, 100)]):
        forged = base.copy()
        mask = np.zeros(base.shape[:2], np.uint8)
        forged[y : y + 100, x : x + 100] = donor[:100, :100]
        mask[y : y + 100, x : x + 100] = 255
        Image.fromarray(forged).save(root / f"f{i}.jpg", quality=95)
        Image.fromarray(mask).save(root / f"f{i}_gt.png")
    Image.fromarray(base).save(root / "real.jpg", quality=95)


def test_find_pairs(tmp_path):
    _make_folder(tmp_path)
    pairs = find_pairs(tmp_path)
    assert [p.image.name for p in pairs] == ["f0.jpg", "f1.jpg", "real.jpg"]
    assert [p.authentic for p in pairs] == [False, False, True]


def test_find_pairs_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        find_pairs(tmp_path / "missing")
    with pytest.raises(ValueError, match="no images"):
        find_pairs(tmp_path)


def test_ela_scores_on_generated_splices(tmp_path):
    _make_folder(tmp_path)
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    (result,) = evaluate_analyses(tmp_path, ["ela"])
    assert result["forged"] == 2 and result["images"] == 3
    assert result["pixel_auc"] > 0.7
    assert 0 < result["best_f1"] <= 1
    assert result["image_auc"] is not None
    assert any("broken.jpg" in e for e in result["errors"])
    table = format_table([result])
    assert "`ela`" in table and "pixel AUC" in table
