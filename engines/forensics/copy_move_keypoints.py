"""Keypoint-based copy-move detection: self-matching with g2NN, per-cluster affine RANSAC, dense region masks.

Method (after Amerini et al., "A SIFT-based forensic method for copy-move attack detection and
transformation recovery", IEEE TIFS 2011): every keypoint is matched against all others of the same
image; the generalised 2-nearest-neighbour test keeps every neighbour whose distance is clearly
smaller than the next one. Pairs that are spatially too close are dropped. Matched pairs are grouped
by sequential RANSAC — each group is the set of pairs agreeing with one affine transform — and each
transform is verified densely by comparing the image with itself warped by that transform.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from engines.findings import Finding
from engines.forensics._copy_move_regions import region_from_transform, upscale_mask, working_grey
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"
NEIGHBOURS = 10
AUTO_RATIO = {"SIFT": 0.5, "ORB": 0.75, "AKAZE": 0.75}
MAX_CLUSTERS = 6
RANSAC_THRESHOLD = 3.0  # working pixels
MIN_SCALE, MAX_SCALE, MAX_ANISOTROPY = 0.25, 4.0, 1.6
MAX_OVERLAP = 0.5  # a transform mapping a region mostly onto itself is symmetry, not a copy
DETECTORS = tuple(
    name
    for name, attr in (("SIFT", "SIFT_create"), ("ORB", "ORB_create"), ("AKAZE", "AKAZE_create"))
    if hasattr(cv2, attr)
)


def detect_keypoints(grey: np.ndarray, detector: str, max_keypoints: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Keypoint positions (N, 2) as (x, y) and descriptors (N, D) on a grey uint8-range image."""
    image = np.clip(grey, 0, 255).astype(np.uint8)
    if detector == "SIFT":
        engine = cv2.SIFT_create(nfeatures=max_keypoints)
    elif detector == "ORB":
        engine = cv2.ORB_create(nfeatures=max_keypoints, edgeThreshold=15, patchSize=15, fastThreshold=10)
    elif detector == "AKAZE" and hasattr(cv2, "AKAZE_create"):
        engine = cv2.AKAZE_create(threshold=0.0005)
    else:
        raise ValueError(f"unknown or unavailable detector {detector!r}")
    keypoints, descriptors = engine.detectAndCompute(image, None)
    if descriptors is None or not keypoints:
        return np.zeros((0, 2), np.float32), None
    if len(keypoints) > max_keypoints:  # AKAZE has no cap of its own
        order = np.argsort([-k.response for k in keypoints])[:max_keypoints]
        keypoints = [keypoints[i] for i in order]
        descriptors = descriptors[order]
    points = np.array([k.pt for k in keypoints], np.float32)
    return points, descriptors


def g2nn_pairs(descriptors: np.ndarray, ratio: float, binary: bool) -> np.ndarray:
    """Unordered index pairs (M, 2) accepted by the generalised 2NN test among all descriptors.

    For each keypoint the k nearest other descriptors d1 ≤ d2 ≤ … are scanned for a sharp jump,
    d_i < ``ratio`` × d_{i+1}; every neighbour before the last such jump is a match. With one copy this
    is Lowe's 2NN test; with several near-identical copies (d1 ≈ d2 ≪ d3) all of them match.
    """
    count = len(descriptors)
    if count < 2:
        return np.zeros((0, 2), np.int64)
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING if binary else cv2.NORM_L2)
    k = min(NEIGHBOURS + 1, count)
    dist = np.full((count, k), np.inf, np.float32)
    index = np.full((count, k), -1, np.int64)
    for row, matches in enumerate(matcher.knnMatch(descriptors, descriptors, k=k)):
        others = [m for m in matches if m.trainIdx != row][: k - 1]
        for col, match in enumerate(others):
            dist[row, col] = match.distance
            index[row, col] = match.trainIdx
    dist, index = dist[:, : k - 1], index[:, : k - 1]
    following = np.concatenate([dist[:, 1:], np.full((count, 1), np.inf, np.float32)], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        passes = dist < ratio * following
    passes &= np.isfinite(dist)
    passes[:, -1] = False  # the last neighbour has no successor to compare with
    accepted = np.flip(np.cumsum(np.flip(passes, axis=1), axis=1), axis=1) > 0  # up to the last jump
    rows, cols = np.nonzero(accepted)
    pairs = np.stack([rows, index[rows, cols]], axis=1)
    pairs = np.sort(pairs, axis=1)
    return np.unique(pairs, axis=0) if len(pairs) else pairs


def describe_affine(matrix: np.ndarray) -> dict[str, Any]:
    """Rotation (degrees, counter-clockwise on screen), scale, anisotropy and translation of a 2x3 affine."""
    linear = matrix[:, :2]
    a, b, c, d = linear[0, 0], linear[0, 1], linear[1, 0], linear[1, 1]
    singular = np.linalg.svd(linear, compute_uv=False)
    return {
        "matrix": np.round(matrix, 6).tolist(),
        "rotation_deg": float(math.degrees(math.atan2(b - c, a + d))),
        "scale": float(math.sqrt(abs(np.linalg.det(linear)))),
        "anisotropy": float(singular[0] / max(singular[1], 1e-9)),
        "translation": [float(matrix[0, 2]), float(matrix[1, 2])],
    }


def _plausible(matrix: np.ndarray) -> bool:
    singular = np.linalg.svd(matrix[:, :2], compute_uv=False)
    if np.linalg.det(matrix[:, :2]) <= 0:  # a mirror copy is out of scope for this detector
        return False
    scale = math.sqrt(singular[0] * singular[1])
    return MIN_SCALE <= scale <= MAX_SCALE and singular[0] / max(singular[1], 1e-9) <= MAX_ANISOTROPY


def _canonical(matrix: np.ndarray, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Orient a transform so that it enlarges (or, at equal size, moves right/down); the opposite is equally valid."""
    scale = math.sqrt(abs(np.linalg.det(matrix[:, :2])))
    shift = dst.mean(axis=0) - src.mean(axis=0)
    flip = scale < 0.98 or (scale <= 1.02 and (shift[0] < 0 if abs(shift[0]) >= abs(shift[1]) else shift[1] < 0))
    if flip:
        return cv2.invertAffineTransform(matrix), dst, src
    return matrix, src, dst


def cluster_transforms(points: np.ndarray, pairs: np.ndarray, min_inliers: int) -> list[dict[str, Any]]:
    """Sequential RANSAC: repeatedly fit an affine to the remaining pairs (both orientations) and remove its inliers."""
    clusters: list[dict[str, Any]] = []
    remaining = np.arange(len(pairs))
    attempts = 0
    while len(remaining) >= min_inliers and len(clusters) < MAX_CLUSTERS and attempts < 2 * MAX_CLUSTERS:
        attempts += 1
        chosen = pairs[remaining]
        src = np.concatenate([points[chosen[:, 0]], points[chosen[:, 1]]])
        dst = np.concatenate([points[chosen[:, 1]], points[chosen[:, 0]]])
        matrix, inlier_flags = cv2.estimateAffine2D(
            src, dst, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_THRESHOLD, maxIters=4000, confidence=0.995
        )
        if matrix is None or inlier_flags is None:
            break
        flags = inlier_flags.ravel().astype(bool)
        members = np.unique(np.concatenate([np.nonzero(flags[: len(chosen)])[0], np.nonzero(flags[len(chosen) :])[0]]))
        if len(members) < min_inliers:
            break
        remaining = np.setdiff1d(remaining, remaining[members])
        if not _plausible(matrix):
            continue
        in_src, in_dst = src[flags], dst[flags]
        matrix, in_src, in_dst = _canonical(matrix, in_src, in_dst)
        clusters.append({"matrix": matrix, "src": in_src, "dst": in_dst, "inliers": int(flags.sum())})
    return clusters


def _scale_matrix(matrix: np.ndarray, factor: float) -> np.ndarray:
    """Express a working-coordinate affine in original coordinates (working = factor × original)."""
    out = matrix.astype(np.float64).copy()
    out[:, 2] /= factor
    return out


def _bbox(mask: np.ndarray) -> list[int]:
    rows, cols = np.nonzero(mask)
    if not len(rows):
        return []
    return [int(cols.min()), int(rows.min()), int(cols.max() - cols.min() + 1), int(rows.max() - rows.min() + 1)]


def detect_copy_move(ctx: JobContext, image: np.ndarray, params: dict[str, Any]) -> Finding:
    """Run the whole keypoint pipeline on an RGB uint8 image and build the Finding."""
    height, width = image.shape[:2]
    ctx.progress(0.05, "preparing working image")
    grey, factor = working_grey(image, params["max_side"])
    ctx.progress(0.1, f"detecting {params['detector']} keypoints")
    points, descriptors = detect_keypoints(grey, params["detector"], params["max_keypoints"])
    ctx.progress(0.35, f"matching {len(points)} keypoints against each other")
    ratio = params["ratio"] or AUTO_RATIO[params["detector"]]
    pairs = np.zeros((0, 2), np.int64)
    if descriptors is not None and len(points) >= 2:
        pairs = g2nn_pairs(descriptors, ratio, binary=descriptors.dtype == np.uint8)
    if len(pairs):
        gap = np.linalg.norm(points[pairs[:, 0]] - points[pairs[:, 1]], axis=1)
        pairs = pairs[gap >= params["min_distance"] * factor]
    ctx.progress(0.55, f"clustering {len(pairs)} matched pairs")
    clusters = cluster_transforms(points, pairs, params["min_inliers"]) if len(pairs) else []

    source = np.zeros(grey.shape, bool)
    target = np.zeros(grey.shape, bool)
    transforms: list[dict[str, Any]] = []
    for number, cluster in enumerate(clusters, 1):
        ctx.progress(0.6 + 0.3 * number / len(clusters), f"verifying transform {number} densely")
        src_mask, dst_mask = region_from_transform(grey, cluster["matrix"], cluster["dst"])
        overlap = float((src_mask & dst_mask).sum()) / max(1.0, float(min(src_mask.sum(), dst_mask.sum())))
        confirmed = bool(dst_mask.any()) and overlap <= MAX_OVERLAP
        if confirmed:
            source |= src_mask & ~dst_mask
            target |= dst_mask
        info = describe_affine(_scale_matrix(cluster["matrix"], factor))
        info.update(
            inliers=cluster["inliers"],
            confirmed=confirmed,
            overlap=overlap,
            target_area_fraction=float(dst_mask.mean()),
            source_bbox=_bbox(upscale_mask(src_mask, (height, width))),
            target_bbox=_bbox(upscale_mask(dst_mask, (height, width))),
        )
        transforms.append(info)

    ctx.progress(0.95, "summarising")
    source_full = upscale_mask(source, (height, width))
    target_full = upscale_mask(target, (height, width))
    heat = np.zeros((height, width), np.float32)
    heat[source_full] = 0.5
    heat[target_full] = 1.0
    accepted = [t for t in transforms if t["confirmed"]]
    best = max((t["inliers"] for t in accepted), default=0)
    score = best / (best + params["min_inliers"]) if best else 0.0
    table = [
        ("Keypoints", str(len(points))),
        ("Matched pairs", str(len(pairs))),
        ("Transforms", f"{len(accepted)} confirmed of {len(transforms)}"),
    ]
    for number, t in enumerate(transforms, 1):
        table.append(
            (
                f"Transform {number}",
                (
                    f"rotation {t['rotation_deg']:+.1f}°, scale {t['scale']:.3f}, shift ({t['translation'][0]:+.0f}, "
                    f"{t['translation'][1]:+.0f}) px, {t['inliers']} inliers"
                    + ("" if t["confirmed"] else ", not confirmed")
                ),
            )
        )
    if accepted:
        summary = (
            f"Copy-move found: {len(accepted)} region pair(s); strongest has {best} matching keypoints. "
            f"Marked {np.mean(source_full | target_full) * 100:.1f}% of the image (0.5 = one side, 1.0 = other)."
        )
    else:
        summary = "No copy-move found: no group of matching keypoints agrees on one transform."
    return Finding(
        engine="copy_move",
        version=VERSION,
        params=dict(params),
        summary=summary,
        heatmap=heat,
        mask=source_full | target_full,
        score=float(score),
        table=tuple(table),
        details={
            "transforms": transforms,
            "keypoints": len(points),
            "pairs": len(pairs),
            "working_scale": factor,
            "ratio": ratio,
        },
    )


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    return detect_copy_move(ctx, subject.image, params)


ANALYSIS = register(
    Analysis(
        id="copy_move",
        group="Copy-move",
        title="Copy-move (keypoints)",
        how_to_read=(
            "Distinctive points of the image are matched against each other. Groups of matches that agree on "
            "one move (with rotation and scaling) mark a region that appears twice; both copies are shown, "
            "0.5 for one side and 1.0 for the other, and the table lists each move. Which side is the "
            "original cannot be told from geometry alone. Repeated real structures (windows, tiles, "
            "logos) also match: judge whether the duplication makes sense. Flat areas have no keypoints; "
            "use the block-based detector there. No finding does not prove the image is untouched."
        ),
        params=(
            Param(
                "detector",
                "Detector",
                "choice",
                "SIFT",
                choices=DETECTORS,
                help="SIFT is the most reliable; ORB is faster.",
            ),
            Param(
                "ratio",
                "g2NN ratio",
                "float",
                0.0,
                0.0,
                0.95,
                0.05,
                help="A neighbour matches while its distance is below this fraction of the next one's; "
                "0 = automatic (0.5 for SIFT, 0.75 for the binary ORB/AKAZE descriptors).",
            ),
            Param(
                "min_distance",
                "Minimum distance (px)",
                "float",
                20.0,
                0.0,
                1000.0,
                5.0,
                help="Matches closer than this in the original image are ignored.",
            ),
            Param(
                "min_inliers",
                "Minimum inliers",
                "int",
                8,
                3,
                500,
                1,
                help="Matches that must agree on one transform before it is reported.",
            ),
            Param(
                "max_keypoints",
                "Maximum keypoints",
                "int",
                4000,
                100,
                50000,
                500,
                help="Strongest keypoints kept; more is slower.",
            ),
            Param(
                "max_side",
                "Working size (px)",
                "int",
                1600,
                256,
                8192,
                64,
                help="Large images are shrunk to this long side first.",
            ),
        ),
        output="mask",
        run=_run,
        version=VERSION,
    )
)
