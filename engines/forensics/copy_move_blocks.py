"""Block-based copy-move detection for flat and low-texture areas (translation only).

Method (after Fridrich, Soukal and Lukáš, "Detection of copy-move forgery in digital images", DFRWS
2003): every overlapping square block of a grey, possibly shrunk copy of the image is described by its
lowest-frequency DCT coefficients. Blocks are sorted lexicographically by their quantised features so
that near-identical blocks become neighbours in the sorted list; each similar pair that lies far enough
apart votes for its shift vector. Shift vectors with many votes are candidates; each is then refined to
the pixel and checked at full size (``_copy_move_translation``): a real copy repeats the fine detail of
its source, and does so better than at shifts one JPEG block away. The mask of both regions is drawn
there. Not rotation- or scale-invariant: use the keypoint method for such copies.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from engines.findings import Finding
from engines.forensics._copy_move_regions import clean_mask, upscale_mask, working_grey
from engines.forensics._copy_move_translation import refine_translation
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"
ZIGZAG = ((0, 0), (0, 1), (1, 0), (2, 0), (1, 1), (0, 2), (0, 3), (1, 2), (2, 1), (3, 0))
SORT_WINDOW = 6
MAX_SHIFTS = 10
CONTRAST_STEP = 8.0  # grey levels of block standard deviation above which the tolerance grows in proportion
MIN_DISTINCTIVENESS = 0.2  # detail correlation must beat that at shifts one JPEG block away by this much


def dct_basis(size: int, frequency: int) -> np.ndarray:
    """One orthonormal 1-D DCT-II basis vector of length ``size``."""
    alpha = np.sqrt((1.0 if frequency == 0 else 2.0) / size)
    return (alpha * np.cos(np.pi * (2 * np.arange(size) + 1) * frequency / (2 * size))).astype(np.float32)


def block_features(grey: np.ndarray, block: int, stride: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Low-frequency DCT features (N, 10), top-left positions (N, 2) as (x, y) and standard deviations of all blocks."""
    height, width = grey.shape
    rows = np.arange(0, height - block + 1, stride)
    cols = np.arange(0, width - block + 1, stride)
    planes = []
    for v, u in ZIGZAG:  # v: vertical frequency, u: horizontal frequency
        response = cv2.sepFilter2D(
            grey, cv2.CV_32F, dct_basis(block, u), dct_basis(block, v), anchor=(0, 0), borderType=cv2.BORDER_CONSTANT
        )
        planes.append(response[np.ix_(rows, cols)])
    mean = cv2.boxFilter(grey, cv2.CV_32F, (block, block), anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    square = cv2.boxFilter(grey * grey, cv2.CV_32F, (block, block), anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    std = np.sqrt(np.maximum(square - mean * mean, 0.0))[np.ix_(rows, cols)]
    features = np.stack([p.ravel() for p in planes], axis=1)
    yy, xx = np.meshgrid(rows, cols, indexing="ij")
    positions = np.stack([xx.ravel(), yy.ravel()], axis=1)
    return features, positions, std.ravel()


def lexicographic_order(keys: np.ndarray) -> np.ndarray:
    """Stable order of integer key rows, first column most significant, packed into one int64 per row.

    The first key gets 12 bits and the others 5 each; values beyond a field's range are clipped,
    which only merges extreme rows (candidates are checked against the real features anyway).
    """
    keys = keys - keys.min(axis=0)
    packed = np.zeros(len(keys), np.int64)
    for column in range(keys.shape[1]):
        bits = 12 if column == 0 else 5
        packed = (packed << bits) | np.minimum(keys[:, column], (1 << bits) - 1)
    return np.argsort(packed, kind="stable")


def similar_pairs(features: np.ndarray, positions: np.ndarray, tolerance: float, min_distance: float) -> np.ndarray:
    """Index pairs (M, 2) of blocks whose features differ by at most ``tolerance`` and that lie far enough apart.

    Candidates come from neighbours in two lexicographic sorts of the quantised features (the second
    offset by half a step so that values near a bin edge are not split apart).
    """
    found = []
    for offset in (0.0, 0.5):
        order = lexicographic_order(np.floor(features / tolerance + offset).astype(np.int64))
        ranked, places = features[order], positions[order].astype(np.float32)
        for gap in range(1, SORT_WINDOW + 1):
            close = np.abs(ranked[gap:] - ranked[:-gap]).max(axis=1) <= tolerance
            step = places[gap:] - places[:-gap]
            far = (step * step).sum(axis=1) >= min_distance * min_distance
            keep = np.nonzero(close & far)[0]
            found.append(np.stack([order[keep], order[keep + gap]], axis=1))
    pairs = np.concatenate(found) if found else np.zeros((0, 2), np.int64)
    return np.unique(np.sort(pairs, axis=1), axis=0) if len(pairs) else pairs


def vote_shifts(
    shifts: np.ndarray, shape: tuple[int, int], min_votes: int, radius: int
) -> list[tuple[tuple[int, int], int]]:
    """Strongest shift vectors (dx, dy) with their votes; a vote also counts for shifts within ±1 px.

    Weaker peaks within ``radius`` of a stronger one are suppressed (smooth content near a true copy
    also matches at slightly different shifts).
    """
    height, width = shape
    histogram = np.zeros((height + 2, 2 * width + 3), np.float32)
    np.add.at(histogram, (shifts[:, 1] + 1, shifts[:, 0] + width + 1), 1.0)
    pooled = cv2.boxFilter(histogram, cv2.CV_32F, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT)
    peaks: list[tuple[tuple[int, int], int]] = []
    for _ in range(MAX_SHIFTS):
        row, col = np.unravel_index(int(np.argmax(pooled)), pooled.shape)
        votes = int(pooled[row, col])
        if votes < min_votes:
            break
        peaks.append(((int(col) - width - 1, int(row) - 1), votes))
        pooled[max(row - radius, 0) : row + radius + 1, max(col - radius, 0) : col + radius + 1] = 0.0
    return peaks


def candidate_shifts(
    grey: np.ndarray, params: dict[str, Any], factor: float
) -> tuple[list[tuple[tuple[int, int], int, np.ndarray]], int]:
    """Voted shifts on the working image: ((dx, dy), votes, coarse source mask) each, and the blocks compared."""
    block, stride = params["block_size"], params["stride"]
    if min(grey.shape) < 2 * block:
        return [], 0
    features, positions, std = block_features(grey, block, stride)
    textured = std >= params["min_std"]
    # high-contrast blocks change more under resampling and JPEG: compare them more loosely
    features = features[textured] / np.maximum(1.0, std[textured] / CONTRAST_STEP)[:, None]
    positions = positions[textured]
    if len(features) < 2:
        return [], len(features)
    min_distance = max(params["min_distance"] * factor, float(block))
    pairs = similar_pairs(features, positions, params["tolerance"], min_distance)
    if not len(pairs):
        return [], len(features)
    first, second = positions[pairs[:, 0]], positions[pairs[:, 1]]
    delta = second - first
    flip = (delta[:, 1] < 0) | ((delta[:, 1] == 0) & (delta[:, 0] < 0))
    first = np.where(flip[:, None], second, first)
    delta = np.where(flip[:, None], -delta, delta)
    found = []
    for (dx, dy), votes in vote_shifts(delta, grey.shape, params["min_votes"], block // 2):
        near = (np.abs(delta[:, 0] - dx) <= 1) & (np.abs(delta[:, 1] - dy) <= 1)
        region = clean_mask(_paint_blocks(first[near], grey.shape, block), max(1, block // 8), block * block)
        if region.any():
            found.append(((dx, dy), votes, region))
    return found, len(features)


def detect_copy_move_blocks(ctx: JobContext, image: np.ndarray, params: dict[str, Any]) -> Finding:
    """Run the block pipeline on an RGB uint8 image and build the Finding."""
    height, width = image.shape[:2]
    ctx.progress(0.05, "preparing working image")
    grey, factor = working_grey(image, params["max_side"])
    ctx.progress(0.1, "comparing blocks")
    candidates, blocks_used = candidate_shifts(grey, params, factor)
    source_full = np.zeros((height, width), bool)
    target_full = np.zeros((height, width), bool)
    shifts_found: list[dict[str, Any]] = []
    rejected = 0
    if candidates:
        full = grey if factor == 1.0 else working_grey(image, max(height, width))[0]
        radius = 1 if factor == 1.0 else math.ceil(1.0 / factor) + 1
        margin = math.ceil(params["block_size"] / factor)
    for number, ((dx, dy), votes, coarse) in enumerate(candidates, 1):
        ctx.progress(0.6 + 0.3 * number / len(candidates), f"checking shift {number} at full size")
        coarse_full = upscale_mask(coarse, (height, width))
        match = refine_translation(full, coarse_full, (dx / factor, dy / factor), radius, margin)
        duplicate = any(tuple(s["shift"]) == match.shift for s in shifts_found)
        weak = match.correlation < params["min_correlation"] or match.distinctiveness < MIN_DISTINCTIVENESS
        if weak or not match.source.any() or duplicate:
            rejected += not duplicate
            continue
        source_full |= match.source
        target_full |= match.target
        shifts_found.append(
            {
                "shift": match.shift,
                "votes": votes,
                "detail_correlation": match.correlation,
                "control_correlation": match.control,
                "area_fraction": float((match.source | match.target).mean()),
            }
        )

    ctx.progress(0.95, "summarising")
    heat = np.zeros((height, width), np.float32)
    heat[source_full] = 0.5
    heat[target_full] = 1.0
    best = max((s["votes"] for s in shifts_found), default=0)
    score = best / (best + params["min_votes"]) if best else 0.0
    table = [
        ("Blocks compared", str(blocks_used)),
        ("Shifts found", str(len(shifts_found))),
        ("Shifts rejected (fine detail differs)", str(rejected)),
    ]
    for number, s in enumerate(shifts_found, 1):
        table.append(
            (
                f"Shift {number}",
                f"({s['shift'][0]:+.0f}, {s['shift'][1]:+.0f}) px, {s['votes']} votes, "
                f"{s['area_fraction'] * 100:.1f}% of the image",
            )
        )
    if shifts_found:
        summary = (
            f"Copy-move found: {len(shifts_found)} shift vector(s); strongest has {best} matching blocks. "
            f"Marked {np.mean(source_full | target_full) * 100:.1f}% of the image."
        )
    else:
        summary = "No copy-move found: no shift vector is shared by enough similar blocks."
    return Finding(
        engine="copy_move_blocks",
        version=VERSION,
        params=dict(params),
        summary=summary,
        heatmap=heat,
        mask=source_full | target_full,
        score=float(score),
        table=tuple(table),
        details={"shifts": shifts_found, "rejected_shifts": rejected, "blocks": blocks_used, "working_scale": factor},
    )


def _paint_blocks(corners: np.ndarray, shape: tuple[int, int], block: int) -> np.ndarray:
    """Union of ``block``-sized squares whose top-left corners are ``corners`` (x, y)."""
    marks = np.zeros(shape, np.float32)
    marks[corners[:, 1], corners[:, 0]] = 1.0
    cover = cv2.dilate(
        marks,
        np.ones((block, block), np.uint8),
        anchor=(block - 1, block - 1),
        borderType=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    return cover > 0


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    return detect_copy_move_blocks(ctx, subject.image, params)


ANALYSIS = register(
    Analysis(
        id="copy_move_blocks",
        group="Copy-move",
        title="Copy-move (blocks)",
        how_to_read=(
            "Every small square of the image is compared with every other by its coarse content. When many "
            "squares match others at the same offset, a region was probably copied and moved: both copies are "
            "shown, 0.5 for one side and 1.0 for the other. Works on smooth, low-texture areas (sky, walls, "
            "skin) where keypoints fail, but only for copies that were moved without rotation or scaling. "
            "Perfectly flat areas are ignored; repeated real patterns also match."
        ),
        params=(
            Param("block_size", "Block size (px)", "int", 16, 8, 64, 4, help="Side of the compared squares."),
            Param("stride", "Block step (px)", "int", 1, 1, 8, 1, help="Distance between neighbouring blocks."),
            Param(
                "tolerance",
                "Similarity tolerance",
                "float",
                4.0,
                0.25,
                50.0,
                0.25,
                help="Largest difference of any low-frequency DCT coefficient (grey levels) for two blocks to "
                "count as similar; grows in proportion for blocks with more contrast than 8 grey levels.",
            ),
            Param(
                "min_std",
                "Minimum contrast",
                "float",
                1.0,
                0.0,
                50.0,
                0.5,
                help="Blocks whose grey standard deviation is below this are ignored (flat areas).",
            ),
            Param(
                "min_distance",
                "Minimum shift (px)",
                "float",
                24.0,
                0.0,
                2000.0,
                4.0,
                help="Shorter shifts are ignored (neighbouring blocks always look alike).",
            ),
            Param(
                "min_votes",
                "Minimum matching blocks",
                "int",
                200,
                5,
                100000,
                5,
                help="Similar block pairs that must share one shift.",
            ),
            Param(
                "min_correlation",
                "Minimum detail correlation",
                "float",
                0.3,
                -1.0,
                1.0,
                0.05,
                help="How alike the fine detail (noise) of both copies must be; lower it for heavily "
                "re-compressed images.",
            ),
            Param(
                "max_side",
                "Working size (px)",
                "int",
                512,
                128,
                4096,
                64,
                help="Large images are shrunk to this long side first.",
            ),
        ),
        output="mask",
        run=_run,
        version=VERSION,
    )
)
