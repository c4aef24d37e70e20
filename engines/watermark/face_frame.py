"""The canonical frame of a face mark: a 128-px square aligned on the face's eyes and nose, and how the
picture around a face is sampled into it.

The eyes and nose tip are mapped by a least-squares similarity onto the usual five-point template, centred
on the face and shrunk so the square also holds brows, chin, cheeks and some hair. The mark is made in this
frame and warped into the picture; the verifier warps the suspect face back (its own landmarks give a first
guess, ``face_search`` the exact frame).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from engines.faces.align import TEMPLATE5, similarity_transform

SIZE = 128  # canonical square side, pixels
TEMPLATE_CENTRE = (0.5, 0.58)  # template point placed at the square's centre
TEMPLATE_SCALE = 0.75  # template units → square units (eye distance ≈ 30 canonical px)
TEMPLATE = (0.5 + (TEMPLATE5 - np.array(TEMPLATE_CENTRE)) * TEMPLATE_SCALE) * SIZE
FRAME_POINTS = (0, 1, 2)  # of the five landmarks: eyes and nose tip (eyes alone: mouth edits moved the
# square less, but untouched faces after JPEG 80 more, beyond the near search)
MIN_EYE_DISTANCE = 16.0  # picture pixels: smaller faces carry no face mark
REDUCED_PER_CANONICAL = 1.5  # least reduced-plane pixels per canonical pixel (see ``reduction``)
ANTI_ALIAS = 0.5  # Gaussian σ (canonical pixels) applied to the reduced plane before sampling: without it the
# sampled texture aliased and an untouched 1024-px face's sync fell from 12 to 5 with 0.1 px of misalignment
SAMPLING = cv2.INTER_LINEAR  # Lanczos made the frame search no more tolerant (measured), only slower


def canonical_matrix(landmarks5: np.ndarray) -> np.ndarray:
    """2×3 similarity taking picture pixels to the canonical square of a face with these five landmarks.

    Only the eyes and the nose tip place the square (the mouth corners moved it most on edited mouths). The
    face mesh is one global fit, though, so an edit anywhere still moves these points a little; the verifier
    searches around this frame.
    """
    return similarity_transform(np.asarray(landmarks5, np.float64)[list(FRAME_POINTS)], TEMPLATE[list(FRAME_POINTS)])


def eye_distance(landmarks5: np.ndarray) -> float:
    """Distance between the two eye centres in picture pixels."""
    pts = np.asarray(landmarks5, np.float64)
    return float(np.hypot(*(pts[1] - pts[0])))


def to_canonical(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Picture points (N, 2) → canonical points under ``matrix``."""
    return np.asarray(points, np.float64) @ matrix[:, :2].T + matrix[:, 2]


def to_picture(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Canonical points (N, 2) → picture points (inverse of ``to_canonical``)."""
    inv = cv2.invertAffineTransform(matrix)
    return np.asarray(points, np.float64) @ inv[:, :2].T + inv[:, 2]


def adjusted(matrix: np.ndarray, scale: float = 1.0, angle_deg: float = 0.0, shift: tuple[float, float] = (0, 0)
             ) -> np.ndarray:
    """``matrix`` followed by a rotation/scale about the square's centre and a shift (x, y), canonical pixels."""
    a = np.radians(angle_deg)
    rot = scale * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    c = np.array([SIZE / 2.0, SIZE / 2.0])
    lin = rot @ matrix[:, :2]
    off = rot @ (matrix[:, 2] - c) + c + np.asarray(shift, np.float64)
    return np.hstack([lin, off[:, None]])


def from_square(square: np.ndarray, matrix: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, tuple]:
    """Warp a canonical-square plane into the picture: (patch, (y0, y1, x0, x1)) covering the square's footprint."""
    h, w = shape
    corners = to_picture(matrix, np.array([[0, 0], [SIZE, 0], [0, SIZE], [SIZE, SIZE]], np.float64))
    x0, y0 = np.floor(corners.min(0)).astype(int)
    x1, y1 = np.ceil(corners.max(0)).astype(int) + 1
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return np.zeros((0, 0), np.float32), (0, 0, 0, 0)
    shifted = matrix.astype(np.float64).copy()
    shifted[:, 2] += matrix[:, :2] @ np.array([x0, y0], np.float64)
    patch = cv2.warpAffine(square.astype(np.float32), shifted, (x1 - x0, y1 - y0),
                           flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT)
    return patch, (y0, y1, x0, x1)


@dataclasses.dataclass(frozen=True)
class FaceView:
    """A face's neighbourhood of the picture luma, pre-filtered for sampling its canonical square."""

    plane: np.ndarray
    to_plane: np.ndarray  # 2×3: picture pixels → plane pixels
    picture_shape: tuple[int, int] = (0, 0)  # (h, w) of the whole picture

    def square(self, matrix: np.ndarray, size: int = SIZE) -> np.ndarray:
        """The canonical square (``size`` pixels from the canonical origin) under ``matrix`` (picture → canonical)."""
        inv = cv2.invertAffineTransform(self.to_plane)
        m = matrix[:, :2] @ inv[:, :2]
        t = matrix[:, :2] @ inv[:, 2] + matrix[:, 2]
        return cv2.warpAffine(self.plane, np.hstack([m, t[:, None]]), (size, size),
                              flags=SAMPLING, borderMode=cv2.BORDER_REFLECT)


def reduction(matrix: np.ndarray) -> int:
    """Whole factor by which a face's neighbourhood is box-averaged before sampling its square (1, 2, 4, …):
    1.5–3 reduced pixels per canonical pixel remain (a coarser plane made the search's peak no wider on
    1024-px faces, and put the 42-px-eye test face next to the 1 → 2 step, where embedder and verifier can
    pick different factors)."""
    per_canonical = 1.0 / np.sqrt(abs(np.linalg.det(matrix[:, :2])))  # picture pixels per canonical pixel
    return int(2 ** max(0, int(np.floor(np.log2(per_canonical / REDUCED_PER_CANONICAL)))))


def face_view(y: np.ndarray, matrix: np.ndarray, margin: float = 0.25) -> FaceView:
    """Cut the picture around a face's square, box-average it by ``reduction`` and low-pass it (``ANTI_ALIAS``).

    The cut starts on a multiple of the factor, so every frame near ``matrix`` samples the same reduced
    plane: the embedder's read-back and the verifier's see identical pixels (bit decisions move with the
    slightest change of pre-filtering).
    """
    k = reduction(matrix)
    pad = SIZE * margin
    corners = to_picture(matrix, np.array([[-pad, -pad], [SIZE + pad, -pad], [-pad, SIZE + pad],
                                                 [SIZE + pad, SIZE + pad]], np.float64))
    h, w = y.shape
    lo = np.maximum(np.floor(corners.min(0) / k).astype(int) * k, 0)
    hi = np.minimum(np.ceil(corners.max(0)).astype(int), (w, h))
    x0, y0 = int(lo[0]), int(lo[1])
    x1, y1 = max(int(hi[0]), x0 + k), max(int(hi[1]), y0 + k)
    x1, y1 = x0 + (x1 - x0) // k * k, y0 + (y1 - y0) // k * k
    crop = np.asarray(y[y0:y1, x0:x1], dtype=np.float32)
    if k > 1 and crop.size:
        crop = crop.reshape(crop.shape[0] // k, k, crop.shape[1] // k, k).mean(axis=(1, 3))
    per_plane = 1.0 / (k * np.sqrt(abs(np.linalg.det(matrix[:, :2]))))  # plane pixels per canonical pixel
    if k > 1 and crop.size:  # reduced planes only (faces read at their own resolution searched as well unblurred)
        crop = cv2.GaussianBlur(crop, (0, 0), ANTI_ALIAS * per_plane, borderType=cv2.BORDER_REFLECT)
    # plane pixel j holds the mean of picture pixels x0 + k·j … x0 + k·j + k − 1, centred on x0 + k·j + (k − 1)/2
    to_plane = np.array([[1.0 / k, 0.0, -(x0 + (k - 1) / 2) / k], [0.0, 1.0 / k, -(y0 + (k - 1) / 2) / k]])
    return FaceView(np.ascontiguousarray(crop, dtype=np.float32), to_plane, (h, w))
