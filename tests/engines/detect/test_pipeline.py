"""Detection pipeline with a tiny random model: faces, scores, robustness, reports, GIF tracks, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engines.detect import DetectionReport, detect_faces_and_score, detect_file
from engines.detect.face_model import FaceForgeryModel
from engines.detect.pipeline import frame_indices
from engines.media.errors import MediaError
from engines.models.manifest import WeightsError
from tests.face_factory import astronaut, moving_face_gif, no_face_image, tiny_face_model


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    return FaceForgeryModel(tiny_face_model(tmp_path_factory.mktemp("tiny")))


def test_still_report(tiny_model):
    report = detect_faces_and_score(astronaut(), model=tiny_model, aigen=False)
    assert isinstance(report, DetectionReport) and report.kind == "still"
    assert len(report.faces) == 1
    face = report.faces[0]
    assert 0.0 <= face.fake_score <= 1.0
    assert face.label == ("fake" if face.fake_score >= tiny_model.threshold else "real")
    assert face.robustness is not None and face.robustness.label in {"stable", "uncertain", "unstable"}
    data = json.loads(json.dumps(report.to_dict()))
    assert data["frames"][0]["faces"][0]["box"] == [round(float(v), 1) for v in face.box]
    assert "landmarks_dense" not in data["frames"][0]["faces"][0]
    assert len(report.to_dict(dense_landmarks=True)["frames"][0]["faces"][0]["landmarks_dense"]) == 468


def test_no_face_is_reported_as_a_note(tiny_model):
    report = detect_faces_and_score(no_face_image(), model=tiny_model, aigen=False, robust=False)
    assert report.faces == () and "no face found" in report.notes


def test_gif_gets_one_track_over_all_frames(tiny_model, tmp_path):
    gif = moving_face_gif(tmp_path / "m.gif", frames=5)
    report = detect_file(gif, model=tiny_model, aigen=False, robust=False)
    assert report.kind == "animated" and len(report.frames) == 5
    assert len(report.tracks) == 1 and report.tracks[0].frames == (0, 1, 2, 3, 4)
    xs = [fr.faces[0].box[0] for fr in report.frames]
    assert np.all(np.diff(xs) > 5)  # the face moves right frame by frame
    assert np.isclose(report.tracks[0].mean_score, np.mean([fr.faces[0].fake_score for fr in report.frames]))
    capped = detect_file(gif, model=tiny_model, aigen=False, robust=False, max_frames=2)
    assert [f.index for f in capped.frames] == [0, 4] and any("2 of 5" in n for n in capped.notes)


def test_frame_indices():
    assert frame_indices(3, 10) == [0, 1, 2]
    assert frame_indices(100, 3) == [0, 50, 99]


def test_bad_files_raise_media_errors(tiny_model, tmp_path):
    with pytest.raises(MediaError):
        detect_file(tmp_path / "missing.jpg", model=tiny_model)
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not an image at all")
    with pytest.raises(MediaError):
        detect_file(junk, model=tiny_model)


def test_tampered_weights_are_refused(tmp_path):
    folder = tiny_face_model(tmp_path / "m")
    data = bytearray((folder / "weights.pt").read_bytes())
    data[-10] ^= 0xFF
    (folder / "weights.pt").write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="sha256"):
        FaceForgeryModel(folder)
