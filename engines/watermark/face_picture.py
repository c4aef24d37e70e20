"""A still picture with both layers: the whole-image ownership mark, which also records how many faces were given
their own face mark (``Payload.faces``), and one face mark per face (``face_marks``).

The count is what makes a missing face mark evidence even in a one-face photo: a face swap usually leaves no
readable face mark, while the ownership mark, spread over the whole picture, still reads and says one was
written (``face_report``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from engines.faces.types import Face
from engines.watermark.detector import Detection, detect
from engines.watermark.face_marks import embed_faces, markable
from engines.watermark.face_report import FaceVerdict, verify_faces
from engines.watermark.ownership import check_rgb, embed
from engines.watermark.payload import FACE_COUNTS, Payload
from engines.watermark.tamper import TamperMap, tamper_map


def _detector(detector):
    if detector is not None:
        return detector
    from engines.faces import still_detector

    return still_detector()


def _markable_faces(rgb: np.ndarray, detector) -> list[Face]:
    return sorted((f for f in detector.detect(rgb) if markable(f)), key=lambda f: (float(f.box[0]), float(f.box[1])))


def mark_picture(rgb: np.ndarray, payload: Payload, key: str | bytes, face_owners: Sequence[int] = (), *,
                 strength: float = 1.0, fragile: bool = False, detector=None
                 ) -> tuple[np.ndarray, Payload, list[Face]]:
    """Give ``rgb`` the ownership mark and every markable face its own face mark, all under ``key``.

    The i-th face from the left carries owner ID ``face_owners[i]`` (``payload.owner_id`` past the list's end).
    The ownership mark carries ``payload`` with the number of faces marked. Faces are counted on the picture
    first and marked as detected on the ownership-marked picture (the one the face marks go into); when the
    two counts differ, the ownership mark is made again with the second. Returns (marked picture, payload
    written, faces marked).
    """
    rgb = check_rgb(rgb)
    detector = _detector(detector)
    guess = min(len(_markable_faces(rgb, detector)), FACE_COUNTS - 1)
    written = dataclasses.replace(payload, faces=guess)
    own = embed(rgb, written, key, strength, fragile)
    faces = _markable_faces(own, detector)
    if min(len(faces), FACE_COUNTS - 1) != guess:
        written = dataclasses.replace(payload, faces=min(len(faces), FACE_COUNTS - 1))
        own = embed(rgb, written, key, strength, fragile)
    if not faces:
        return own, written, []
    pairs = [(face, int(face_owners[i]) if i < len(face_owners) else payload.owner_id) for i, face in enumerate(faces)]
    return embed_faces(own, pairs, key, original=rgb), written, faces


@dataclasses.dataclass(frozen=True)
class PictureCheck:
    """Both layers read from one still: the ownership mark, its tamper map (when found) and every face."""

    detection: Detection
    tamper: TamperMap | None
    faces: list[FaceVerdict]


def judge_faces_of(rgb: np.ndarray, key: str | bytes, detection: Detection, tamper: TamperMap | None,
                   faces: list[Face] | None = None) -> list[FaceVerdict]:
    """Every face of ``rgb`` judged with what the ownership mark says: its face count and its tamper map."""
    count = detection.payload.faces if detection.payload is not None else None
    return verify_faces(rgb, key, faces, changed=tamper.flagged if tamper is not None else None,
                        thorough=detection.found, marked_faces=count)


def verify_picture(rgb: np.ndarray, key: str | bytes, faces: list[Face] | None = None) -> PictureCheck:
    """Read the ownership mark, map where it is missing and judge every face (``faces`` default to the still
    detector's), with the face count the ownership mark records."""
    detection = detect(check_rgb(rgb), key)
    tamper = tamper_map(rgb, key, detection) if detection.found else None
    return PictureCheck(detection, tamper, judge_faces_of(rgb, key, detection, tamper, faces))
