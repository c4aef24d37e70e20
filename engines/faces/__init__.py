"""Face detection, landmarks and alignment from package-shipped, sha256-verified weights.

``still_detector()`` / ``video_detector()`` return shared ``FaceDetector`` objects (BlazeFace + face mesh;
see ``engines.faces.detectors`` for why); ``Face`` is plain data (box, score, 5 and 468 landmarks).
"""

from __future__ import annotations

import threading

from engines.faces.align import align_face, alignment_matrix, box_crop
from engines.faces.types import LANDMARKS5, Face, FaceDetector, box_iou

_LOCK = threading.Lock()
_SHARED: dict[tuple[int, bool, bool], FaceDetector] = {}


def default_detector(tiles: int = 1, mesh: bool = True, full_range: bool = False) -> FaceDetector:
    """A shared BlazeFace (+ mesh) detector.

    Stills: ``tiles=3`` (short-range model on the frame and on overlapping tiles: small faces in large
    photos). Video frames: ``full_range=True`` (one 192-px pass that still finds small faces).
    """
    from engines.faces.blazeface import FULL_RANGE, SHORT_RANGE
    from engines.faces.detectors import MediaPipeDetector

    key = (tiles, mesh, full_range)
    with _LOCK:
        if key not in _SHARED:
            variant = FULL_RANGE if full_range else SHORT_RANGE
            _SHARED[key] = MediaPipeDetector(variant, tiles=tiles, mesh=mesh)
        return _SHARED[key]


def still_detector() -> FaceDetector:
    """The detector used for still images (short-range model, 3 tile rows)."""
    return default_detector(tiles=3)


def video_detector() -> FaceDetector:
    """The detector used for GIF and video frames (full-range model, whole frame)."""
    return default_detector(tiles=1, full_range=True)


__all__ = ["LANDMARKS5", "Face", "FaceDetector", "align_face", "alignment_matrix", "box_crop", "box_iou",
           "default_detector", "still_detector", "video_detector"]
