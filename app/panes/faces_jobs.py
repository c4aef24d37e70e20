"""Background jobs of the Faces pane: detect and score faces in one frame, scan every frame of a GIF/video.

Both return plain ``DetectionReport``s. Without the face-forgery model (weights not installed) the one-frame
job still finds faces and landmarks and says why scores are missing; the scan needs the model.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from engines.detect.report import DetectionReport, FaceResult, FrameResult
from engines.runtime import Cancelled

SCAN_MAX_FRAMES = 300


@dataclasses.dataclass(frozen=True)
class TrackSeries:
    """One face track's per-frame scores for the timeline (frame indices of the file, scores 0..1)."""

    track_id: int
    frames: tuple[int, ...]
    scores: tuple[float, ...]


def _model(folder: str | None):
    from engines.detect.face_model import shared_face_model

    return shared_face_model(folder)


def detect_frame(ctx, image: np.ndarray, model_folder: str | None, source: str = "") -> DetectionReport:
    """Faces, landmarks, fake scores with robustness, and the AI-generated score of one RGB frame."""
    from engines.detect.pipeline import detect_faces_and_score
    from engines.models.manifest import WeightsError

    ctx.progress(0.05, "loading the face model")
    try:
        model = _model(model_folder)
    except WeightsError as exc:
        return _faces_only(ctx, image, source, f"face scores unavailable: {exc}")
    ctx.progress(0.3, "finding and scoring faces")
    report = detect_faces_and_score(image, model=model, source=source)
    ctx.progress(1.0, "done")
    return report


def _faces_only(ctx, image: np.ndarray, source: str, note: str) -> DetectionReport:
    from engines.detect.pipeline import aigen_score
    from engines.faces import default_detector
    from engines.models.manifest import WeightsError

    ctx.progress(0.3, "finding faces (no face model)")
    detector = default_detector(tiles=3)
    faces = tuple(FaceResult(box=f.box, detector_score=f.score, landmarks5=f.landmarks5,
                             landmarks_dense=f.landmarks_dense, fake_score=math.nan, label="unscored",
                             robustness=None) for f in detector.detect(image))
    notes = [note] + ([] if faces else ["no face found"])
    try:
        aigen = aigen_score(image)
    except WeightsError as exc:
        aigen = None
        notes.append(f"AI-generated score unavailable: {exc}")
    h, w = image.shape[:2]
    return DetectionReport(source=source, kind="still", width=w, height=h, frame_count=1,
                           frames=(FrameResult(0, 0.0, faces),), tracks=(), aigen=aigen, detector=detector.name,
                           model="none", threshold=math.nan, notes=tuple(notes))


def scan_file(ctx, path: str | Path, model_folder: str | None, stop: threading.Event,
              report_progress: Callable[[float, str], None] | None = None,
              max_frames: int = SCAN_MAX_FRAMES) -> DetectionReport:
    """Score faces in (up to ``max_frames`` evenly spaced) frames of a GIF/video with face tracks.

    ``stop`` set from the GUI stops the scan at the next frame (raises ``Cancelled``).
    """
    from engines.detect.pipeline import detect_file

    def progress(fraction: float, message: str) -> None:
        if stop.is_set():
            raise Cancelled()
        ctx.progress(fraction, message)
        if report_progress is not None:
            report_progress(fraction, message)

    progress(0.0, "loading the face model")
    model = _model(model_folder)
    return detect_file(path, max_frames=max_frames, model=model, progress=progress)


def track_series(report: DetectionReport) -> list[TrackSeries]:
    """Per-track (frame index, score) series read from the report's frames, ordered by track id."""
    points: dict[int, list[tuple[int, float]]] = {}
    for frame in report.frames:
        for face in frame.faces:
            tid = -1 if face.track_id is None else face.track_id
            points.setdefault(tid, []).append((frame.index, face.fake_score))
    out = []
    for tid in sorted(points):
        frames, scores = zip(*points[tid], strict=True)
        out.append(TrackSeries(tid, tuple(frames), tuple(scores)))
    return out
