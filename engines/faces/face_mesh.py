"""MediaPipe face mesh (468 landmarks) through LiteRT, cropped around a detected face.

The region of interest follows MediaPipe's recipe: the detection box centre, rotated so the eyes are
level, a square 1.5× the box's long side. The model sees that crop at 192×192 in [0, 1] and returns
468 (x, y, z) points in crop pixels plus a face-presence logit.
"""

from __future__ import annotations

import cv2
import numpy as np

from engines.faces.package_files import FACE_MESH
from engines.faces.tflite import TfliteModel

SIZE = 192
ROI_SCALE = 1.5
# Mesh indices: eye corners (image-left eye = subject's right), nose tip, mouth corners.
EYE_IMAGE_LEFT = (33, 133)
EYE_IMAGE_RIGHT = (362, 263)
NOSE_TIP = 1
MOUTH_IMAGE_LEFT = 61
MOUTH_IMAGE_RIGHT = 291
# Outline of the face oval, in order (for hull masks and drawing).
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
             176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)


def roi_transform(box: np.ndarray, eye_a: np.ndarray, eye_b: np.ndarray, scale: float = ROI_SCALE
                  ) -> np.ndarray:
    """2×3 affine mapping crop pixels (0..SIZE) to image pixels for a face box and its two eyes.

    ``eye_a`` is the eye on the image's left, ``eye_b`` the one on its right.
    """
    cx, cy = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
    side = max(box[2] - box[0], box[3] - box[1]) * scale
    angle = np.arctan2(eye_b[1] - eye_a[1], eye_b[0] - eye_a[0])
    c, s = np.cos(angle), np.sin(angle)
    k = side / SIZE
    # p = centre + R · (k·(u, v) − side/2)
    rot = np.array([[c, -s], [s, c]]) * k
    offset = np.array([cx, cy]) - rot @ np.array([SIZE / 2.0, SIZE / 2.0])
    return np.hstack([rot, offset[:, None]]).astype(np.float64)


class FaceMesh:
    """Dense landmarks for one face at a time."""

    def __init__(self, threads: int = 1, min_presence: float = 0.5):
        self.model = TfliteModel(FACE_MESH, threads)
        self.min_presence = min_presence

    def run(self, image: np.ndarray, to_image: np.ndarray) -> tuple[np.ndarray, float]:
        """(468, 2) landmarks in image pixels and the face-presence probability for ROI ``to_image``."""
        crop = cv2.warpAffine(image, to_image, (SIZE, SIZE), flags=cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT)
        raw, presence = self.model.run(crop.astype(np.float32)[None] / 255.0)
        pts = raw.reshape(-1, 3)[:, :2].astype(np.float64)
        img_pts = pts @ to_image[:, :2].T + to_image[:, 2]
        prob = float(1.0 / (1.0 + np.exp(-np.clip(float(presence.reshape(-1)[0]), -80, 80))))
        return img_pts.astype(np.float32), prob


def five_from_mesh(mesh: np.ndarray) -> np.ndarray:
    """``LANDMARKS5`` (eyes, nose, mouth corners; image left then right) from the 468 mesh points."""
    return np.stack([
        mesh[list(EYE_IMAGE_LEFT)].mean(0),
        mesh[list(EYE_IMAGE_RIGHT)].mean(0),
        mesh[NOSE_TIP],
        mesh[MOUTH_IMAGE_LEFT],
        mesh[MOUTH_IMAGE_RIGHT],
    ]).astype(np.float32)
