"""Cross-identity face swaps for evaluation, in the manner of the graphics-based FaceSwap method:
the source face is warped onto the target's landmarks (piecewise affine over a Delaunay triangulation
of the 468-point mesh), its colours are matched to the target's face (mean/std in Lab), and it is
blended in with Poisson (seamless) cloning inside the target's face hull.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.spatial import Delaunay

from engines.faces.face_mesh import FACE_OVAL
from engines.facetrain.blend import hull_mask


def piecewise_warp(source: np.ndarray, src_pts: np.ndarray, dst_pts: np.ndarray, shape: tuple[int, int]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Warp ``source`` so ``src_pts`` land on ``dst_pts``; returns (warped image, covered mask)."""
    h, w = shape
    tri = Delaunay(dst_pts)
    x0, y0 = np.floor(dst_pts.min(0)).astype(int).clip(0)
    x1, y1 = np.ceil(dst_pts.max(0)).astype(int) + 1
    x1, y1 = min(x1, w), min(y1, h)
    gx, gy = np.meshgrid(np.arange(x0, x1), np.arange(y0, y1))
    pix = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float64)
    simplex = tri.find_simplex(pix)
    inside = simplex >= 0
    t = tri.transform[simplex[inside]]
    bary2 = np.einsum("nij,nj->ni", t[:, :2], pix[inside] - t[:, 2])
    bary = np.column_stack([bary2, 1 - bary2.sum(1)])
    corners = src_pts[tri.simplices[simplex[inside]]]  # (n, 3, 2)
    mapped = np.einsum("ni,nij->nj", bary, corners)
    map_x = np.full((h, w), -1, np.float32)
    map_y = np.full((h, w), -1, np.float32)
    ys, xs = pix[inside, 1].astype(int), pix[inside, 0].astype(int)
    map_x[ys, xs], map_y[ys, xs] = mapped[:, 0], mapped[:, 1]
    warped = cv2.remap(source, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    covered = np.zeros((h, w), np.float32)
    covered[ys, xs] = 1.0
    return warped, covered


def colour_transfer(source: np.ndarray, target: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Match the Lab mean and standard deviation of ``source`` to ``target`` inside ``mask``."""
    sel = mask > 0.5
    if sel.sum() < 16:
        return source
    src = cv2.cvtColor(source, cv2.COLOR_RGB2LAB).astype(np.float32)
    tgt = cv2.cvtColor(target, cv2.COLOR_RGB2LAB).astype(np.float32)
    s_mu, s_sd = src[sel].mean(0), src[sel].std(0) + 1e-3
    t_mu, t_sd = tgt[sel].mean(0), tgt[sel].std(0) + 1e-3
    out = (src - s_mu) / s_sd * t_sd + t_mu
    return cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def face_swap(target: np.ndarray, target_mesh: np.ndarray, source: np.ndarray, source_mesh: np.ndarray,
              erode: float = 0.06) -> tuple[np.ndarray, np.ndarray]:
    """Put the source face onto the target: (swapped RGB uint8, blend mask bool)."""
    h, w = target.shape[:2]
    warped, covered = piecewise_warp(source, source_mesh.astype(np.float64), target_mesh.astype(np.float64),
                                     (h, w))
    mask = hull_mask((h, w), target_mesh[list(FACE_OVAL)]) * covered
    span = float(np.ptp(target_mesh[:, 0]))
    k = max(3, int(span * erode) | 1)
    mask = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    warped = colour_transfer(warped, target, mask)
    ys, xs = np.nonzero(mask > 0.5)
    if len(xs) < 64:
        raise ValueError("face region too small to swap")
    # seamlessClone centres the mask's bounding box on ``centre``: use that box's centre to keep it in place.
    centre = (int((xs.min() + xs.max() + 1) // 2), int((ys.min() + ys.max() + 1) // 2))
    m8 = (mask > 0.5).astype(np.uint8) * 255
    out = cv2.seamlessClone(warped[:, :, ::-1].copy(), target[:, :, ::-1].copy(), m8, centre, cv2.NORMAL_CLONE)
    return np.ascontiguousarray(out[:, :, ::-1]), mask > 0.5
