"""IoU tracking: two faces moving across frames keep their ids; a long gap starts a new track."""

from __future__ import annotations

import numpy as np

from engines.detect.report import FaceResult
from engines.detect.tracking import IouTracker


def _face(x: float, y: float, score: float) -> FaceResult:
    return FaceResult(box=np.array([x, y, x + 50, y + 50], np.float32), detector_score=0.9,
                      landmarks5=np.zeros((5, 2), np.float32), landmarks_dense=None, fake_score=score,
                      label="fake" if score >= 0.5 else "real", robustness=None)


def test_two_faces_keep_their_tracks():
    tracker = IouTracker()
    for n in range(5):
        # Listed in swapped order on odd frames: matching must follow the boxes, not the order.
        a, b = _face(10 + 4 * n, 10, 0.9), _face(200 - 4 * n, 100, 0.1)
        out = tracker.update(n, [a, b] if n % 2 == 0 else [b, a])
        ids = {round(float(f.box[1])): f.track_id for f in out}
        assert ids == {10: 0, 100: 1}
    tracks = tracker.summaries(0.5)
    assert [t.frames for t in tracks] == [(0, 1, 2, 3, 4)] * 2
    assert tracks[0].label == "fake" and np.isclose(tracks[0].mean_score, 0.9) and tracks[0].fake_fraction == 1
    assert tracks[1].label == "real" and tracks[1].max_score < 0.5


def test_a_gap_longer_than_max_gap_starts_a_new_track():
    tracker = IouTracker(max_gap=2)
    tracker.update(0, [_face(10, 10, 0.2)])
    tracker.update(1, [])
    assert tracker.update(2, [_face(12, 10, 0.2)])[0].track_id == 0
    assert tracker.update(6, [_face(12, 10, 0.2)])[0].track_id == 1
    assert len(tracker.summaries(0.5)) == 2


def test_a_jump_is_a_new_face():
    tracker = IouTracker()
    tracker.update(0, [_face(10, 10, 0.2)])
    assert tracker.update(1, [_face(300, 300, 0.2)])[0].track_id == 1


def test_thinned_frames_keep_their_real_indices_and_gaps_count_analysed_frames():
    tracker = IouTracker(max_gap=1)
    for n, index in enumerate((0, 10, 20)):  # every tenth frame analysed: consecutive, not gaps of ten
        out = tracker.update(index, [_face(10 + n, 10, 0.2)], position=n)
        assert out[0].track_id == 0
    (summary,) = tracker.summaries(0.5)
    assert summary.frames == (0, 10, 20)
