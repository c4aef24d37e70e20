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
    src = bgr.astype(np.int16)
    out = np.empty((*image.shape[:2], len(qualities)), np.float32)
    for i, q in enumerate(qualities):
        ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(q)])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        diff = np.abs(src - cv2.imdecode(buf, cv2.IMREAD_COLOR).astype(np.int16)).mean(axis=2)
        out[..., i] = np.minimum(diff / ERROR_LEVEL_SCALE, ERROR_LEVEL_CLIP)
    return out
