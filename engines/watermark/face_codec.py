"""Block dither modulation of face marks: keyed patterns, lattices and bit placement in the canonical square.

The square (``face_frame``) is cut into a 7×7 grid of 16-px blocks. Each block holds ``PER_BLOCK`` coded
bits: the block is projected on keyed orthonormal patterns (mixtures of mid-band DCT functions) and each
projection is moved onto one of two interleaved keyed lattices (spread-transform dither modulation). The
picture's own content therefore does not interfere with the message (additive spread spectrum, tried first,
read 64 % of raw bits right in one face: far too few for 184 bits), and the remaining noise (JPEG,
resampling) is small against the lattice step. Coded bits are dealt to blocks by a keyed permutation, so a
changed region becomes scattered errors the convolutional code corrects; once the MAC verifies, the
re-encoded bits tell which blocks were changed (the face's own tamper map).
"""

from __future__ import annotations

import dataclasses
import functools

import cv2
import numpy as np

from engines.watermark import face_frame as frame
from engines.watermark.face_payload import CODED_BITS, face_key
from engines.watermark.keyed import rng

BLOCK = 16
GRID = 7
ORIGIN = (frame.SIZE - GRID * BLOCK) // 2  # canonical pixel where the block grid starts (x and y)
PER_BLOCK = 8
SLOTS = GRID * GRID * PER_BLOCK
BAND = (2.0, 6.5)  # radius of the DCT index (u, v) used: 0.06–0.2 cycles per canonical pixel
LEVELS = (2.0, 1.5, 1.1, 0.8)  # nominal grey-level RMS of a face mark over its block grid; the reader tries each
AMPLITUDE = LEVELS[0]

assert SLOTS >= CODED_BITS


@dataclasses.dataclass(frozen=True)
class Codec:
    """Keyed patterns, lattice offsets and bit placement of face marks under one key."""

    patterns: np.ndarray  # (blocks, BLOCK², PER_BLOCK) orthonormal columns per block
    offsets: np.ndarray  # (blocks, PER_BLOCK) lattice offsets as a share of the step, [0, 1)
    slot_of_bit: np.ndarray  # (CODED_BITS,) flat slot index of every coded bit
    filler: np.ndarray  # (SLOTS,) 0/1 bits for the slots no coded bit uses
    step: float = 0.0  # lattice step (projection units); see ``step_for``

    @property
    def dither(self) -> np.ndarray:
        return self.offsets * self.step

    def project(self, square: np.ndarray) -> np.ndarray:
        """(blocks, PER_BLOCK) projections of a canonical square."""
        grid = square[ORIGIN:ORIGIN + GRID * BLOCK, ORIGIN:ORIGIN + GRID * BLOCK]
        blocks = grid.reshape(GRID, BLOCK, GRID, BLOCK).transpose(0, 2, 1, 3).reshape(GRID * GRID, BLOCK * BLOCK)
        return np.einsum("bn,bnk->bk", blocks.astype(np.float64), self.patterns)

    def project_grids(self, grids: np.ndarray) -> np.ndarray:
        """(n, blocks, PER_BLOCK) projections of n block grids (n, GRID·BLOCK, GRID·BLOCK) at once."""
        n = grids.shape[0]
        blocks = grids.reshape(n, GRID, BLOCK, GRID, BLOCK).transpose(1, 3, 0, 2, 4).reshape(
            GRID * GRID, n, BLOCK * BLOCK)
        return np.matmul(blocks.astype(np.float32, copy=False), self.patterns32).transpose(1, 0, 2)

    @functools.cached_property
    def patterns32(self) -> np.ndarray:
        return self.patterns.astype(np.float32)

    def pattern(self, amounts: np.ndarray) -> np.ndarray:
        """Canonical square (float32) adding ``amounts`` (blocks, PER_BLOCK) along the patterns."""
        blocks = np.einsum("bnk,bk->bn", self.patterns, amounts)
        grid = blocks.reshape(GRID, GRID, BLOCK, BLOCK).transpose(0, 2, 1, 3).reshape(GRID * BLOCK, GRID * BLOCK)
        square = np.zeros((frame.SIZE, frame.SIZE), np.float32)
        square[ORIGIN:ORIGIN + GRID * BLOCK, ORIGIN:ORIGIN + GRID * BLOCK] = grid
        return square

    def slot_bits(self, coded: np.ndarray) -> np.ndarray:
        """(blocks, PER_BLOCK) bit every slot carries."""
        bits = self.filler.copy()
        bits[self.slot_of_bit] = coded
        return bits.reshape(GRID * GRID, PER_BLOCK)

    def targets(self, proj: np.ndarray, bits: np.ndarray) -> np.ndarray:
        """Nearest lattice point of each projection in the coset of its bit."""
        offset = self.dither + bits * (self.step / 2)
        return offset + self.step * np.rint((proj - offset) / self.step)

    def phase(self, proj: np.ndarray) -> np.ndarray:
        """Position of each projection within a lattice period, in radians (0: bit 0, π: bit 1)."""
        return 2 * np.pi * (proj - self.dither) / self.step

    def sync(self, proj: np.ndarray) -> float:
        """How well projections sit on either lattice: about N(0, 1) for an unmarked square."""
        return float(np.sum(np.cos(2 * self.phase(proj))) / np.sqrt(proj.size / 2))

    def soft(self, proj: np.ndarray) -> np.ndarray:
        """Soft coded bits (positive = 1), in the coded-bit order."""
        return -np.cos(self.phase(proj)).ravel()[self.slot_of_bit]


def step_for(amplitude: float) -> float:
    """Lattice step giving a grey-level RMS of ``amplitude``: a uniform quantisation error of step s has
    variance s²/12 per slot, spread over a block's pixels."""
    return float(amplitude * np.sqrt(12.0 * BLOCK * BLOCK / PER_BLOCK))


@functools.lru_cache(maxsize=8)
def _codec(fkey: bytes) -> Codec:
    n = BLOCK
    k = np.arange(n)
    dct = np.sqrt(2.0 / n) * np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * n))
    dct[0] /= np.sqrt(2.0)
    u, v = np.meshgrid(k, k, indexing="ij")
    radius = np.hypot(u, v)
    sel = np.nonzero((radius >= BAND[0]) & (radius <= BAND[1]))
    basis = np.stack([np.outer(dct[a], dct[b]).ravel() for a, b in zip(*sel, strict=True)], axis=1)  # (n², m)
    gen = rng(fkey, "face-blocks")
    patterns = np.empty((GRID * GRID, n * n, PER_BLOCK))
    for b in range(GRID * GRID):
        q, _ = np.linalg.qr(gen.normal(size=(basis.shape[1], PER_BLOCK)))
        patterns[b] = basis @ q
    offsets = gen.uniform(0.0, 1.0, (GRID * GRID, PER_BLOCK))
    slots = gen.permutation(SLOTS)
    filler = gen.integers(0, 2, SLOTS).astype(np.float64)
    for arr in (patterns, offsets, slots, filler):
        arr.setflags(write=False)
    return Codec(patterns, offsets, slots[:CODED_BITS], filler)


def codec(key: str | bytes, amplitude: float = AMPLITUDE) -> Codec:
    """The face-mark codec for ``key`` at one of the ``LEVELS`` amplitudes (the lattice step follows it)."""
    return dataclasses.replace(_codec(face_key(key)), step=step_for(amplitude))


def sensitivity(square: np.ndarray, cod: Codec) -> np.ndarray:
    """(blocks, PER_BLOCK): how far each projection moves per canonical pixel of misalignment."""
    gx = cv2.Sobel(square, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(square, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    return np.hypot(cod.project(gx), cod.project(gy))


def reliability(square: np.ndarray, cod: Codec, misalignment: float) -> np.ndarray:
    """Weight of every slot (0..1): the expected agreement left after ``misalignment`` canonical pixels.

    Projections in busy blocks move with the slightest misalignment; they count less.
    """
    spread = 2 * np.pi * sensitivity(square, cod) * misalignment / cod.step
    return np.exp(-0.5 * spread**2)


def weighted_sync(proj: np.ndarray, weights: np.ndarray, cod: Codec) -> np.ndarray:
    """``Codec.sync`` with slot weights (still about N(0, 1) without a mark); ``proj`` may carry leading axes
    (one score each)."""
    total = np.sum(weights * np.cos(2 * cod.phase(proj)), axis=(-2, -1))
    return total / np.sqrt(max(float(np.sum(weights**2)), 1e-12) / 2)
