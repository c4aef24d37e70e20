import numpy as np
import pytest

from engines.evaluation.metrics import best_f1, f1_score, pixel_auc, roc_auc


def test_auc_perfect_random_and_inverted():
    labels = np.array([0, 0, 1, 1])
    assert roc_auc(np.array([0.1, 0.2, 0.8, 0.9]), labels) == 1.0
    assert roc_auc(np.array([0.9, 0.8, 0.2, 0.1]), labels) == 0.0
    assert roc_auc(np.array([0.5, 0.5, 0.5, 0.5]), labels) == 0.5


def test_auc_matches_pairwise_definition():
    rng = np.random.default_rng(0)
    s = rng.random(200)
    y = rng.random(200) > 0.6
    pairs = [(a > b) + 0.5 * (a == b) for a in s[y] for b in s[~y]]
    assert roc_auc(s, y) == pytest.approx(np.mean(pairs))


def test_pixel_auc_shape_mismatch_raises():
    with pytest.raises(ValueError):
        pixel_auc(np.zeros((4, 4)), np.zeros((4, 5)))


def test_f1_and_best_f1():
    gt = np.zeros((10, 10), bool)
    gt[2:5, 2:5] = True
    assert f1_score(gt, gt) == 1.0
    assert f1_score(~gt, gt) == 0.0
    heat = gt.astype(float) * 0.8 + 0.1
    f, t = best_f1(heat, gt)
    assert f == 1.0 and 0.1 <= t < 0.9


def test_finding_json_describes_large_arrays_and_lists_small_ones():
    from engines.findings import Finding

    big = np.linspace(0, 1, 100 * 100, dtype=np.float32).reshape(100, 100)
    record = Finding("x", "1", {}, "s", details={"map": big, "small": np.arange(3)}).to_json()
    assert record["details"]["map"] == {"shape": [100, 100], "dtype": "float32", "min": 0.0, "mean": pytest.approx(0.5),
                                        "max": 1.0}
    assert record["details"]["small"] == [0, 1, 2]
