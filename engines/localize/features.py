"""Fixed compression features fed to the localizer's noise stream next to the SRM / constrained residuals.

Error levels: |image − JPEG_q(image)| averaged over the colour channels, for a few qualities q. Regions
with a different compression history (pasted from another JPEG, resampled, retouched) re-compress
differently from the rest. Computed on the whole image, so the 8×8 grid is the image's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import cv2
import numpy as np

from engines.localize.postprocess import jpeg

ERROR_LEVEL_SCALE = 8.0  # grey levels per unit
ERROR_LEVEL_CLIP = 4.0


def error_levels(image: np.ndarray, qualities: Sequence[int],
                 resaved: Mapping[int, np.ndarray] | None = None) -> np.ndarray:
    """(H, W, len(qualities)) float32: mean-over-RGB |image − JPEG_q(image)| / 8, clipped to [0, 4].

    ``resaved``: JPEG round trips of ``image`` by quality (``postprocess.jpeg``) already made elsewhere, reused."""
    rgb = np.ascontiguousarray(image)
    out = np.empty((*image.shape[:2], len(qualities)), np.float32)
    to_level = np.full((1, 3), 1.0 / (3.0 * ERROR_LEVEL_SCALE), np.float32)  # channel mean and scale in one pass
    for i, q in enumerate(qualities):
        back = resaved[q] if resaved is not None and q in resaved else jpeg(rgb, q)
        diff = cv2.absdiff(rgb, back).astype(np.float32)
        out[..., i] = np.minimum(cv2.transform(diff, to_level).reshape(image.shape[:2]), ERROR_LEVEL_CLIP)
    return out
