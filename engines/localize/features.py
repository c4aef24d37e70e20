"""Fixed compression features fed to the localizer's noise stream next to the SRM / constrained residuals.

Error levels: |image − JPEG_q(image)| averaged over the colour channels, for a few qualities q. Regions
with a different compression history (pasted from another JPEG, resampled, retouched) re-compress
differently from the rest. Computed on the whole image, so the 8×8 grid is the image's own.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

ERROR_LEVEL_SCALE = 8.0  # grey levels per unit
ERROR_LEVEL_CLIP = 4.0


def error_levels(image: np.ndarray, qualities: Sequence[int]) -> np.ndarray:
    """(H, W, len(qualities)) float32: mean-over-RGB |image − JPEG_q(image)| / 8, clipped to [0, 4]."""
    bgr = np.ascontiguousarray(image[:, :, ::-1])
    out = np.empty((*image.shape[:2], len(qualities)), np.float32)
    to_level = np.full((1, 3), 1.0 / (3.0 * ERROR_LEVEL_SCALE), np.float32)  # channel mean and scale in one pass
    for i, q in enumerate(qualities):
        ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(q)])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        diff = cv2.absdiff(bgr, cv2.imdecode(buf, cv2.IMREAD_COLOR)).astype(np.float32)
        out[..., i] = np.minimum(cv2.transform(diff, to_level).reshape(image.shape[:2]), ERROR_LEVEL_CLIP)
    return out
