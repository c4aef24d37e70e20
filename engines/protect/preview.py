"""What a face-swap tool would make of a photo before and after protection, as one picture.

The shipped swap surrogate (a classic shared-encoder / two-decoder deepfake model) is run on each face's aligned
crop of the original and of the protected photo. The picture has one row per face: the original crop, the swap
made from it, the protected crop, the swap made from that, and how much the two swaps differ (absolute
difference × ``DIFF_GAIN`` on black), since a change of 25–30 dB is hard to see side by side. Only the surrogate
trained here is shown; real tools are other models (see the protection report's limits). The surrogate was
trained on 30 faces, so on a new face its swap is a rough mix of those people: what the preview shows is how much
protection changes it.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from engines.protect.mtcnn import FaceBox
from engines.protect.surrogates import aligned_crop, aligned_grid, shipped_surrogates

PREVIEW_MODEL = "protect_swap_ae"
CELL = 160  # pixels per crop in the preview
GAP = 6
DIFF_GAIN = 4.0
COLUMNS = 5


def _tensor(image: np.ndarray, device: str) -> torch.Tensor:
    copy = np.array(image)  # frames from the media cache are read-only
    return torch.from_numpy(copy).permute(2, 0, 1)[None].float().div(255.0).to(device)


def _cell(t: torch.Tensor) -> np.ndarray:
    rgb = (t[0].permute(1, 2, 0).clamp(0, 1).cpu().numpy() * 255.0).round().astype(np.uint8)
    return cv2.resize(rgb, (CELL, CELL), interpolation=cv2.INTER_CUBIC)


def swap_preview(original: np.ndarray, protected: np.ndarray, faces: tuple[FaceBox, ...] | list[FaceBox],
                 device: str = "cpu") -> np.ndarray | None:
    """RGB uint8 grid (one row per face: original, its swap, protected, its swap, |swap difference| × ``DIFF_GAIN``);
    None without faces or model."""
    if original.shape != protected.shape:
        raise ValueError("the original and the protected photo must have the same size")
    found = shipped_surrogates((PREVIEW_MODEL,), device)
    if not faces or not found:
        return None
    model = found[0]
    rows = []
    with torch.no_grad():
        for face in faces:
            grid = aligned_grid(face.landmarks5, model.crop_size, model.margin, original.shape[:2], device)
            cells, outs = [], []
            for image in (original, protected):
                crop = aligned_crop(_tensor(image, device), grid)
                out = model.model(crop)
                outs.append(out[0] if isinstance(out, (tuple, list)) else out)
                cells += [_cell(crop), _cell(outs[-1])]
            cells.append(_cell((outs[1] - outs[0]).abs() * DIFF_GAIN))
            row = np.full((CELL, COLUMNS * CELL + (COLUMNS - 1) * GAP, 3), 255, np.uint8)
            for k, cell in enumerate(cells):
                row[:, k * (CELL + GAP):k * (CELL + GAP) + CELL] = cell
            rows.append(row)
    sheet = np.full((len(rows) * CELL + (len(rows) - 1) * GAP, rows[0].shape[1], 3), 255, np.uint8)
    for k, row in enumerate(rows):
        sheet[k * (CELL + GAP):k * (CELL + GAP) + CELL] = row
    return sheet
