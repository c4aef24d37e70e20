"""Inference: tiling, progress / cancel, the analysis' outputs, and the shipped weights on a known forgery."""

from __future__ import annotations

import itertools
import json
import shutil

import numpy as np
import pytest
import torch

from engines.evaluation.metrics import pixel_auc
from engines.forensics import Subject, get_analysis, run_analysis
from engines.localize import inference
from engines.localize.inference import LoadedLocalizer, load_localizer, localize, tile_spans
from engines.models import WeightsError, create_model, shipped_model_dir
from engines.runtime.jobs import Cancelled, JobContext
from tests.engines.localize._fixtures import photo, spliced_forgery

# The shipped model must separate the spliced ellipse from the rest this well (measured 0.999–1.000 at 160–256 px).
SHIPPED_AUC_BOUND = 0.95


@pytest.fixture(scope="module")
def tiny_loaded():
    torch.manual_seed(0)
    return LoadedLocalizer(model=create_model("localizer_tiny").eval(), manifest=None, device="cpu")


@pytest.fixture()
def restore_default_model():
    yield
    inference.use_model_dir(None)
    inference.clear_cache()


def test_tile_spans_cover_overlap_and_keep_the_jpeg_grid():
    assert tile_spans(500, 1024, 64) == [(0, 500)]
    for length in (1025, 2000, 3001, 4000):
        spans = tile_spans(length, 1024, 64)
        assert spans[0][0] == 0 and spans[-1][1] == length
        assert all(start % 16 == 0 and end - start <= 1024 + 16 for start, end in spans)
        assert all(a[1] - b[0] >= 64 for a, b in itertools.pairwise(spans))
    assert len(tile_spans(4000, 1024, 64)) == 5  # 864-px tiles, not 1024 ones with a mostly-overlapping last


def test_tiled_and_whole_image_outputs(tiny_loaded):
    image = photo("coffee", (300, 530))
    calls = []
    tiled = localize(image, tiny_loaded, tile=256, overlap=64, progress=lambda f, m: calls.append((f, m)))
    whole = localize(image, tiny_loaded)
    assert tiled.tiles == 6 and whole.tiles == 1
    for r in (tiled, whole):
        assert r.heatmap.shape == r.confidence.shape == r.mask.shape == (300, 530)
        assert r.heatmap.dtype == np.float32 and 0 <= r.heatmap.min() and r.heatmap.max() <= 1
        assert 0 <= r.confidence.min() and r.confidence.max() <= 1 and 0 <= r.score <= 1
        assert np.array_equal(r.mask, r.heatmap > 0.5)
    assert [m for _, m in calls if m.startswith("tile")] == [f"tile {i} of 6" for i in range(1, 7)]
    assert [f for f, _ in calls] == sorted(f for f, _ in calls)
    assert np.corrcoef(tiled.heatmap.ravel(), whole.heatmap.ravel())[0, 1] > 0.5


def test_bad_input_is_rejected(tiny_loaded):
    with pytest.raises(ValueError, match="RGB uint8"):
        localize(np.zeros((64, 64), np.uint8), tiny_loaded)
    with pytest.raises(ValueError, match="too small"):
        localize(np.zeros((8, 64, 3), np.uint8), tiny_loaded)
    with pytest.raises(ValueError, match="multiple of 16"):
        localize(np.zeros((64, 64, 3), np.uint8), tiny_loaded, tile=300)


def test_cancel_between_tiles(tiny_loaded):
    ctx = JobContext()
    seen = []

    def progress(fraction, message):
        seen.append(message)
        if len(seen) == 3:
            ctx.cancel()
        ctx.progress(fraction, message)

    with pytest.raises(Cancelled):
        localize(photo("chelsea", (300, 600)), tiny_loaded, tile=256, progress=progress)
    assert seen == ["tile 1 of 6", "tile 2 of 6", "tile 3 of 6"]


def test_shipped_model_localizes_a_splice():
    image, mask = spliced_forgery()
    result = localize(image, load_localizer())
    auc = pixel_auc(result.heatmap, mask)
    assert auc >= SHIPPED_AUC_BOUND, f"pixel AUC {auc:.3f}"
    assert result.heatmap[mask].mean() > result.heatmap[~mask].mean() + 0.2


def test_analysis_finding(restore_default_model):
    analysis = get_analysis("learned_localization")
    assert analysis.group == "Learned" and analysis.output == "map" and not analysis.needs_file
    image, _ = spliced_forgery((192, 256))
    finding = run_analysis("learned_localization", Subject(image=image), {"threshold": 0.4})
    assert finding.heatmap.shape == finding.mask.shape == (192, 256)
    assert np.array_equal(finding.mask, finding.heatmap > 0.4)
    d = finding.details
    assert d["integrity_score"] == pytest.approx(1 - finding.score)
    assert d["confidence"].shape == (192, 256) and len(d["weights_sha256"]) == 64
    assert "Integrity score" in finding.summary
    record = json.loads(json.dumps(finding.to_json()))  # the confidence map serialises as a description
    assert record["details"]["confidence"]["shape"] == [192, 256]
    with pytest.raises(ValueError, match="threshold"):
        run_analysis("learned_localization", Subject(image=image), {"threshold": 1.5})


def test_analysis_refuses_corrupted_weights(tmp_path, restore_default_model):
    copy = shutil.copytree(shipped_model_dir("localizer"), tmp_path / "localizer")
    weights = copy / "localizer.pt"
    data = bytearray(weights.read_bytes())
    data[len(data) // 3] ^= 0x01
    weights.write_bytes(bytes(data))
    inference.use_model_dir(copy)
    with pytest.raises(WeightsError, match="corrupted"):
        run_analysis("learned_localization", Subject(image=photo("coffee", (64, 64))))


def test_parallel_tiles_match_sequential_tiles(tiny_loaded):
    image = photo("coffee", (300, 530))
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert inference.tile_workers("cpu", 6) == 1
        sequential = localize(image, tiny_loaded, tile=256, overlap=64)
        torch.set_num_threads(2)
        assert inference.tile_workers("cpu", 6) == 2 and inference.tile_workers("cuda", 6) == 1
        parallel = localize(image, tiny_loaded, tile=256, overlap=64)
        assert torch.get_num_threads() == 2  # restored after the tiles ran single-threaded side by side
    finally:
        torch.set_num_threads(before)
    np.testing.assert_allclose(parallel.heatmap, sequential.heatmap, atol=1e-5)
    assert parallel.score == pytest.approx(sequential.score, abs=1e-5)


def test_fuse_evidence_weighs_error_levels_only_where_the_network_is_unsure():
    from engines.forensics.learned_localization import fuse_evidence

    network = np.array([[0.9, 0.1, 0.2]], np.float32)
    errors = np.array([[0.1, 0.9, 1.0]], np.float32)
    confidence = np.array([[1.0, 0.0, 0.5]], np.float32)
    np.testing.assert_allclose(fuse_evidence(network, confidence, errors), [[0.9, 0.5, 0.4]], atol=1e-6)


def test_analysis_fuses_the_error_level_sweep_by_default(restore_default_model):
    from engines.forensics.ela_sweep import default_sweep_heatmap
    from engines.forensics.learned_localization import fuse_evidence

    image, mask = spliced_forgery((192, 256))
    fused = run_analysis("learned_localization", Subject(image=image))
    alone = run_analysis("learned_localization", Subject(image=image), {"evidence": "network only"})
    d = fused.details
    assert set(d["map_layers"].values()) == {"confidence", "network_heatmap", "error_level_map"}
    np.testing.assert_allclose(d["network_heatmap"], alone.heatmap)
    np.testing.assert_allclose(d["error_level_map"], default_sweep_heatmap(image))
    np.testing.assert_allclose(fused.heatmap, fuse_evidence(alone.heatmap, d["confidence"], d["error_level_map"]))
    assert np.array_equal(fused.mask, fused.heatmap > 0.5) and fused.score == alone.score
    assert "network_heatmap" not in alone.details and "fused" in fused.summary
    assert pixel_auc(fused.heatmap, mask) >= SHIPPED_AUC_BOUND


def test_whole_image_error_levels_replace_the_per_tile_ones(tiny_loaded):
    from engines.localize.features import error_levels
    from engines.localize.postprocess import jpeg

    image = photo("coffee", (300, 530))
    qualities = tiny_loaded.model.ela_qualities
    resaved = {q: jpeg(image, q) for q in qualities}
    levels = error_levels(image, qualities, resaved)
    np.testing.assert_array_equal(levels, error_levels(image, qualities))  # reused round trips, same values
    whole = localize(image, tiny_loaded, levels=levels)
    np.testing.assert_array_equal(whole.heatmap, localize(image, tiny_loaded).heatmap)  # one tile: identical
    tiled = localize(image, tiny_loaded, tile=256, overlap=64, levels=levels)
    per_tile = localize(image, tiny_loaded, tile=256, overlap=64)
    assert np.corrcoef(tiled.heatmap.ravel(), per_tile.heatmap.ravel())[0, 1] > 0.99  # tile borders differ
    with pytest.raises(ValueError, match="do not fit"):
        localize(image, tiny_loaded, levels=levels[:, :, :1])
