"""Fixed compression features fed to the localizer's noise stream next to the SRM / constrained residuals.

Error levels: |image − JPEG_q(image)| averaged over the colour channels, for a few qualities q. Regions
with a different compression history (pasted from another JPEG, resampled, retouched) re-compress
differently from the rest. Computed on the whole image, so the 8×8 grid is the image's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import cv2
import numpy as np

ERROR_LEVEL_SCALE = 8.0  # grey levels per unit
ERROR_LEVEL_CLIP = 4.0


def jpeg_resave(image: np.ndarray, quality: int) -> np.ndarray:
    """The RGB image encoded as JPEG at ``quality`` and decoded again (RGB)."""
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(image[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def error_levels(image: np.ndarray, qualities: Sequence[int],
                 resaved: Mapping[int, np.ndarray] | None = None) -> np.ndarray:
    """(H, W, len(qualities)) float32: mean-over-RGB |image − JPEG_q(image)| / 8, clipped to [0, 4].

    ``resaved``: JPEG round trips of ``image`` by quality (``jpeg_resave``) already made elsewhere, reused."""
    rgb = np.ascontiguousarray(image)
    out = np.empty((*image.shape[:2], len(qualities)), np.float32)
    to_level = np.full((1, 3), 1.0 / (3.0 * ERROR_LEVEL_SCALE), np.float32)  # channel mean and scale in one pass
    for i, q in enumerate(qualities):
        back = resaved[q] if resaved is not None and q in resaved else jpeg_resave(rgb, q)
        diff = cv2.absdiff(rgb, back).astype(np.float32)
        out[..., i] = np.minimum(cv2.transform(diff, to_level).reshape(image.shape[:2]), ERROR_LEVEL_CLIP)
    return out
