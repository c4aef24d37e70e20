"""The common result object every analysis, detector and localizer returns."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np


@dataclasses.dataclass(frozen=True)
class Plot:
    """A 1-D curve to draw next to a map (e.g. a JPEG-ghost curve)."""

    title: str
    x: np.ndarray
    y: np.ndarray
    x_label: str = ""
    y_label: str = ""


@dataclasses.dataclass(frozen=True)
class Finding:
    """Outcome of one engine run on one image.

    ``heatmap`` is float32 in [0, 1] (H, W) or an RGB uint8 visualisation (H, W, 3);
    ``mask`` is a bool (H, W) array; ``score`` is in [0, 1] where higher means
    "more likely manipulated" when the engine can say so, else ``None``.
    """

    engine: str
    version: str
    params: dict[str, Any]
    summary: str
    heatmap: np.ndarray | None = None
    mask: np.ndarray | None = None
    score: float | None = None
    plots: tuple[Plot, ...] = ()
    table: tuple[tuple[str, str], ...] = ()
    details: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Plain-JSON view (maps are described by shape, not embedded)."""
        out: dict[str, Any] = {
            "engine": self.engine,
            "version": self.version,
            "params": dict(self.params),
            "summary": self.summary,
            "score": None if self.score is None else float(self.score),
        }
        if self.heatmap is not None:
            out["heatmap_shape"] = list(self.heatmap.shape)
        if self.mask is not None:
            out["mask_shape"] = list(self.mask.shape)
            out["mask_fraction"] = float(np.mean(self.mask))
        if self.plots:
            out["plots"] = [
                {"title": p.title, "x": np.asarray(p.x).tolist(), "y": np.asarray(p.y).tolist()} for p in self.plots
            ]
        if self.table:
            out["table"] = [list(row) for row in self.table]
        if self.details:
            out["details"] = _jsonable(self.details)
        return out


MAX_LISTED_VALUES = 4096


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.size > MAX_LISTED_VALUES:  # a full-size map: describe it, never list millions of numbers
            finite = value[np.isfinite(value)] if value.dtype.kind == "f" else value
            stats = {} if finite.size == 0 or value.dtype.kind not in "biuf" else {
                "min": float(finite.min()), "mean": float(finite.mean()), "max": float(finite.max())}
            return {"shape": list(value.shape), "dtype": str(value.dtype), **stats}
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
