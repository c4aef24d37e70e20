"""Simple IoU face tracking across frames and per-track aggregate scores."""

from __future__ import annotations

import dataclasses

import numpy as np

from engines.detect.report import FaceResult, TrackSummary
from engines.faces.types import box_iou


@dataclasses.dataclass
class _Track:
    track_id: int
    box: np.ndarray
    last_seen: int  # position in the sequence of analysed frames (gaps are counted in analysed frames)
    frames: list[int] = dataclasses.field(default_factory=list)
    scores: list[float] = dataclasses.field(default_factory=list)
    unstable: int = 0


class IouTracker:
    """Greedy IoU matching of each frame's faces to live tracks; a track ends after ``max_gap`` frames unseen."""

    def __init__(self, min_iou: float = 0.3, max_gap: int = 5):
        self.min_iou = min_iou
        self.max_gap = max_gap
        self._live: list[_Track] = []
        self._done: list[_Track] = []
        self._next_id = 0

    def update(self, frame_index: int, faces: list[FaceResult], position: int | None = None) -> list[FaceResult]:
        """Assign track ids to ``faces`` (returned as new objects) and record their scores under ``frame_index``.

        ``position``: the frame's place among the analysed frames when they are thinned out (default: the
        frame index); a track ends after ``max_gap`` analysed frames without its face.
        """
        position = frame_index if position is None else position
        self._expire(position)
        ids: list[int | None] = [None] * len(faces)
        if faces and self._live:
            iou = box_iou(np.stack([f.box for f in faces]), np.stack([t.box for t in self._live]))
            for flat in np.argsort(-iou, axis=None):
                i, j = np.unravel_index(flat, iou.shape)
                if iou[i, j] < self.min_iou:
                    break
                if ids[i] is None and self._live[j].last_seen != position:
                    ids[i] = self._live[j].track_id
                    self._live[j].last_seen = position
        out = []
        for face, tid in zip(faces, ids, strict=True):
            if tid is None:
                tid = self._next_id
                self._next_id += 1
                self._live.append(_Track(tid, face.box, position))
            track = next(t for t in self._live if t.track_id == tid)
            track.box, track.last_seen = face.box, position
            track.frames.append(frame_index)
            track.scores.append(face.fake_score)
            track.unstable += int(bool(face.robustness and face.robustness.flagged))
            out.append(dataclasses.replace(face, track_id=tid))
        return out

    def _expire(self, position: int) -> None:
        keep = []
        for t in self._live:
            (keep if position - t.last_seen <= self.max_gap else self._done).append(t)
        self._live = keep

    def summaries(self, threshold: float) -> tuple[TrackSummary, ...]:
        """Aggregate per track: mean / median / max score and the fraction of frames above ``threshold``."""
        out = []
        for t in sorted(self._done + self._live, key=lambda t: t.track_id):
            s = np.array(t.scores, np.float64)
            mean = float(s.mean())
            out.append(TrackSummary(
                track_id=t.track_id, frames=tuple(t.frames), scores=tuple(float(v) for v in s),
                mean_score=mean, median_score=float(np.median(s)), max_score=float(s.max()),
                fake_fraction=float((s >= threshold).mean()), unstable_frames=t.unstable,
                label="fake" if mean >= threshold else "real",
            ))
        return tuple(out)
