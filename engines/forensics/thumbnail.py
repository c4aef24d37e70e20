"""Thumbnail mismatch: compare the embedded EXIF thumbnail with the main image shrunk to the same size."""

from __future__ import annotations

import base64
from typing import Any

import cv2
import numpy as np

from engines.findings import Finding
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.media.exif_tree import thumbnail_image
from engines.media.meta_nodes import PARSE_ERRORS
from engines.media.metadata import read_metadata
from engines.runtime.jobs import JobContext

VERSION = "1.0"
ASPECT_TOLERANCE = 0.03
FULL_SCORE_FRACTION = 0.02  # this share of changed thumbnail pixels gives score 1
_BORDER_LEVEL = 16


def trim_borders(thumb: np.ndarray) -> np.ndarray:
    """Remove black letterbox/pillarbox bars (rows/columns whose brightest value is near black)."""
    bright = thumb.max(axis=2) > _BORDER_LEVEL
    rows = np.flatnonzero(bright.any(axis=1))
    cols = np.flatnonzero(bright.any(axis=0))
    if rows.size == 0 or cols.size == 0:
        return thumb
    return thumb[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _aspect(height: int, width: int) -> float:
    return width / max(height, 1)


def _crop_to_aspect(thumb: np.ndarray, target: float) -> np.ndarray:
    """Centre crop of the non-black area of ``thumb`` with exactly the target aspect ratio."""
    bright = thumb.max(axis=2) > _BORDER_LEVEL
    rows = np.flatnonzero(bright.any(axis=1))
    cols = np.flatnonzero(bright.any(axis=0))
    h, w = thumb.shape[:2]
    if _aspect(h, w) < target:  # too tall: bars above and below
        size = min(h, max(1, round(w / target)))
        centre = (rows[0] + rows[-1] + 1) / 2 if rows.size else h / 2
        start = int(min(max(round(centre - size / 2), 0), h - size))
        return thumb[start : start + size]
    size = min(w, max(1, round(h * target)))
    centre = (cols[0] + cols[-1] + 1) / 2 if cols.size else w / 2
    start = int(min(max(round(centre - size / 2), 0), w - size))
    return thumb[:, start : start + size]


def fit_thumbnail(thumb: np.ndarray, image_shape: tuple[int, ...]) -> tuple[np.ndarray, str]:
    """The thumbnail with letterbox bars removed when that brings its aspect ratio in line with the image.

    Bars are recognised when trimming near-black borders lands within a few percent of the image's aspect;
    the crop is then centred on the content with exactly that aspect (JPEG ringing blurs the bar edges).
    """
    target = _aspect(image_shape[0], image_shape[1])
    if abs(_aspect(*thumb.shape[:2]) - target) / target <= ASPECT_TOLERANCE:
        return thumb, ""
    trimmed = trim_borders(thumb)
    if abs(_aspect(*trimmed.shape[:2]) - target) / target <= 2 * ASPECT_TOLERANCE:
        return _crop_to_aspect(thumb, target), "letterbox bars removed from the thumbnail"
    return thumb, (
        f"aspect ratio differs: image {image_shape[1]}×{image_shape[0]}, thumbnail {thumb.shape[1]}×{thumb.shape[0]} "
        "(the image may have been cropped after the thumbnail was made)"
    )


def thumbnail_difference(image: np.ndarray, thumb: np.ndarray) -> np.ndarray:
    """Per-pixel max-channel |thumbnail − shrunk image| at thumbnail size (float32 grey levels).

    Both are lightly blurred first so JPEG noise of the tiny thumbnail does not dominate.
    """
    h, w = thumb.shape[:2]
    small = cv2.resize(np.ascontiguousarray(image), (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    ref = thumb.astype(np.float32)
    small = cv2.GaussianBlur(small, (3, 3), 0)
    ref = cv2.GaussianBlur(ref, (3, 3), 0)
    return np.abs(small - ref).max(axis=2)


def _changed(diff: np.ndarray, threshold: float) -> np.ndarray:
    mask = (diff > threshold).astype(np.uint8)
    if min(mask.shape) >= 3:
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    return mask.astype(bool)


def _no_thumbnail(params: dict[str, Any], summary: str, details: dict[str, Any]) -> Finding:
    return Finding(engine="thumbnail", version=VERSION, params=dict(params), summary=summary, details=details)


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    assert subject.path is not None  # guaranteed by needs_file
    ctx.progress(0.1, "reading EXIF thumbnail")
    report = read_metadata(subject.path)
    blob = report.thumbnail
    if blob is None:
        details = {"has_thumbnail": False, "warnings": list(report.warnings)}
        return _no_thumbnail(params, "No embedded EXIF thumbnail (normal for many files).", details)
    try:
        thumb = np.asarray(thumbnail_image(blob), dtype=np.uint8)
    except (*PARSE_ERRORS, cv2.error) as exc:
        details = {"has_thumbnail": True, "decodable": False, "error": str(exc)[:200]}
        return _no_thumbnail(params, f"An EXIF thumbnail is present but cannot be decoded ({exc}).", details)
    ctx.progress(0.5, "comparing")
    fitted, note = fit_thumbnail(thumb, subject.image.shape)
    diff = thumbnail_difference(subject.image, fitted)
    threshold = float(params["threshold"])
    changed = _changed(diff, threshold)
    fraction = float(changed.mean())
    score = min(1.0, fraction / FULL_SCORE_FRACTION)
    if note.startswith("aspect"):
        score = max(score, 0.5)
    height, width = subject.image.shape[:2]
    heat_small = np.clip(diff / (2.0 * threshold), 0.0, 1.0).astype(np.float32)
    heatmap = cv2.resize(heat_small, (width, height), interpolation=cv2.INTER_LINEAR)
    mask = cv2.resize(changed.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST).astype(bool)
    ctx.progress(0.9, "summarising")
    summary = (
        f"EXIF thumbnail {thumb.shape[1]}×{thumb.shape[0]}: {fraction * 100:.1f}% of its pixels differ from the "
        f"image by more than {threshold:.0f} levels (mean difference {float(diff.mean()):.1f})."
    )
    if note:
        summary += f" Note: {note}."
    details = {
        "has_thumbnail": True,
        "thumbnail_size": [int(thumb.shape[1]), int(thumb.shape[0])],
        "thumbnail_jpeg_base64": base64.b64encode(blob).decode("ascii"),
        "changed_fraction": fraction,
        "mean_difference": float(diff.mean()),
        "max_difference": float(diff.max()),
        "note": note,
    }
    return Finding(
        engine="thumbnail",
        version=VERSION,
        params=dict(params),
        summary=summary,
        heatmap=heatmap,
        mask=mask,
        score=score,
        details=details,
    )


ANALYSIS = register(
    Analysis(
        id="thumbnail",
        group="Metadata",
        title="Thumbnail mismatch",
        how_to_read=(
            "Cameras store a small preview (thumbnail) in EXIF. Some editors change the picture but leave the "
            "old thumbnail, so it still shows the original. The map is the difference between the thumbnail and "
            "the image shrunk to the same size, blown up to full size: bright regions were probably changed after "
            "the thumbnail was written. A uniform faint map means they agree; a different aspect ratio suggests "
            "cropping. Having no thumbnail is normal."
        ),
        params=(
            Param(
                "threshold",
                "Change threshold",
                "int",
                32,
                4,
                128,
                1,
                help="Grey-level difference above which a thumbnail pixel counts as changed.",
            ),
        ),
        output="map",
        run=_run,
        version=VERSION,
        needs_file=True,
    )
)
