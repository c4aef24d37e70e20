"""Face detection + forgery scores + robustness + AI-generated score for images, GIFs and videos.

``detect_faces_and_score(image)`` handles one RGB frame; ``detect_file(path)`` opens a still, GIF or
video (through ``engines.media``), scores up to ``max_frames`` evenly spaced frames, follows faces with
an IoU tracker and aggregates each track. Stills use tiled face detection (small faces); frames of
GIFs and videos use one whole-frame pass of the full-range model (speed).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from engines.detect.face_model import FaceForgeryModel, shared_face_model
from engines.detect.report import AigenResult, DetectionReport, FaceResult, FrameResult
from engines.detect.tracking import IouTracker
from engines.faces import still_detector, video_detector
from engines.faces.types import FaceDetector, check_image

AIGEN_LIMITS = ("linear probe fitted on 58 images (33 real, 25 generated; GAN and diffusion); cross-validated "
                "AUC only — a development indicator, not evidence. Unreliable for generators, sizes or "
                "post-processing unlike its training images.")


def score_faces(image: np.ndarray, detector: FaceDetector, model: FaceForgeryModel, robust: bool = True
                ) -> list[FaceResult]:
    """Detect faces in one RGB frame and score each (with TRIM when ``robust``)."""
    faces = detector.detect(image)
    scored = model.score(model.crops(image, faces), robust=robust)
    return [FaceResult(box=f.box, detector_score=f.score, landmarks5=f.landmarks5, landmarks_dense=f.landmarks_dense,
                       fake_score=p, label="fake" if p >= model.threshold else "real", robustness=trim)
            for f, (p, trim) in zip(faces, scored, strict=True)]


def aigen_score(image: np.ndarray) -> AigenResult:
    """The shipped probe's score for a whole image."""
    from engines.detect.aigen import shipped_probe

    probe = shipped_probe()
    s = probe.score(image)
    return AigenResult(score=s, label="generated" if s >= probe.threshold else "camera", cv_auc=probe.cv_auc,
                       limits=AIGEN_LIMITS)


def _aigen_or_note(image: np.ndarray, notes: list[str]) -> AigenResult | None:
    from engines.models.manifest import WeightsError

    try:
        return aigen_score(image)
    except WeightsError as exc:
        notes.append(f"AI-generated score unavailable: {exc}")
        return None


def detect_faces_and_score(image: np.ndarray, *, detector: FaceDetector | None = None,
                           model: FaceForgeryModel | None = None, robust: bool = True, aigen: bool = True,
                           source: str = "") -> DetectionReport:
    """Faces (boxes, landmarks, fake scores, robustness) and the AI-generated score of one RGB image."""
    image = check_image(image)
    detector = detector or still_detector()
    model = model or shared_face_model()
    notes: list[str] = []
    faces = score_faces(image, detector, model, robust)
    if not faces:
        notes.append("no face found")
    h, w = image.shape[:2]
    return DetectionReport(
        source=source, kind="still", width=w, height=h, frame_count=1,
        frames=(FrameResult(0, 0.0, tuple(faces)),), tracks=(),
        aigen=_aigen_or_note(image, notes) if aigen else None,
        detector=detector.name, model=model.name, threshold=model.threshold, notes=tuple(notes),
    )


def frame_indices(count: int, max_frames: int) -> list[int]:
    """All frames, or ``max_frames`` evenly spaced ones (first and last included)."""
    if count <= max_frames:
        return list(range(count))
    return sorted({int(np.rint(v)) for v in np.linspace(0, count - 1, max_frames)})


def detect_file(path: str | Path, *, max_frames: int = 300, robust: bool = True, aigen: bool = True,
                model: FaceForgeryModel | None = None,
                progress: Callable[[float, str], None] | None = None) -> DetectionReport:
    """Open a still, GIF or video and score it; multi-frame files get per-frame faces and tracks.

    Raises ``MediaError`` for unreadable input and ``WeightsError`` when the shipped model is missing.
    """
    from engines.media.opener import open_media

    if max_frames < 1:
        raise ValueError("max_frames must be ≥ 1")
    model = model or shared_face_model()
    with open_media(path) as media:
        if media.frame_count <= 1 or media.kind == "still":
            report = detect_faces_and_score(np.asarray(media.frame(0)), model=model, robust=robust, aigen=aigen,
                                            source=str(path))
            return report
        detector = video_detector()
        tracker = IouTracker()
        indices = frame_indices(media.frame_count, max_frames)
        frames: list[FrameResult] = []
        notes: list[str] = []
        aigen_result = None
        for n, index in enumerate(indices):
            image = np.asarray(media.frame(index))
            if n == 0 and aigen:
                aigen_result = _aigen_or_note(image, notes)
            faces = tracker.update(index, score_faces(image, detector, model, robust), position=n)
            frames.append(FrameResult(index, media.timestamp(index), tuple(faces)))
            if progress:
                progress((n + 1) / len(indices), f"frame {index + 1} of {media.frame_count}")
        if len(indices) < media.frame_count:
            notes.append(f"{len(indices)} of {media.frame_count} frames analysed (evenly spaced)")
        if aigen:
            notes.append("AI-generated score from the first frame")
        w, h = media.size
        return DetectionReport(
            source=str(path), kind=media.kind, width=w, height=h, frame_count=media.frame_count,
            frames=tuple(frames), tracks=tracker.summaries(model.threshold), aigen=aigen_result,
            detector=detector.name, model=model.name, threshold=model.threshold, notes=tuple(notes),
        )
