"""Optional semi-fragile layer: keyed quantisation of busy 16×16 block means (working size) for tamper maps.

Only busy blocks carry it (where the ownership mark's own evidence is weakest and where the change costs
little SSIM); smooth blocks are left to the ownership-mark map, which is strongest there.

Every block mean is moved onto a keyed lattice (step ``STEP`` grey levels, a per-block dither from the key,
periodic with the ownership tile so that it survives crops). JPEG ≥ 75 and mild resizing move block means by
well under a quarter step, so untouched blocks stay on the lattice; pixels replaced after embedding land
anywhere, so about half of their blocks fall off it. The offsets are spread smoothly (no block edges).
Geometry (scale, rotation, crop) comes from the ownership mark: the picture is resampled into the
embedding frame before the blocks are read.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from engines.watermark import geometry as geo
from engines.watermark.carriers import TILE
from engines.watermark.keyed import rng

BLOCK = 16  # working pixels
STEP = 3.0  # lattice step of the block means, grey levels
SMOOTH = 3.0  # Gaussian spread of the block offsets
OFF = 0.25  # a block is off the lattice beyond this share of a step
DENSITY = 0.34  # a block is flagged when this share of its readable 3×3 neighbourhood is off
BUSY_EMBED = 8.0  # blocks whose luma standard deviation exceeds this carry the layer
BUSY_READ = 11.0  # and those above this are read back (hysteresis: processing smooths texture a little)
PER_TILE = TILE // BLOCK


def dither(key: str | bytes) -> np.ndarray:
    """(PER_TILE, PER_TILE) keyed lattice offsets in [0, STEP)."""
    return rng(key, "fragile").uniform(0.0, STEP, (PER_TILE, PER_TILE))


def block_means(y: np.ndarray) -> np.ndarray:
    h, w = (y.shape[0] // BLOCK) * BLOCK, (y.shape[1] // BLOCK) * BLOCK
    return y[:h, :w].reshape(h // BLOCK, BLOCK, w // BLOCK, BLOCK).mean(axis=(1, 3))


def block_std(y: np.ndarray) -> np.ndarray:
    h, w = (y.shape[0] // BLOCK) * BLOCK, (y.shape[1] // BLOCK) * BLOCK
    return y[:h, :w].reshape(h // BLOCK, BLOCK, w // BLOCK, BLOCK).std(axis=(1, 3))


def _offsets(shape: tuple[int, int], key: str | bytes, origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    nby, nbx = shape[0] // BLOCK, shape[1] // BLOCK
    iy = (np.arange(nby) + origin[0]) % PER_TILE
    ix = (np.arange(nbx) + origin[1]) % PER_TILE
    return dither(key)[np.ix_(iy, ix)]


def embed_delta(y_work: np.ndarray, key: str | bytes, rounds: int = 5) -> np.ndarray:
    """Smooth working-size offset field that puts every whole block's mean on the keyed lattice."""
    means = block_means(y_work)
    d = _offsets(y_work.shape, key)
    target = np.rint((means - d) / STEP) * STEP + d
    target = np.where(target < 1.0, target + STEP, np.where(target > 254.0, target - STEP, target))
    busy = block_std(y_work) > BUSY_EMBED
    nby, nbx = means.shape
    offsets = np.zeros_like(means)
    delta = np.zeros(y_work.shape, np.float32)
    for _ in range(rounds):
        offsets += np.where(busy, target - block_means(np.clip(y_work + delta, 0, 255)), 0.0)
        field = np.zeros(y_work.shape, np.float32)
        field[: nby * BLOCK, : nbx * BLOCK] = np.kron(offsets, np.ones((BLOCK, BLOCK), np.float32))
        delta = cv2.GaussianBlur(field, (0, 0), SMOOTH, borderType=cv2.BORDER_REFLECT)
    return delta


@dataclasses.dataclass(frozen=True)
class FragileCheck:
    present: bool  # the layer is there (most blocks sit on the lattice)
    off_share: float  # share of readable blocks off the lattice
    flagged: np.ndarray  # bool, working size of the suspect picture
    readable: np.ndarray  # bool, working size: blocks that could be read


def check(y_work: np.ndarray, weight: np.ndarray, key: str | bytes, lattice: geo.Lattice, turn: int,
          dy: float, dx: float) -> FragileCheck:
    """Read the layer from a suspect working luma, given the geometry found by the ownership detector."""
    shape = y_work.shape
    empty = np.zeros(shape, bool)
    if turn % 4:
        return FragileCheck(False, 1.0, empty, empty)
    m, lo, _ = geo.fold_frame(shape, lattice)
    # embedding-frame point v sits at suspect point x = m @ (v + d + lo); v is known modulo the tile
    offset = np.array([dx, dy]) + lo
    h, w = shape
    corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], dtype=np.float64) @ np.linalg.inv(m).T - offset
    v0 = np.floor(corners.min(axis=0) / BLOCK) * BLOCK
    size = np.ceil((corners.max(axis=0) - v0) / BLOCK).astype(int) * BLOCK
    affine = np.hstack([m, (m @ (v0 + offset))[:, None]]).astype(np.float32)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    canon = cv2.warpAffine(np.dstack([y_work, weight]).astype(np.float32), affine, (int(size[0]), int(size[1])),
                           flags=flags, borderMode=cv2.BORDER_CONSTANT)
    means, cover, spread = block_means(canon[..., 0]), block_means(canon[..., 1]), block_std(canon[..., 0])
    origin = (round(float(v0[1]) / BLOCK) % PER_TILE, round(float(v0[0]) / BLOCK) % PER_TILE)
    d = _offsets(canon.shape[:2], key, origin)
    frac = np.abs(((means - d) / STEP + 0.5) % 1.0 - 0.5)
    readable = (cover > 0.98) & (means > 2.0) & (means < 253.0) & (spread > BUSY_READ)
    off = (frac > OFF) & readable
    share = float(off.sum() / max(readable.sum(), 1))
    # density of off blocks around each block: a changed region is about half off, an untouched one ~0
    k = np.ones((3, 3), np.float32)
    density = cv2.filter2D(off.astype(np.float32), -1, k, borderType=cv2.BORDER_CONSTANT) / np.maximum(
        cv2.filter2D(readable.astype(np.float32), -1, k, borderType=cv2.BORDER_CONSTANT), 1.0)
    flagged_blocks = (density >= DENSITY) & readable
    grid = np.kron(flagged_blocks, np.ones((BLOCK, BLOCK), np.uint8)).astype(np.float32)
    grid_read = np.kron(readable, np.ones((BLOCK, BLOCK), np.uint8)).astype(np.float32)
    back = cv2.warpAffine(np.dstack([grid, grid_read]), affine, (w, h), flags=cv2.INTER_NEAREST,
                          borderMode=cv2.BORDER_CONSTANT)
    return FragileCheck(share < 0.2, share, back[..., 0] > 0.5, back[..., 1] > 0.5)
