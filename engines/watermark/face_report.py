"""Per-face verification (LIDMark / DAWF style): for every face in a picture, whose face it is, whether it was
altered after marking, and where.

Three kinds of evidence, each from the face's own mark:
- the landmarks the mark carries against the landmarks detected now (a moved mouth, raised brows, a
  reshaped chin: the regions whose points moved more than ``MOVE_LIMIT`` eye distances);
- the mark's own blocks: once the payload verifies, the re-encoded bits show which blocks of the face's
  square no longer hold what was written (pixels replaced there);
- no readable mark in a face that should have one: the whole-image mark says more faces were marked than
  carry a readable mark now (``marked_faces``), or other faces of the picture carry one, or the mark's sync
  shows it is there but damaged. The whole face was replaced, or edited so that the frame search misses its
  mark (a lowered mouth moves all the face's landmarks; the search then often fails, though most of the mark
  is intact).
A missing mark needs a second witness: the whole-image mark's tamper map (``changed``) flags part of the face
box, or other faces of the picture still carry a readable mark (the processing spared marks). On faces
without a readable mark the tamper map also says where (the regions whose landmarks it flags); on untouched
pictures it can flag 0–4 % of the picture depending on the payload, so it never convicts alone.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import cv2
import numpy as np

from engines.faces.types import Face
from engines.watermark import face_frame as frame
from engines.watermark import face_marks as marks
from engines.watermark import geometry as geo
from engines.watermark import owners
from engines.watermark.face_codec import BLOCK, ORIGIN
from engines.watermark.face_payload import LANDMARKS, REGIONS
from engines.watermark.payload import FACE_COUNTS

EYE_DISTANCE = float(np.hypot(*(frame.TEMPLATE[1] - frame.TEMPLATE[0])))  # canonical pixels
MOVE_LIMIT = 0.15  # eye distances: a region whose landmark moved further counts as altered
MIN_CHANGED_BLOCKS = 3  # blocks (16 canonical px) holding the wrong bits before a face counts as altered
# (2 was reached by an untouched small face after 0.5× resize; edited mouths changed 4–6)
DAMAGED_SYNC = 8.0  # a mark this clearly present whose payload does not verify may have been damaged …
INTACT_FIT, GONE_FIT, SPLIT_SHARE = 0.6, 0.25, 0.2  # … when this share of its blocks is intact and as many gone
RELIABLE_EYE_DISTANCE = 24.0  # picture pixels: smaller faces' marks may be lost to processing, so their absence
# proves nothing (0.5× resize of group photos lost 2 of 7 marks, all of faces below this)
WITNESS_SHARE = 0.05  # share of a face's box the whole-image tamper map must flag to second a missing face mark
# (untouched, JPEG 75 and 0.5× copies: 0 on all 31 benchmark faces; swaps 0.43–0.76, lowered mouths 0.07–0.14);
# a missing mark alone convicted untouched faces after 0.35× resize and WebP 75 (the frame search lost them)
CHANGED_SHARE = 0.3  # share of a face's box the whole-image tamper map must flag to be quoted
NEAR_LANDMARK = 14.0  # canonical pixels: a changed block this close to a region's landmark is named after it
OTHER_AREA = "cheeks, forehead or outline"


@dataclasses.dataclass(frozen=True)
class FaceVerdict:
    """The per-face answer. ``altered`` is None when nothing tells (no face mark under this key, no other
    evidence); ``index`` counts faces from the left, starting at 1."""

    index: int
    box: tuple[float, float, float, float]
    marked: bool
    owner_id: str | None
    owner: str | None
    altered: bool | None
    where: tuple[str, ...]
    sync: float
    moved: dict[str, float]  # region → largest landmark displacement, in eye distances
    changed_blocks: int
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"face": self.index, "box": [round(v, 1) for v in self.box], "marked": self.marked,
                "owner_id": self.owner_id, "owner": self.owner, "altered": self.altered, "where": list(self.where),
                "sync": round(self.sync, 2), "landmark_shift_eye": {k: round(v, 3) for k, v in self.moved.items()},
                "changed_blocks": self.changed_blocks, "reasons": list(self.reasons)}

    def summary(self) -> str:
        """One line: face, owner, verdict."""
        who = self.owner or (f"owner ID {self.owner_id}" if self.owner_id else "no face mark")
        verdict = {True: "ALTERED", False: "unaltered", None: "cannot tell"}[self.altered]
        where = f" ({', '.join(self.where)})" if self.where else ""
        return f"face {self.index}: {who}: {verdict}{where}"


def _moved(read: marks.FaceRead, face: Face) -> dict[str, float]:
    assert read.payload is not None
    detected = frame.to_canonical(read.matrix, marks.landmarks_of(face))
    shift = np.hypot(*(detected - read.payload.landmarks).T) / EYE_DISTANCE
    out: dict[str, float] = {}
    for (region, _), value, clipped in zip(LANDMARKS, shift, read.payload.clipped, strict=True):
        if not clipped:
            out[region] = max(out.get(region, 0.0), float(value))
    return out


def _changed_areas(read: marks.FaceRead) -> tuple[int, list[str]]:
    """(changed blocks, names of the areas they lie in)."""
    assert read.payload is not None and read.block_errors is not None
    rows, cols = np.nonzero(read.changed_blocks())
    centres = ORIGIN + BLOCK * (np.stack([cols, rows], axis=1) + 0.5)
    names = []
    for c in centres:
        dist = np.hypot(*(read.payload.landmarks - c).T)
        nearest = int(np.argmin(dist))
        names.append(LANDMARKS[nearest][0] if dist[nearest] <= NEAR_LANDMARK else OTHER_AREA)
    return len(centres), names


def _destroyed(read: marks.FaceRead) -> bool:
    """The mark stands clearly around the face but is gone from a good part of it (a replaced face), as
    opposed to a mark weakened everywhere (heavy compression), which is no evidence of an edit."""
    if read.found or read.sync < DAMAGED_SYNC or read.block_fit is None or read.usable is None:
        return False
    fit = read.block_fit[read.usable]
    return bool(fit.size and np.mean(fit > INTACT_FIT) >= SPLIT_SHARE and np.mean(fit < GONE_FIT) >= SPLIT_SHARE)


def _box_share(changed: np.ndarray | None, face: Face) -> float:
    if changed is None:
        return 0.0
    x0, y0, x1, y1 = (round(float(v)) for v in face.box)
    region = changed[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)]
    return float(region.mean()) if region.size else 0.0


def _ordered(names: list[str]) -> tuple[str, ...]:
    order = {name: i for i, name in enumerate((*REGIONS, OTHER_AREA))}
    return tuple(sorted(set(names), key=lambda n: order.get(n, len(order))))


def _flagged_regions(changed: np.ndarray | None, face: Face) -> list[str]:
    """Regions of a face whose payload landmarks (as detected now) lie where the tamper map flags the picture."""
    if changed is None or face.landmarks_dense is None:
        return []
    h, w = changed.shape
    pts = np.rint(marks.landmarks_of(face)).astype(int)
    pts = np.clip(pts, 0, [w - 1, h - 1])
    return [region for (region, _), (x, y) in zip(LANDMARKS, pts, strict=True) if changed[y, x]]


def _missing(marked_faces: int | None, read: int) -> tuple[float, str]:
    """(how many face marks are missing from the picture, why they are expected): what the whole-image mark says
    was written minus what reads now; without a count (no whole-image mark, or one made before counts, which
    reads 0), unbounded when another face carries a mark and 0 otherwise."""
    if marked_faces is not None and marked_faces >= max(read, 1):
        capped = marked_faces == FACE_COUNTS - 1
        return (float("inf") if capped else float(marked_faces - read),
                f"no face mark, while the picture's mark says {marked_faces}{' or more' if capped else ''} face(s) "
                f"were marked and {read} carry a readable one")
    return (float("inf") if read else 0.0), "no face mark, while other faces in the picture carry one"


def _absence(face: Face, read: marks.FaceRead, share: float, missing: float, peers: bool, suspects: int, why: str
             ) -> str | None:
    """Why a face without a readable mark counts as altered (None: it does not).

    ``missing``: face marks the picture lacks (``why``: what says so); ``peers``: other faces carry a readable
    mark (the picture's processing spared marks); ``suspects``: faces without one, large enough to be judged.
    Besides the picture lacking a mark, either the whole-image mark's tamper map flags part of the face or
    other faces' marks read (as long as no more faces than missing marks are in question)."""
    if _destroyed(read):
        return "face mark destroyed inside the face, intact around it"
    if missing <= 0 or frame.eye_distance(face.landmarks5) < RELIABLE_EYE_DISTANCE:
        return None
    witnessed = share >= WITNESS_SHARE
    if not witnessed and not (peers and suspects <= missing):
        return None
    return why + (f"; the whole-image mark is missing from {100 * share:.0f} % of the face box" if witnessed else "")


def verify_faces(rgb: np.ndarray, key: str | bytes, faces: list[Face] | None = None,
                 changed: np.ndarray | None = None, thorough: bool = False, marked_faces: int | None = None
                 ) -> list[FaceVerdict]:
    """Read every face's mark under ``key`` and judge it. ``faces`` default to the still-image detector's;
    ``changed`` is the whole-image mark's tamper map (bool, picture size) when that mark was found, and
    ``marked_faces`` the number of face marks it says were written (``Payload.faces``).

    Faces whose mark is not found near their landmarks' square get the wide search (edited faces, about
    1 s each) when another face's mark was found, ``marked_faces`` is positive or ``thorough`` (e.g. the
    whole-image mark was found)."""
    if faces is None:
        from engines.faces import still_detector

        faces = still_detector().detect(rgb)
    faces = sorted(faces, key=lambda f: (float(f.box[0]), float(f.box[1])))
    y = geo.luma(np.asarray(rgb))
    reads = [marks.read_face(y, f.landmarks5, key, wide=False) if marks.markable(f) else None for f in faces]
    if any(r is not None and r.found for r in reads) or thorough or (marked_faces or 0) > 0:
        reads = [marks.read_face(y, f.landmarks5, key) if r is not None and not r.found else r
                 for f, r in zip(faces, reads, strict=True)]
    return judge_faces(faces, reads, changed, marked_faces)


def judge_faces(faces: list[Face], reads: list[marks.FaceRead | None], changed: np.ndarray | None = None,
                marked_faces: int | None = None) -> list[FaceVerdict]:
    """The verdicts of faces (sorted from the left) given what was read from each (None: not markable); see
    ``verify_faces``."""
    read_count = sum(r is not None and r.found for r in reads)
    missing, why = _missing(marked_faces, read_count)
    suspects = sum(r is not None and not r.found and frame.eye_distance(f.landmarks5) >= RELIABLE_EYE_DISTANCE
                   for f, r in zip(faces, reads, strict=True))
    verdicts = []
    for i, (face, read) in enumerate(zip(faces, reads, strict=True), start=1):
        box = tuple(float(v) for v in face.box)
        sync = read.sync if read is not None else 0.0
        moved: dict[str, float] = {}
        blocks, where, reasons = 0, [], []
        owner_id = owner = None
        share = _box_share(changed, face)
        if read is not None and read.found and read.payload is not None:
            owner_id = read.payload.owner_hex
            owner = owners.lookup(owner_id)
            moved = _moved(read, face)
            shifted = [r for r, v in moved.items() if v > MOVE_LIMIT]
            if shifted:
                where += shifted
                reasons.append("landmarks moved: " + ", ".join(f"{r} {moved[r]:.2f}" for r in _ordered(shifted)))
            blocks, areas = _changed_areas(read)
            if blocks >= MIN_CHANGED_BLOCKS:
                where += areas
                reasons.append(f"{blocks} block(s) of the face mark no longer hold their bits")
        elif read is not None and (guilty := _absence(face, read, share, missing, read_count > 0, suspects, why)):
            reasons.append(guilty)
            flagged = _flagged_regions(changed, face)
            where += flagged or ["whole face"]
            if flagged:
                reasons.append("the whole-image mark is missing over: " + ", ".join(_ordered(flagged)))
        marked = owner_id is not None
        altered: bool | None = bool(reasons) if (marked or reasons) else None
        if share >= CHANGED_SHARE and not marked and not reasons:
            reasons.append(f"note: the whole-image tamper map flags {100 * share:.0f} % of the face box "
                           "(not conclusive on its own)")
        verdicts.append(FaceVerdict(i, box, marked, owner_id, owner, altered, _ordered(where), sync, moved, blocks,
                                    tuple(reasons)))
    return verdicts


def draw_boxes(rgb: np.ndarray, verdicts: list[FaceVerdict]) -> np.ndarray:
    """A copy of ``rgb`` with every face's box and number: red altered, green unaltered, grey cannot tell."""
    out = np.ascontiguousarray(rgb).copy()
    colours = {True: (235, 50, 50), False: (60, 200, 90), None: (170, 170, 170)}
    thick = max(2, round(min(out.shape[:2]) / 300))
    for v in verdicts:
        x0, y0, x1, y1 = (round(c) for c in v.box)
        cv2.rectangle(out, (x0, y0), (x1, y1), colours[v.altered], thick)
        cv2.putText(out, str(v.index), (x0 + thick, max(y0 - 2 * thick, 12)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5 * thick, colours[v.altered], thick)
    return out
