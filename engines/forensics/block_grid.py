"""Block artifact grid (after Li, Yuan & Yu 2009): where the 8×8 JPEG blocking grid is missing or misaligned.

JPEG leaves faint steps at the borders of its 8×8 blocks. Second-order differences |2·Y(x) − Y(x−1) − Y(x+1)|,
capped so that content edges weigh no more than a block step, peak on both sides of every block border. Summed per
position modulo 8, over the whole image and over local windows, they give phase profiles whose peak is the grid
position. Each window is scored by how much its strongest border position other than the image's beats the
image's position; the map is that score in robust deviations above the typical window. Windows on the image's grid
are dark; a pasted piece of another JPEG whose grid is shifted (offset not a multiple of 8) is bright; content
without a grid (never compressed, resampled, painted) lies in between.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from engines.findings import Finding
from engines.forensics._block_dct import jpeg_luma
from engines.forensics.params import Param
from engines.forensics.registry import Analysis, Subject, register
from engines.runtime.jobs import JobContext

VERSION = "1.0"

_MIN_GRID = 0.01  # global grid contrast (share of second-difference energy) below which no grid is visible
_FULL_Z = 4.0  # robust deviations above the typical area shown as 1.0


def second_differences(luma: np.ndarray, cap: float) -> tuple[np.ndarray, np.ndarray]:
    """|2·Y(x) − Y(x−1) − Y(x+1)| along rows (horizontal) and along columns (vertical), capped at ``cap`` so
    that content edges count no more than a blocking step. Borders are 0. Both float32 (H, W)."""
    y = np.asarray(luma, np.float32)
    horizontal = np.zeros_like(y)
    vertical = np.zeros_like(y)
    horizontal[:, 1:-1] = np.abs(2 * y[:, 1:-1] - y[:, :-2] - y[:, 2:])
    vertical[1:-1, :] = np.abs(2 * y[1:-1, :] - y[:-2, :] - y[2:, :])
    np.minimum(horizontal, cap, out=horizontal)
    np.minimum(vertical, cap, out=vertical)
    return horizontal, vertical


def phase_profiles(diff: np.ndarray, axis: int) -> np.ndarray:
    """Per 8×8 cell: the sum of ``diff`` at each position modulo 8 across ``axis`` (1: columns, 0: rows).
    Returns (cell rows, cell columns, 8)."""
    rows, cols = diff.shape[0] // 8, diff.shape[1] // 8
    cells = diff[: rows * 8, : cols * 8].reshape(rows, 8, cols, 8)
    return cells.sum(axis=1) if axis == 1 else cells.sum(axis=3).transpose(0, 2, 1)


def border_strength(profile: np.ndarray) -> np.ndarray:
    """Strength of a block border before each position b (between b−1 and b), as a share of the profile's total:
    (profile[b−1] + profile[b] − profile[b−2] − profile[b+1]) / Σ profile — the two peaks a border makes in
    second differences, against their outer neighbours."""
    peak = profile + np.roll(profile, 1, axis=-1)
    flanks = np.roll(profile, 2, axis=-1) + np.roll(profile, -1, axis=-1)
    return (peak - flanks) / (profile.sum(axis=-1, keepdims=True) + 1e-6)


def misalignment(strength: np.ndarray, phase: int) -> np.ndarray:
    """Best border strength at any other position minus the strength at ``phase``, per cell."""
    others = np.delete(strength, phase, axis=-1).max(axis=-1)
    return others - strength[..., phase]


def _windowed(profiles: np.ndarray, cells: int) -> np.ndarray:
    out = np.empty_like(profiles)
    for k in range(profiles.shape[-1]):
        out[..., k] = cv2.boxFilter(profiles[..., k], -1, (cells, cells), borderType=cv2.BORDER_REFLECT)
    return out


def _run(ctx: JobContext, subject: Subject, params: dict[str, Any]) -> Finding:
    image = subject.image
    h, w = image.shape[:2]
    ctx.progress(0.0, "starting")
    if min(h, w) < 32:
        return Finding(
            engine="block_grid",
            version=VERSION,
            params=dict(params),
            summary="Image too small (under 32 px).",
            heatmap=np.zeros((h, w), np.float32),
        )
    ctx.progress(0.1, "second-order differences")
    horizontal, vertical = second_differences(jpeg_luma(image), params["edge_cap"])
    col_profiles = phase_profiles(horizontal, axis=1).astype(np.float32)
    row_profiles = phase_profiles(vertical, axis=0).astype(np.float32)
    ctx.progress(0.5, "locating the grid")
    col_global = border_strength(col_profiles.sum(axis=(0, 1)))
    row_global = border_strength(row_profiles.sum(axis=(0, 1)))
    grid = (int(np.argmax(row_global)), int(np.argmax(col_global)))
    contrast = min(float(-misalignment(row_global, grid[0])), float(-misalignment(col_global, grid[1])))
    contrast = max(contrast, 0.0)
    details = {"grid": list(grid), "grid_contrast": contrast}
    if contrast < _MIN_GRID:
        return Finding(
            engine="block_grid",
            version=VERSION,
            params=dict(params),
            details=details,
            summary="No JPEG blocking grid is visible (never compressed, compressed very lightly, or resized): "
            "the map is empty.",
            heatmap=np.zeros((h, w), np.float32),
        )
    ctx.progress(0.7, "scoring areas")
    cells = max(1, params["window"] // 8)
    col_local = border_strength(_windowed(col_profiles, cells))
    row_local = border_strength(_windowed(row_profiles, cells))
    score = np.maximum(misalignment(col_local, grid[1]), misalignment(row_local, grid[0]))
    typical = float(np.median(score))  # most of the image sits on the grid
    spread = 1.4826 * float(np.median(np.abs(score - typical))) + 1e-6
    heat_cells = np.clip((score - typical) / (_FULL_Z * spread), 0.0, 1.0).astype(np.float32)
    heat = cv2.resize(heat_cells, (heat_cells.shape[1] * 8, heat_cells.shape[0] * 8), interpolation=cv2.INTER_NEAREST)
    heat = cv2.copyMakeBorder(heat, 0, h - heat.shape[0], 0, w - heat.shape[1], cv2.BORDER_REPLICATE)
    off_grid = float((heat_cells > 0.5).mean())
    summary = (
        f"Blocking grid at offset {grid} (row, column), contrast {contrast:.3f}. {off_grid * 100:.1f}% of the image "
        f"is bright: its own grid is weaker than usual or sits at another offset ({_FULL_Z / 2:.0f}+ robust "
        "deviations from the typical area)."
    )
    details.update({"typical_score": typical, "score_spread": spread, "bright_fraction": off_grid})
    return Finding(
        engine="block_grid", version=VERSION, params=dict(params), summary=summary, heatmap=heat, details=details
    )


ANALYSIS = register(
    Analysis(
        id="block_grid",
        group="JPEG",
        title="Block artifact grid",
        how_to_read=(
            "JPEG compression leaves a faint 8×8 grid of block borders. The image's grid position is found first; "
            "then every window is scored by whether its own grid matches it, relative to the typical window. Dark: "
            "on the image's grid. Bright: a grid at another position, as when a piece of another JPEG is pasted at "
            "an offset that is not a multiple of 8. Grey: a weak or missing grid (content never compressed, resized, "
            "painted or smoothed — or just busy texture). Needs visible blocking (medium or low quality); a few "
            "isolated bright windows occur by chance, look for compact areas. Resolution is about one window."
        ),
        params=(
            Param("window", "Window (px)", "int", 64, 16, 256, 8, help="Side of the area each score covers."),
            Param(
                "edge_cap",
                "Edge cap",
                "float",
                6.0,
                1.0,
                64.0,
                1.0,
                help="Second differences are capped here so that content edges weigh no more than block steps.",
            ),
        ),
        output="map",
        run=_run,
        version=VERSION,
    )
)
