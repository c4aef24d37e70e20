"""Where the 8×8 JPEG block grids of an image lie, and which quantisation step the last save used.

Works on decoded pixels only. Two statistics are measured for every one of the 64 grid offsets on a sample of
blocks (the most textured tiles of the image):

* the share of near-zero mid/high-frequency DCT coefficients — largest on the grid of the last save, whose
  quantisation zeroed many of them exactly;
* the integer periodicity of low-frequency coefficients (how close they lie to multiples of some step) — also
  high on the grid of an earlier save, whose traces survive a later save on another grid as noisy periodicity.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from engines.forensics._block_dct import block_dct

_TILE = 64  # tile side in pixels (8 blocks), plus 8 for the offsets
_TILES = 96  # tiles sampled (96 · 64 blocks)
_PERIODICITY_BLOCKS = 1536
_ZERO_BAND = [(u, v) for u in range(8) for v in range(8) if 4 <= u + v <= 10]
_LOW_BAND = [(0, 1), (1, 0), (2, 0), (1, 1), (0, 2)]
_EXACT_SHARE = 0.6  # share of coefficients within 0.5 of a multiple of the last step (decoder noise σ≈0.45)
_STEPS = np.arange(2, 41, dtype=np.float32)


@dataclasses.dataclass(frozen=True)
class GridScan:
    """Per-offset statistics (8×8 arrays indexed [row offset, column offset])."""

    zeros: np.ndarray
    periodicity: np.ndarray

    @property
    def last_grid(self) -> tuple[int, int]:
        """Offset with the most near-zero coefficients: the grid of the last JPEG save."""
        r, c = np.unravel_index(int(np.argmax(self.zeros)), self.zeros.shape)
        return int(r), int(c)

    @property
    def last_grid_contrast(self) -> float:
        """How far the last grid's zero share stands above the median offset (≈0: no JPEG grid at all)."""
        return float(self.zeros.max() - np.median(self.zeros))

    def earlier_grid(self) -> tuple[tuple[int, int], float]:
        """Most periodic offset away from the last grid, and its periodicity over the median of the others.

        Offsets within one pixel of the last grid are skipped: on smooth content their blocks nearly coincide
        with the last grid's and inherit its periodicity.
        """
        ly, lx = self.last_grid
        near = np.minimum(np.abs(np.arange(8) - ly), 8 - np.abs(np.arange(8) - ly))[:, None] <= 1
        near = near & (np.minimum(np.abs(np.arange(8) - lx), 8 - np.abs(np.arange(8) - lx))[None, :] <= 1)
        per = np.where(near, -np.inf, self.periodicity)
        r, c = np.unravel_index(int(np.argmax(per)), per.shape)
        return (int(r), int(c)), float(per[r, c] - np.median(per[~near]))

    @property
    def quietest(self) -> tuple[int, int]:
        """The offset with the least periodicity and fewest zeros: a grid no save used (for calibration)."""
        rank = _rank(self.zeros) + _rank(self.periodicity)
        r, c = np.unravel_index(int(np.argmin(rank)), rank.shape)
        return int(r), int(c)


def _rank(values: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(values.ravel())).reshape(values.shape).astype(np.float64)


def sample_tiles(luma: np.ndarray, count: int = _TILES) -> np.ndarray:
    """The ``count`` most textured tiles of (8·8 + 8)² pixels, taken at multiples of 8 so that block offsets
    inside a tile equal offsets in the image: array (tiles, 72, 72)."""
    side = _TILE + 8
    rows, cols = luma.shape[0] // side, luma.shape[1] // side
    if rows == 0 or cols == 0:
        return np.zeros((0, side, side), np.float32)
    grid = luma[: rows * side, : cols * side].reshape(rows, side, cols, side).transpose(0, 2, 1, 3)
    tiles = grid.reshape(rows * cols, side, side)
    if tiles.shape[0] > count:
        tiles = tiles[np.sort(np.argsort(tiles.std(axis=(1, 2)))[-count:])]
    return tiles


def _tile_blocks(tiles: np.ndarray, offset: tuple[int, int]) -> np.ndarray:
    """DCT blocks (n, 8, 8) of every tile on the grid at ``offset``."""
    dy, dx = offset
    inner = np.ascontiguousarray(tiles[:, dy : dy + _TILE, dx : dx + _TILE]).reshape(-1, _TILE)
    return block_dct(inner).reshape(-1, 8, 8)


def periodicity(values: np.ndarray) -> float:
    """Largest mean cos(2π c / q) over steps q in 2..40, using only |c| ≥ q/2 (the zero bin fits any step)."""
    if values.size == 0:
        return 0.0
    c = values[:, None].astype(np.float32)
    keep = np.abs(c) >= _STEPS[None, :] / 2
    cosines = np.cos(2 * np.pi * c / _STEPS[None, :]) * keep
    counts = keep.sum(axis=0)
    means = np.where(counts >= 32, cosines.sum(axis=0) / np.maximum(counts, 1), 0.0)
    return float(means.max())


def scan_grids(luma: np.ndarray) -> GridScan:
    """Measure both statistics at all 64 offsets on the most textured tiles of ``luma`` (JPEG Y − 128)."""
    tiles = sample_tiles(luma)
    zeros = np.zeros((8, 8))
    per = np.zeros((8, 8))
    if tiles.shape[0] == 0:
        return GridScan(zeros=zeros, periodicity=per)
    zu, zv = np.array(_ZERO_BAND).T
    for dy in range(8):
        for dx in range(8):
            blocks = _tile_blocks(tiles, (dy, dx))
            zeros[dy, dx] = float(np.mean(np.abs(blocks[:, zu, zv]) < 1.0))
            sample = blocks[:: max(1, blocks.shape[0] // _PERIODICITY_BLOCKS)]
            per[dy, dx] = float(np.mean([periodicity(sample[:, u, v]) for u, v in _LOW_BAND]))
    return GridScan(zeros=zeros, periodicity=per)


@functools.lru_cache(maxsize=4)
def _lattice_tables(max_step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate steps (max_step … 2, as a column), and per step and 0.1-wide bin over ±8·max_step: whether the
    bin counts (|c| ≥ q/2) and whether it lies within 0.5 of a multiple of q."""
    q = np.arange(max_step, 1, -1, dtype=np.float64)[:, None]
    reach = 8 * max_step
    centres = np.arange(-10 * reach, 10 * reach + 1, dtype=np.float64) / 10
    keep = (np.abs(centres)[None, :] >= q / 2).astype(np.float64)
    exact = keep * (np.abs(centres[None, :] - q * np.round(centres[None, :] / q)) < 0.5)
    return q, keep, exact


def estimate_steps(
    blocks: np.ndarray, positions: list[tuple[int, int]], max_step: int = 64, min_samples: int = 64
) -> dict[tuple[int, int], int]:
    """Quantisation step of the last save for each DCT frequency in ``positions`` (1 = none seen, 0 = no data).

    ``blocks`` (n, 8, 8) are DCT blocks on the last save's grid, best without clipped pixels. The last save leaves
    coefficients at exact multiples of its step, up to the decoder's rounding (well under one unit), so the step is
    the largest q for which the coefficients with |c| ≥ q/2 mostly (``_EXACT_SHARE``) lie within 0.5 of a multiple
    of q. An earlier save's step shows only as approximate multiples (off by up to half the last step) and fails.
    """
    steps = {}
    q, keep, exact = _lattice_tables(max_step)
    reach = 8 * max_step
    for u, v in positions:
        tenths = np.round(blocks[:, u, v].astype(np.float64) * 10).astype(np.int64) + 10 * reach
        inside = (tenths >= 0) & (tenths <= 20 * reach)
        hist = np.bincount(tenths[inside], minlength=20 * reach + 1).astype(np.float64)
        counts = np.einsum("qb,b->q", keep, hist)  # einsum, not BLAS: many tiny products stall a busy BLAS pool
        share = np.einsum("qb,b->q", exact, hist) / np.maximum(counts, 1)
        good = np.flatnonzero((counts >= min_samples) & (share >= _EXACT_SHARE))
        if good.size:
            steps[(u, v)] = int(q[good[0], 0])
        else:  # enough data but no step ≥ 2 fits: quantised finely (step 1) or never; too little data: unknown
            steps[(u, v)] = 1 if counts[-1] >= min_samples else 0
    return steps
