"""Colour PCA: orthonormal components and exact projections on synthetic colour sets."""

from __future__ import annotations

import numpy as np
import pytest

from engines.forensics import Subject, get_analysis, run_analysis
from engines.forensics.pca import fit_colour_pca, pca_map
from tests.engines.forensics._noise_forgeries import edge_case_images, natural_image

COLOURS = np.array([(200, 30, 30), (30, 200, 30), (30, 30, 200)], dtype=np.float64)


def _three_colours() -> np.ndarray:
    img = np.zeros((30, 30, 3), np.uint8)
    for i, colour in enumerate(COLOURS):
        img[i * 10 : (i + 1) * 10] = colour
    return img


def test_registered_in_detail_group():
    assert get_analysis("pca").group == "Detail and colour"


def test_components_are_orthonormal_and_sorted():
    pca = fit_colour_pca(natural_image("chelsea"))
    assert np.allclose(pca.components @ pca.components.T, np.eye(3), atol=1e-9)
    assert np.all(np.diff(pca.variances) <= 0)


def test_three_colour_known_answer():
    img = _three_colours()
    pca = fit_colour_pca(img)
    mean = COLOURS.mean(axis=0)
    assert np.allclose(pca.mean, mean)
    # the three colours span a plane perpendicular to the grey axis: component 3 is the grey axis
    assert np.allclose(np.abs(pca.components[2]), np.full(3, 1 / np.sqrt(3)), atol=1e-9)
    assert pca.variances[2] == pytest.approx(0.0, abs=1e-9)
    for k in (1, 2, 3):
        proj = pca_map(img, pca, k, "projection")
        for i, colour in enumerate(COLOURS):
            expected = (colour - mean) @ pca.components[k - 1]
            assert np.allclose(proj[i * 10 : (i + 1) * 10], expected, atol=1e-3)
    # every colour lies at the same distance from the grey axis through the mean
    dist = pca_map(img, pca, 3, "distance")
    assert np.allclose(dist, np.linalg.norm(COLOURS[0] - mean), atol=1e-3)


def test_grey_levels_lie_on_the_first_component():
    levels = np.repeat(np.linspace(10, 240, 24).astype(np.uint8), 24).reshape(24, 24)
    img = np.repeat(levels[:, :, None], 3, axis=2)
    pca = fit_colour_pca(img)
    assert np.allclose(pca.components[0], np.full(3, 1 / np.sqrt(3)), atol=1e-9)
    assert np.allclose(pca_map(img, pca, 1, "distance"), 0.0, atol=1e-3)


def test_finding_is_a_stretched_map():
    finding = run_analysis("pca", Subject(natural_image("coffee")), {"component": 3, "mode": "distance"})
    assert finding.heatmap.dtype == np.float32 and finding.heatmap.shape == (400, 600)
    assert finding.heatmap.min() == 0.0 and finding.heatmap.max() == 1.0
    assert np.asarray(finding.details["components"]).shape == (3, 3)


def test_bad_component_and_mode_are_refused():
    img = _three_colours()
    pca = fit_colour_pca(img)
    with pytest.raises(ValueError, match="component"):
        pca_map(img, pca, 4, "projection")
    with pytest.raises(ValueError, match="mode"):
        pca_map(img, pca, 1, "angle")
    with pytest.raises(ValueError):
        run_analysis("pca", Subject(img), {"component": 0})


@pytest.mark.parametrize("mode", ["projection", "distance"])
def test_edge_cases_do_not_crash(mode):
    for img in edge_case_images():
        finding = run_analysis("pca", Subject(img), {"mode": mode})
        assert finding.heatmap.shape == img.shape[:2]
        assert np.isfinite(finding.heatmap).all()
