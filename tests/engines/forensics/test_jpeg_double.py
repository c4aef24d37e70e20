"""Double JPEG compression map: aligned and non-aligned, from pixels alone and with the file's tables."""

import numpy as np
import pytest

from engines.evaluation.metrics import pixel_auc
from engines.forensics._jpeg_tables import IJG_LUMINANCE, ijg_scaled
from engines.forensics.double_jpeg import posterior_single
from engines.forensics.registry import Subject, run_analysis
from tests.engines.forensics._jpeg_forgeries import (
    aligned_double_splice,
    double_jpeg,
    natural_image,
    nonaligned_double_splice,
    single_jpeg,
)

# Measured on these 384×384 forgeries: aligned 60→90 AUC 0.98, 75→90 0.98; non-aligned 70→90 AUC 0.96–0.98
# for every tested grid shift. Bound stated: 0.9.
AUC_BOUND = 0.9


def _double(image, path=None, **params):
    return run_analysis("double_jpeg", Subject(image=image, path=path), params)


@pytest.mark.parametrize(("q_first", "q_final"), [(60, 90), (75, 90)])
def test_aligned_region_compressed_once_is_bright(q_first, q_final):
    image, mask, _ = aligned_double_splice(q_first, q_final)
    finding = _double(image)
    assert finding.heatmap.shape == mask.shape and finding.heatmap.dtype == np.float32
    assert 0.0 <= finding.heatmap.min() and finding.heatmap.max() <= 1.0
    assert pixel_auc(finding.heatmap, mask) >= AUC_BOUND
    assert finding.heatmap[mask].mean() > 0.6 and finding.heatmap[~mask].mean() < 0.1
    # the earlier steps it reports are, nearly all, the first save's (IJG) steps; from pixels alone the last step
    # of a frequency can be mistaken for a multiple of it, which then skews that frequency's estimate
    first = np.asarray(finding.details["first_steps"])
    used = first > 0
    assert used.sum() >= 8
    assert np.mean(first[used] == ijg_scaled(IJG_LUMINANCE, q_first)[used]) >= 0.8


def test_aligned_with_the_file_uses_its_tables(tmp_path):
    image, mask, data = aligned_double_splice(60, 90)
    path = tmp_path / "forged.jpg"
    path.write_bytes(data)
    finding = _double(image, path=path)
    last = ijg_scaled(IJG_LUMINANCE, 90)
    assert all(step == last[tuple(map(int, key.split(",")))] for key, step in finding.details["last_steps"].items())
    assert len(finding.details["fits"]) == 20
    assert pixel_auc(finding.heatmap, mask) >= AUC_BOUND


@pytest.mark.parametrize("quality", [75, 90])
def test_single_save_gives_an_empty_map(quality, tmp_path):
    image, data = single_jpeg(quality)
    path = tmp_path / "single.jpg"
    path.write_bytes(data)
    for finding in (_double(image), _double(image, path=path), _double(image, mode="non-aligned")):
        assert float(finding.heatmap.max()) == 0.0
        assert "No" in finding.summary


def test_untouched_double_save_is_quiet():
    finding = _double(double_jpeg(60, 90))
    assert "Double compression found" in finding.summary
    assert float((finding.heatmap > 0.5).mean()) < 0.02


def test_never_compressed_image_has_no_grid():
    finding = _double(natural_image())
    assert "No JPEG block grid" in finding.summary
    assert float(finding.heatmap.max()) == 0.0


@pytest.mark.parametrize("grid", [(3, 5), (2, 6), (0, 4)])
def test_nonaligned_grid_shift_is_found_and_region_is_bright(grid):
    image, mask, _ = nonaligned_double_splice(70, 90, grid)
    finding = _double(image, mode="non-aligned")
    assert finding.details["grid_shift"] == list(grid)
    assert pixel_auc(finding.heatmap, mask) >= AUC_BOUND
    aligned = _double(image, mode="aligned")  # the aligned model sees no earlier save here
    assert float(aligned.heatmap.max()) == 0.0


def test_posterior_falls_back_to_the_prior_without_evidence():
    ratio = np.array([[0.0, 5.0], [-5.0, 0.0]], np.float32)
    usable = np.array([[False, True], [True, True]])
    prob = posterior_single(ratio, usable, alpha=0.8, smoothing=1)
    assert prob[0, 0] == pytest.approx(0.2)  # no evidence: P(single) = 1 − α
    prior = np.log(0.8 / 0.2)
    assert prob[0, 1] == pytest.approx(1 / (1 + np.exp(5.0 + prior)))
    assert prob[1, 0] == pytest.approx(1 / (1 + np.exp(-5.0 + prior)))


@pytest.mark.parametrize(
    "image",
    [np.zeros((8, 8, 3), np.uint8), np.full((128, 128, 3), 128, np.uint8), np.zeros((64, 500, 3), np.uint8)],
    ids=["tiny", "flat", "black-strip"],
)
@pytest.mark.parametrize("mode", ["aligned", "non-aligned"])
def test_bad_input_gives_an_empty_map(image, mode):
    finding = _double(image, mode=mode)
    assert finding.heatmap.shape == image.shape[:2]
    assert float(finding.heatmap.max()) == 0.0
