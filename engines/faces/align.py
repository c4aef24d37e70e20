"""Face alignment: a similarity transform from five landmarks to a canonical template, and crops.

The template is the common 112×112 five-point face template, expressed in [0, 1] and shrunk towards the
centre by ``margin`` so the crop also shows the face outline, hairline and chin (where blending seams
of face swaps lie).
"""

from __future__ import annotations

import cv2
import numpy as np

from engines.faces.types import Face

# Eyes, nose tip, mouth corners of the usual 112×112 template, divided by 112 (image left/right order).
TEMPLATE5 = np.array([
    [38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041],
], np.float64) / 112.0


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares rotation + uniform scale + translation mapping ``src`` (N, 2) onto ``dst`` → 2×3."""
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s, d = src - mu_s, dst - mu_d
    var = (s**2).sum() / len(src)
    if var <= 1e-12:
        raise ValueError("landmarks are degenerate (all at one point)")
    cov = d.T @ s / len(src)
    u, sig, vt = np.linalg.svd(cov)
    sign = np.ones(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[-1] = -1
    rot = u @ np.diag(sign) @ vt
    scale = (sig * sign).sum() / var
    m = np.zeros((2, 3))
    m[:, :2] = scale * rot
    m[:, 2] = mu_d - scale * rot @ mu_s
    return m


def alignment_matrix(landmarks5: np.ndarray, size: int, margin: float = 0.35) -> np.ndarray:
    """2×3 matrix taking image pixels to a ``size``×``size`` aligned crop (template shrunk by ``margin``)."""
    template = 0.5 + (TEMPLATE5 - 0.5) / (1.0 + margin)
    return similarity_transform(landmarks5, template * size)


def align_face(image: np.ndarray, face: Face | np.ndarray, size: int, margin: float = 0.35) -> np.ndarray:
    """Aligned RGB crop (size, size, 3) of ``face`` (a Face or its five landmarks), borders replicated."""
    five = face.landmarks5 if isinstance(face, Face) else np.asarray(face)
    m = alignment_matrix(five, size, margin)
    return cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_AREA if m[0, 0] ** 2 + m[0, 1] ** 2 < 1
                          else cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def box_crop(image: np.ndarray, box: np.ndarray, size: int, expand: float = 1.3) -> np.ndarray:
    """Square crop around ``box`` enlarged by ``expand``, resized to ``size`` (borders replicated)."""
    cx, cy = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
    side = max(box[2] - box[0], box[3] - box[1]) * expand
    k = size / max(side, 1e-6)
    m = np.array([[k, 0, size / 2.0 - k * cx], [0, k, size / 2.0 - k * cy]])
    return cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
