"""Learned localization: the trained localizer's heatmap, mask, confidence and integrity score.

By default the heatmap is the network's map fused with the error-level sweep (``fuse_evidence``): the
network's own confidence decides how much the classical JPEG evidence counts, never more than half.

Torch and the weights load only when the analysis first runs (then stay cached). The weights are
checked against the sha256 in their manifest; a mismatch is refused with a clear error.
"""

from __future__ import annotations

import concurrent.futures
from typing import Any

import numpy as np

from engines.findings import Finding
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.1"
EVIDENCE = ("network + error levels", "network only")


def fuse_evidence(heatmap: np.ndarray, confidence: np.ndarray, error_map: np.ndarray) -> np.ndarray:
    """Confidence-weighted fusion: ``w·network + (1 − w)·error levels`` with ``w = (1 + confidence) / 2``.

    Where the network is sure (confidence 1) its map stands alone; where it is unsure (confidence 0) the
    error-level sweep counts as much as the network. The two fail on different images (the network on
    smooth pasted objects, the sweep where the paste was re-compressed like its host)."""
    weight = np.clip(confidence, 0.0, 1.0).astype(np.float32)  # in place from here: 12-MP maps are 48 MB each
    weight += 1.0
    weight *= 0.5
    fused = np.subtract(heatmap, error_map, dtype=np.float32)
    fused *= weight
    fused += error_map
    return np.clip(fused, 0.0, 1.0, out=fused)


def integrity_reading(score: float) -> str:
    """Plain-language reading of the image-level P(manipulated)."""
    if score >= 0.8:
        return "strong signs of manipulation"
    if score >= 0.5:
        return "some signs of manipulation"
    if score >= 0.2:
        return "no clear sign of manipulation, but the model is not sure"
    return "consistent with an unedited photo (not proof that it is one)"


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    from engines.forensics._sweep import sweep_map
    from engines.forensics.ela_sweep import DEFAULT_SWEEP, default_sweep_heatmap
    from engines.localize.features import error_levels
    from engines.localize.inference import load_localizer, localize
    from engines.localize.postprocess import jpeg

    ctx.progress(0.02, "loading the localizer")
    loaded = load_localizer()
    fused = params["evidence"] == EVIDENCE[0]
    image = subject.image
    levels, sweep = None, None
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:  # the sweep fills the tiles' idle gaps
        if fused:  # the JPEG round trips the network's inputs need are shared with the sweep
            model_qualities = tuple(getattr(loaded.model, "ela_qualities", ()))
            shared = [q for q in model_qualities if q in DEFAULT_SWEEP]
            ctx.progress(0.03, "re-saving as JPEG")
            resaved = dict(zip(shared, sweep_map(lambda q: jpeg(image, q), shared), strict=True))
            levels = error_levels(image, model_qualities, resaved) if model_qualities else None
            sweep = pool.submit(default_sweep_heatmap, image, resaved)
        result = localize(image, loaded, threshold=params["threshold"], tile=params["tile"], levels=levels,
                          progress=lambda f, m: ctx.progress(f * (0.9 if fused else 1.0), m))
        if sweep is not None:
            ctx.progress(0.9, "error levels for the fusion")
            error_map = sweep.result()
    network_map, heatmap = result.heatmap, result.heatmap
    layers = {"Confidence (bright = heads agree)": "confidence"}
    extra: dict[str, Any] = {}
    if fused:
        heatmap = fuse_evidence(network_map, result.confidence, error_map)
        layers.update({"Network only": "network_heatmap", "Error level sweep": "error_level_map"})
        extra = {"network_heatmap": network_map, "error_level_map": error_map}
    mask = heatmap > params["threshold"]
    ctx.progress(0.97, "summarising")
    integrity = 1.0 - result.score
    marked = float(mask.mean())
    conf_marked = float(result.confidence[mask].mean()) if mask.any() else float("nan")
    summary = (
        f"Integrity score {integrity:.2f} of 1 ({integrity_reading(result.score)}). "
        f"{marked * 100:.1f}% of the pixels are marked as likely manipulated"
        + (f" (mean confidence on the marked pixels {conf_marked:.2f})." if mask.any() else ".")
        + (" Map: network fused with the error-level sweep." if fused else "")
    )
    sha = loaded.manifest.sha256 if loaded.manifest is not None else ""
    table = (
        ("Integrity score (1 = looks unedited)", f"{integrity:.3f}"),
        ("Manipulation probability", f"{result.score:.3f}"),
        ("Marked area", f"{marked * 100:.2f}%"),
        ("Mean confidence (whole image)", f"{float(result.confidence.mean()):.3f}"),
        ("Mean confidence (marked pixels)", "—" if not mask.any() else f"{conf_marked:.3f}"),
        ("Evidence", params["evidence"]),
        ("Tiles", str(result.tiles)),
        ("Device", loaded.device),
        ("Weights sha256", sha[:16]),
    )
    details = {
        "integrity_score": integrity, "manipulated_probability": result.score,
        "confidence": np.asarray(result.confidence),
        "map_layers": layers, **extra,
        "weights_sha256": sha, "device": loaded.device, "tiles": result.tiles, "seconds": round(result.seconds, 3),
    }
    return Finding(engine="learned_localization", version=VERSION, params=dict(params), summary=summary,
                   heatmap=heatmap, mask=mask, score=result.score, table=table, details=details)


ANALYSIS = register(
    Analysis(
        id="learned_localization",
        group="Learned",
        title="Learned localization",
        how_to_read=(
            "A neural network trained on synthetic forgeries (splicing, copy-move, removal, local retouching, "
            "colour edits, with JPEG and resizing) marks pixels it believes were edited. Bright = likely "
            "manipulated; the mask is the map above the threshold. The confidence map is low where the "
            "network's two opposing heads (manipulated vs authentic) disagree or the value is near 0.5. The "
            "integrity score (0–1, higher = looks unedited) is an image-level judgement. By default the map also "
            "weighs the error-level sweep (JPEG re-save evidence) where the network is unsure; the 'Map' choice "
            "shows the network alone and the sweep alone. The network was trained on "
            "research data and can miss edits it never saw (e.g. AI generation); treat it as a pointer "
            "for closer inspection with the other tools, not as proof."
        ),
        params=(
            Param("threshold", "Mask threshold", "float", 0.5, 0.05, 0.95, 0.05,
                  help="Heatmap level above which a pixel is marked."),
            Param("tile", "Tile size", "int", 1024, 512, 2048, 256,
                  help="Larger images are processed in overlapping tiles of this size."),
            Param("evidence", "Evidence", "choice", EVIDENCE[0], choices=EVIDENCE,
                  help="The network's map alone, or fused with the error-level sweep where the network is unsure."),
        ),
        output="map",
        run=_run,
        version=VERSION,
    )
)
