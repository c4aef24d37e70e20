"""Face detection, landmarks and alignment from package-shipped, sha256-verified weights.

``default_detector(tiles)`` returns a shared ``FaceDetector`` (BlazeFace + face mesh; see
``engines.faces.detectors`` for why); ``Face`` is plain data (box, score, 5 and 468 landmarks).
"""

from __future__ import annotations

import threading

from engines.faces.align import align_face, alignment_matrix, box_crop
from engines.faces.types import LANDMARKS5, Face, FaceDetector, box_iou

_LOCK = threading.Lock()
_SHARED: dict[tuple[int, bool], FaceDetector] = {}


def default_detector(tiles: int = 1, mesh: bool = True) -> FaceDetector:
    """Shared default detector: ``tiles`` 1 for video frames, 3 for stills that may hold small faces."""
    from engines.faces.detectors import MediaPipeDetector

    key = (tiles, mesh)
    with _LOCK:
        if key not in _SHARED:
            _SHARED[key] = MediaPipeDetector(tiles=tiles, mesh=mesh)
        return _SHARED[key]


__all__ = ["LANDMARKS5", "Face", "FaceDetector", "align_face", "alignment_matrix", "box_crop", "box_iou",
           "default_detector"]
