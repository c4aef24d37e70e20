"""Face-forgery detection for stills, GIFs and videos, with robustness flags and an AI-generated score.

Entry points: ``detect_faces_and_score(image) -> DetectionReport`` and ``detect_file(path)``; results
are plain dataclasses (``engines.detect.report``). Torch and the models load on first use.

For a Faces pane::

    report = detect_file(path, max_frames=300, progress=lambda f, msg: ...)   # on a worker thread
    for face in report.faces:               # first frame: box (x0, y0, x1, y1), landmarks5, landmarks_dense,
        face.fake_score, face.label         # score in [0, 1] and "fake"/"real" at report.threshold
        face.robustness.label               # "stable" / "uncertain" / "unstable" (TRIM), None if robust=False
    for frame in report.frames: ...         # per-frame faces with track_id (timeline: frame.time_s, scores)
    for track in report.tracks: ...         # aggregate per face track (mean/median/max, unstable frames)
    report.aigen                            # AI-generated score with cv_auc and a ``limits`` sentence to show

Raises ``engines.media.errors.MediaError`` for unreadable files and ``engines.models.WeightsError`` when
the shipped model is missing or fails its sha256 check.
"""

from engines.detect.report import AigenResult, DetectionReport, FaceResult, FrameResult, TrackSummary
from engines.detect.trim import TrimResult


def detect_faces_and_score(*args, **kwargs) -> DetectionReport:
    """See ``engines.detect.pipeline.detect_faces_and_score``."""
    from engines.detect.pipeline import detect_faces_and_score as run

    return run(*args, **kwargs)


def detect_file(*args, **kwargs) -> DetectionReport:
    """See ``engines.detect.pipeline.detect_file``."""
    from engines.detect.pipeline import detect_file as run

    return run(*args, **kwargs)


__all__ = ["AigenResult", "DetectionReport", "FaceResult", "FrameResult", "TrackSummary", "TrimResult",
           "detect_faces_and_score", "detect_file"]
