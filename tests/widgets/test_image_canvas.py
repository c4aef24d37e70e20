"""ImageCanvas: image, heatmap and mask layers, style validation, twin view linking, readout."""

from __future__ import annotations

import numpy as np
import pytest

from widgets.colormaps import heatmap_to_rgba, mask_to_rgba
from widgets.image_canvas import ImageCanvas


@pytest.fixture
def canvas(qtbot):
    c = ImageCanvas()
    qtbot.addWidget(c)
    c.resize(600, 400)
    c.show()
    c.set_image(np.zeros((100, 200, 3), np.uint8))
    return c


def test_heatmap_layer_and_style(canvas):
    heat = np.zeros((100, 200), np.float32)
    heat[10:20, 30:40] = 1.0
    canvas.set_heatmap(heat, colormap="viridis", opacity=0.5, threshold=0.2)
    assert canvas.has_heatmap()
    rgba = canvas.rendered_heat_rgba()
    assert rgba.shape == (100, 200, 4)
    assert rgba[15, 35, 3] == 128  # value 1.0 at opacity 0.5
    assert rgba[50, 100, 3] == 0  # below threshold: transparent
    canvas.set_heat_style(opacity=0.0)
    assert canvas.rendered_heat_rgba()[15, 35, 3] == 0


def test_style_values_are_validated(canvas):
    with pytest.raises(ValueError, match="opacity"):
        canvas.set_heat_style(opacity=1.5)
    with pytest.raises(ValueError, match="threshold"):
        canvas.set_heat_style(threshold=-0.1)
    with pytest.raises(ValueError, match="does not match"):
        canvas.set_heatmap(np.zeros((10, 10), np.float32))


def test_mask_layer(canvas):
    mask = np.zeros((100, 200), bool)
    mask[5:9, 5:9] = True
    canvas.set_mask(mask, color=(0, 255, 0), opacity=1.0)
    img = canvas.rendered_mask_rgba()
    assert tuple(img[6, 6]) == (0, 255, 0, 255)
    assert img[50, 50, 3] == 0
    canvas.set_mask(None)
    assert not canvas.has_mask()


def test_new_image_of_other_size_clears_overlays(canvas):
    canvas.set_heatmap(np.ones((100, 200), np.float32))
    canvas.set_image(np.zeros((50, 50, 3), np.uint8))
    assert not canvas.has_heatmap()


def test_twin_view_is_linked(canvas, qtbot):
    canvas.set_twin(True)
    assert canvas.is_twin()
    canvas.set_heatmap(np.full((100, 200), 0.7, np.float32))
    assert canvas.rendered_heat_rgba(twin=True)[0, 0, 3] == 255  # the twin shows the map opaque
    canvas.view.setRange(xRange=(10, 60), yRange=(10, 40), padding=0)
    qtbot.wait(50)
    a, b = canvas.view.viewRange(), canvas.twin_view.viewRange()
    assert a[0] == pytest.approx(b[0], abs=1) and a[1] == pytest.approx(b[1], abs=1)
    canvas.set_twin(False)
    assert not canvas.is_twin()


def test_pixel_readout(canvas):
    img = np.zeros((100, 200, 3), np.uint8)
    img[7, 9] = (1, 2, 3)
    canvas.set_image(img)
    canvas.set_heatmap(np.full((100, 200), 0.25, np.float32))
    text = canvas.pixel_text(9, 7)
    assert "x 9" in text and "y 7" in text and "(1, 2, 3)" in text and "map 0.25" in text
    assert canvas.pixel_text(500, 500) == ""


def test_fit_and_zoom(canvas, qtbot):
    canvas.fit()
    qtbot.wait(20)
    (x0, x1), _ = canvas.view.viewRange()
    canvas.zoom(2.0)
    qtbot.wait(20)
    (z0, z1), _ = canvas.view.viewRange()
    assert (z1 - z0) == pytest.approx((x1 - x0) / 2, rel=0.05)
    canvas.zoom_1to1()


def test_colormap_helpers():
    rgba = heatmap_to_rgba(np.array([[0.0, 1.0]], np.float32), "gray", 0.0, 1.0)
    assert tuple(rgba[0, 1]) == (255, 255, 255, 255) and rgba[0, 0, 3] == 0
    with pytest.raises(ValueError):
        heatmap_to_rgba(np.zeros((2, 2)), "nope")
    with pytest.raises(ValueError):
        mask_to_rgba(np.zeros((2, 2), bool), opacity=2)
