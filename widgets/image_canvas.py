"""ImageCanvas: zoom/pan image view with overlay layers and an optional synced twin view."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from widgets.colormaps import mask_lut, overlay_lut, to_levels

pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)


def _make_view() -> tuple[pg.ViewBox, pg.ImageItem]:
    view = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
    view.setBackgroundColor((32, 32, 36))
    item = pg.ImageItem()
    view.addItem(item)
    return view, item


class ImageCanvas(QtWidgets.QWidget):
    """Shows an RGB image with a heatmap layer and a mask layer on top.

    * ``fit()`` / ``zoom_1to1()``; the mouse wheel zooms and dragging pans.
    * ``pixel_hovered(x, y, text)`` is emitted as the mouse moves; ``readout`` shows it.
    * ``set_twin(True)`` shows the processed map beside the image with linked zoom and pan.
    """

    pixel_hovered = QtCore.Signal(int, int, str)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.ci.setContentsMargins(0, 0, 0, 0)
        self._graphics.ci.setSpacing(2)
        self.view, self.image_item = _make_view()
        self.heat_item = pg.ImageItem()
        self.mask_item = pg.ImageItem()
        for layer, z in ((self.heat_item, 10), (self.mask_item, 20)):
            layer.setZValue(z)
            self.view.addItem(layer)
        self.twin_view, self.twin_item = _make_view()
        self.twin_view.setXLink(self.view)
        self.twin_view.setYLink(self.view)
        self._graphics.addItem(self.view, row=0, col=0)
        self._twin = False
        self.readout = QtWidgets.QLabel(" ")
        self.readout.setObjectName("pixelReadout")
        self.readout.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self._graphics, 1)
        layout.addWidget(self.readout)
        self._image: np.ndarray | None = None
        self._heat: np.ndarray | None = None
        self._mask: np.ndarray | None = None
        self._heat_style = {"colormap": "inferno", "opacity": 0.6, "threshold": 0.0}
        self._mask_style = {"color": (255, 40, 40), "opacity": 0.45}
        self._graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)

    # ----------------------------------------------------------------- image
    def set_image(self, image: np.ndarray, keep_view: bool = False) -> None:
        """Show an RGB (H, W, 3) or grey (H, W) uint8 image; fits the view unless ``keep_view``."""
        if image.ndim not in (2, 3):
            raise ValueError(f"expected a 2-D or 3-D array, got shape {image.shape}")
        same_size = self._image is not None and self._image.shape[:2] == image.shape[:2]
        self._image = image
        # uint8 without levels takes pyqtgraph's zero-copy QImage path (no per-pixel rescale)
        self.image_item.setImage(image, autoLevels=False, levels=None)
        if self._heat is not None and self._heat.shape[:2] != image.shape[:2]:
            self.clear_overlays()
        if not (keep_view and same_size):
            self.fit()

    def image(self) -> np.ndarray | None:
        return self._image

    def clear(self) -> None:
        self._image = None
        self.image_item.clear()
        self.clear_overlays()

    # --------------------------------------------------------------- overlays
    def set_heatmap(self, heat: np.ndarray | None, *, colormap: str | None = None,
                    opacity: float | None = None, threshold: float | None = None) -> None:
        """Show a map over the image; ``None`` removes it.

        ``heat`` is float [0, 1] (H, W), uint8 levels (H, W) — cheapest, colours come from a lookup
        table applied at screen resolution — or an RGB uint8 (H, W, 3) visualisation.
        """
        if heat is not None and self._image is not None and heat.shape[:2] != self._image.shape[:2]:
            raise ValueError(f"heatmap shape {heat.shape[:2]} does not match image {self._image.shape[:2]}")
        self._heat = None if heat is None else (heat if heat.ndim == 3 else to_levels(heat))
        self._heat_changed = True
        self.set_heat_style(colormap=colormap, opacity=opacity, threshold=threshold)

    def set_heat_style(self, *, colormap: str | None = None, opacity: float | None = None,
                       threshold: float | None = None) -> None:
        """Change colormap, opacity (0..1) or threshold (0..1) of the heatmap layer."""
        if opacity is not None and not 0.0 <= opacity <= 1.0:
            raise ValueError(f"opacity must be within 0..1, got {opacity}")
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be within 0..1, got {threshold}")
        for key, value in (("colormap", colormap), ("opacity", opacity), ("threshold", threshold)):
            if value is not None:
                self._heat_style[key] = value
        self._render_heat()

    def _render_heat(self) -> None:
        if self._heat is None:
            self.heat_item.clear()
            self.twin_item.clear()
            return
        style = self._heat_style
        if self._heat.ndim == 3:  # an RGB visualisation: no colormap, opacity only
            if getattr(self, "_heat_changed", True):
                self.heat_item.setImage(self._heat, autoLevels=False, levels=(0, 255), lut=None)
                self.twin_item.setImage(self._heat, autoLevels=False, levels=(0, 255), lut=None)
            self.heat_item.setOpacity(style["opacity"])
        else:
            lut = overlay_lut(style["colormap"], style["threshold"], style["opacity"])
            twin_lut = overlay_lut(style["colormap"], style["threshold"], 1.0, ramp=False)
            self.heat_item.setOpacity(1.0)
            if getattr(self, "_heat_changed", True):
                self.heat_item.setImage(self._heat, autoLevels=False, levels=(0, 255), lut=lut)
                self.twin_item.setImage(self._heat, autoLevels=False, levels=(0, 255), lut=twin_lut)
            else:
                self.heat_item.setLookupTable(lut)
                self.twin_item.setLookupTable(twin_lut)
        self._heat_changed = False

    def set_mask(self, mask: np.ndarray | None, *, color: tuple[int, int, int] | None = None,
                 opacity: float | None = None) -> None:
        """Show a bool mask in one colour; ``None`` removes it."""
        if mask is not None and self._image is not None and mask.shape[:2] != self._image.shape[:2]:
            raise ValueError(f"mask shape {mask.shape} does not match image {self._image.shape[:2]}")
        if opacity is not None and not 0.0 <= opacity <= 1.0:
            raise ValueError(f"opacity must be within 0..1, got {opacity}")
        if color is not None:
            self._mask_style["color"] = color
        if opacity is not None:
            self._mask_style["opacity"] = opacity
        self._mask = None if mask is None else mask.astype(bool, copy=False)
        if self._mask is None:
            self.mask_item.clear()
        else:
            self.mask_item.setImage(self._mask.view(np.uint8), autoLevels=False, levels=(0, 1),
                                    lut=mask_lut(self._mask_style["color"], self._mask_style["opacity"]))

    def clear_overlays(self) -> None:
        self._heat = None
        self._mask = None
        self.heat_item.clear()
        self.mask_item.clear()
        self.twin_item.clear()

    def has_heatmap(self) -> bool:
        return self._heat is not None

    def heatmap(self) -> np.ndarray | None:
        """The map drawn over the image (uint8 levels or RGB), or None."""
        return self._heat

    def has_mask(self) -> bool:
        return self._mask is not None

    def heat_style(self) -> dict:
        return dict(self._heat_style)

    def rendered_heat_rgba(self, twin: bool = False) -> np.ndarray | None:
        """The heatmap layer as the RGBA pixels it is drawn with (for tests and export)."""
        if self._heat is None:
            return None
        if self._heat.ndim == 3:
            alpha = 1.0 if twin else self._heat_style["opacity"]
            return np.dstack([self._heat, np.full(self._heat.shape[:2], round(alpha * 255), np.uint8)])
        item = self.twin_item if twin else self.heat_item
        return item.lut[self._heat]

    def rendered_mask_rgba(self) -> np.ndarray | None:
        """The mask layer as drawn (RGBA)."""
        return None if self._mask is None else self.mask_item.lut[self._mask.view(np.uint8)]

    # -------------------------------------------------------------- twin view
    def set_twin(self, enabled: bool) -> None:
        """Show the processed map in a second view beside the image, zoom and pan locked."""
        if enabled == self._twin:
            return
        self._twin = enabled
        if enabled:
            self._graphics.addItem(self.twin_view, row=0, col=1)
        else:
            self._graphics.removeItem(self.twin_view)

    def is_twin(self) -> bool:
        return self._twin

    def show_beside(self, picture: np.ndarray) -> None:
        """Show an RGB uint8 picture of the image's size in the twin view (a before/after comparison): the
        image stays on the left, overlays are removed, zoom and pan stay linked."""
        if self._image is None or picture.shape[:2] != self._image.shape[:2] or picture.ndim != 3:
            raise ValueError(f"comparison picture {picture.shape} does not match the image")
        self.set_mask(None)
        self.set_heatmap(None)
        self.twin_item.setImage(picture, autoLevels=False, levels=(0, 255), lut=None)
        self.set_twin(True)

    def beside(self) -> np.ndarray | None:
        """What the twin view shows (the processed map or a comparison picture)."""
        return self.twin_item.image if self._twin else None

    # ------------------------------------------------------------- navigation
    def fit(self) -> None:
        """Fit the whole image in the view."""
        if self._image is not None:
            h, w = self._image.shape[:2]
            self.view.setRange(QtCore.QRectF(0, 0, w, h), padding=0.02)

    def zoom_1to1(self) -> None:
        """One image pixel per screen pixel, centred on the current view centre."""
        if self._image is None:
            return
        rect = self.view.viewRect()
        size = self.view.size()
        cx, cy = rect.center().x(), rect.center().y()
        w, h = size.width(), size.height()
        self.view.setRange(QtCore.QRectF(cx - w / 2, cy - h / 2, w, h), padding=0)

    def zoom(self, factor: float) -> None:
        """Zoom in (factor > 1) or out around the view centre."""
        self.view.scaleBy((1 / factor, 1 / factor))

    def view_rect(self) -> QtCore.QRectF:
        return self.view.viewRect()

    # ---------------------------------------------------------------- readout
    def pixel_text(self, x: int, y: int) -> str:
        """Readout text for image pixel (x, y), including the overlay value when present."""
        if self._image is None or not (0 <= y < self._image.shape[0] and 0 <= x < self._image.shape[1]):
            return ""
        value = self._image[y, x]
        text = f"x {x}  y {y}  RGB {tuple(int(v) for v in np.atleast_1d(value))}"
        if self._heat is not None:
            hv = self._heat[y, x]
            text += f"  map {float(hv) / 255:.3f}" if np.ndim(hv) == 0 else f"  map {tuple(int(v) for v in hv)}"
        if self._mask is not None:
            text += f"  mask {'yes' if self._mask[y, x] else 'no'}"
        return text

    def _on_mouse_moved(self, pos: QtCore.QPointF) -> None:
        for view in (self.view, self.twin_view) if self._twin else (self.view,):
            if view.sceneBoundingRect().contains(pos):
                point = view.mapSceneToView(pos)
                x, y = int(np.floor(point.x())), int(np.floor(point.y()))
                text = self.pixel_text(x, y)
                if text:
                    self.readout.setText(text)
                    self.pixel_hovered.emit(x, y, text)
                return
