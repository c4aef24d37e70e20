"""Principal component analysis of the RGB pixel values: projection on, or distance from, one component."""

from __future__ import annotations

import dataclasses
from typing import Any

import cv2
import numpy as np

from engines.findings import Finding
from engines.forensics._pixel_maps import check_rgb, stretch
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"
MODES = ("projection", "distance")
_MAX_FIT_PIXELS = 1_000_000


@dataclasses.dataclass(frozen=True)
class ColourPCA:
    """Mean colour, eigenvalues (descending) and unit eigenvectors (rows) of the RGB pixel cloud."""

    mean: np.ndarray  # (3,)
    variances: np.ndarray  # (3,)
    components: np.ndarray  # (3, 3), row k is component k+1


def fit_colour_pca(image: np.ndarray, max_pixels: int = _MAX_FIT_PIXELS) -> ColourPCA:
    """PCA of the image's RGB values (fitted on a regular subsample of at most ``max_pixels`` pixels).

    Each component's sign is fixed so that its largest-magnitude entry is positive.
    """
    rgb = check_rgb(image)
    h, w = rgb.shape[:2]
    step = int(np.ceil(np.sqrt(h * w / max_pixels))) if h * w > max_pixels else 1
    pixels = rgb[::step, ::step].reshape(-1, 3).astype(np.float64)
    mean = pixels.mean(axis=0)
    centred = pixels - mean
    cov = centred.T @ centred / max(len(pixels), 1)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1]
    values, vectors = np.clip(values[order], 0.0, None), vectors[:, order].T
    signs = np.sign(vectors[np.arange(3), np.argmax(np.abs(vectors), axis=1)])
    vectors = vectors * signs[:, None]
    return ColourPCA(mean=mean, variances=values, components=vectors)


def pca_map(image: np.ndarray, pca: ColourPCA, component: int, mode: str) -> np.ndarray:
    """Raw float32 map: signed projection of (pixel − mean) on component ``component`` (1..3), or the
    Euclidean distance of each pixel from the line through the mean along that component."""
    if component not in (1, 2, 3):
        raise ValueError(f"component must be 1, 2 or 3, got {component}")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    rgb = check_rgb(image).astype(np.float32)
    k = component - 1
    if mode == "projection":
        rows = pca.components[[k]]
    else:
        rows = np.delete(pca.components, k, axis=0)
    offsets = -(rows @ pca.mean)
    matrix = np.hstack([rows, offsets[:, None]]).astype(np.float32)
    projected = cv2.transform(rgb, matrix)
    if mode == "projection":
        return projected.reshape(rgb.shape[:2])
    return cv2.magnitude(np.ascontiguousarray(projected[:, :, 0]), np.ascontiguousarray(projected[:, :, 1]))


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    ctx.progress(0.05, "fitting colour components")
    image = check_rgb(subject.image)
    pca = fit_colour_pca(image)
    ctx.progress(0.4, "projecting")
    raw = pca_map(image, pca, params["component"], params["mode"])
    ctx.progress(0.8, "stretching")
    low = 0.0 if params["mode"] == "distance" else float(params["clip"])
    heat = stretch(raw, low, 100.0 - float(params["clip"]))
    total = float(pca.variances.sum())
    shares = pca.variances / total if total > 0 else np.zeros(3)
    comp = pca.components[params["component"] - 1]
    summary = (
        f"Component {params['component']} ({params['mode']}) of the RGB colour cloud; it carries "
        f"{shares[params['component'] - 1] * 100:.1f}% of the colour variance, direction "
        f"R {comp[0]:+.2f}, G {comp[1]:+.2f}, B {comp[2]:+.2f}. Minor components reveal colour noise "
        "and compression artefacts; a region whose texture or level differs there was often processed "
        "separately."
    )
    table = tuple(
        (f"Component {i + 1}", f"{shares[i] * 100:.1f}% · ({v[0]:+.2f}, {v[1]:+.2f}, {v[2]:+.2f})")
        for i, v in enumerate(pca.components)
    )
    details = {
        "mean": pca.mean,
        "variances": pca.variances,
        "components": pca.components,
        "variance_shares": shares,
    }
    return Finding(
        engine="pca",
        version=VERSION,
        params=dict(params),
        summary=summary,
        heatmap=heat,
        table=table,
        details=details,
    )


ANALYSIS = register(
    Analysis(
        id="pca",
        group="Detail and colour",
        title="Principal component analysis",
        how_to_read=(
            "Pixels are treated as points in RGB space and rotated onto their principal axes. Component 1 "
            "is mostly brightness; components 2 and 3 hold colour differences, fine noise and compression "
            "residue, where edits that were made separately (pasted, recoloured, retouched) often stand out. "
            "Projection shows the value along the component; distance shows how far each colour lies from "
            "that component's axis. Compare a suspect region with similar content elsewhere."
        ),
        params=(
            Param("component", "Component", "int", 2, 1, 3, 1, help="1 = strongest, 3 = weakest."),
            Param("mode", "Mode", "choice", "projection", choices=MODES, help="Projection or distance."),
            Param("clip", "Clip (%)", "float", 1.0, 0.0, 20.0, 0.5, help="Percent clipped at each end of the stretch."),
        ),
        output="map",
        run=_run,
        version=VERSION,
    )
)
