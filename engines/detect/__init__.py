"""Face-forgery detection for stills, GIFs and videos, with robustness flags and an AI-generated score.

Entry points: ``detect_faces_and_score(image) -> DetectionReport`` and ``detect_file(path)``; results
are plain dataclasses (``engines.detect.report``). Torch and the models load on first use.
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
