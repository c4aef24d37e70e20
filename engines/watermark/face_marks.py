"""Face-local marks (LIDMark / DAWF style): every face carries its own payload in its canonical square.

Embedding (``embed_faces``) writes each face's message (``face_payload``: owner ID, landmark positions, MAC)
with the block dither modulation of ``face_codec`` into the face's canonical square (``face_frame``), warped
into the picture. It is closed-loop: the square is read back from the marked, rounded picture and the
projections are corrected, so interpolation and rounding cost no bits. Reading (``read_face``): the face's
re-detected landmarks give the square, ``face_search`` finds the exact frame (near first, then wide for
edited faces), and the soft bits of the best frame are decoded.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.stats import binom

from engines.faces.types import Face
from engines.watermark import face_frame as frame
from engines.watermark import geometry as geo
from engines.watermark.face_codec import (
    BLOCK,
    GRID,
    LEVELS,
    ORIGIN,
    PER_BLOCK,
    SLOTS,
    Codec,
    codec,
    reliability,
    weighted_sync,
)
from engines.watermark.face_payload import MESH_INDEX, FacePayload, coded_bits, decode_soft
from engines.watermark.face_search import near_search, wide_search
from engines.watermark.ownership import add_luma, check_rgb

ROUNDS = 3  # closed-loop embedding passes
WRITTEN_EXCESS = 1.25  # RMS of the written mark over its grid / nominal level (1.22–1.28 on 6 CelebA faces:
# closed-loop corrections and rounding to 8-bit RGB)
FINE_MISALIGNMENT = 0.1  # canonical pixels left once the frame is found (weights of the soft bits)
SYNC_FLOOR = 5.0  # sync score below which no payload is decoded
BLOCK_ERRORS = 3  # a block with this many wrong coded bits (of PER_BLOCK) counts as changed
CHANGED_P = 0.01  # chance of one falsely changed block per face the block test allows
TYPICAL_PCT = 25  # percentile of the per-block errors taken as the face's typical error count
SATURATED = 0.2  # share of a block's pixels near black or white beyond which it cannot hold the whole mark
DARK, BRIGHT = 12.0, 243.0  # luma levels where some RGB channel is likely clipped by a few grey levels of mark


def landmarks_of(face: Face) -> np.ndarray:
    """The payload's landmarks of a detected face, in picture pixels (needs the dense mesh)."""
    if face.landmarks_dense is None:
        raise ValueError("face marks need the 468-point face mesh (BlazeFace + mesh detector)")
    return np.asarray(face.landmarks_dense, np.float64)[MESH_INDEX]


def markable(face: Face) -> bool:
    """Whether a face is large enough (and has the mesh) to carry a face mark."""
    return face.landmarks_dense is not None and frame.eye_distance(face.landmarks5) >= frame.MIN_EYE_DISTANCE


def _embed_one(y: np.ndarray, delta: np.ndarray, matrix: np.ndarray, bits: np.ndarray, cod: Codec) -> None:
    """Add one face's mark to the luma offset ``delta`` (in place), corrected from read-backs of the result."""

    def read(offset: np.ndarray) -> np.ndarray:
        return cod.project(frame.face_view(np.clip(np.rint(y + offset), 0, 255), matrix).square(matrix))

    start = cod.project(frame.face_view(y + delta, matrix).square(matrix))
    targets = cod.targets(start, bits)
    moved = targets - start
    for _ in range(ROUNDS):
        patch, (y0, y1, x0, x1) = frame.from_square(cod.pattern(moved), matrix, y.shape)
        trial = delta.copy()
        trial[y0:y1, x0:x1] += patch
        moved = moved + (targets - read(trial))
    patch, (y0, y1, x0, x1) = frame.from_square(cod.pattern(moved), matrix, y.shape)
    delta[y0:y1, x0:x1] += patch


def grid_area(face: Face) -> float:
    """Picture pixels covered by a face's block grid."""
    scale = np.sqrt(abs(np.linalg.det(frame.canonical_matrix(face.landmarks5)[:, :2])))
    return float((GRID * BLOCK / scale) ** 2)


def fitting_amplitude(rgb: np.ndarray, faces: list[Face], original: np.ndarray | None, psnr_floor: float) -> float:
    """The largest of ``LEVELS`` (grey-level RMS) that keeps ``psnr_floor`` for the whole picture, given what
    ``original`` → ``rgb`` already changed (the whole-image mark); the smallest level when none does."""
    spent = 0.0 if original is None else float(np.mean((rgb.astype(np.float64) - original) ** 2))
    budget = 255.0**2 / 10 ** (psnr_floor / 10) - spent
    area = min(sum(grid_area(f) for f in faces), float(rgb.shape[0] * rgb.shape[1]))
    if area <= 0:
        return LEVELS[0]
    fits = np.sqrt(max(budget, 0.0) * rgb.shape[0] * rgb.shape[1] / area) / WRITTEN_EXCESS
    return next((level for level in LEVELS if level <= fits), LEVELS[-1])


def embed_faces(rgb: np.ndarray, faces: list[tuple[Face, int]], key: str | bytes,
                original: np.ndarray | None = None, psnr_floor: float = 40.5) -> np.ndarray:
    """A copy of ``rgb`` where every (face, owner ID) pair carries its own face mark under ``key``.

    Faces must come from the BlazeFace + mesh detector run on the picture being marked; faces that are not
    ``markable`` are left as they are. The marks' amplitude is the largest of ``LEVELS`` that keeps
    ``psnr_floor`` against ``original`` (the unmarked picture, when ``rgb`` already carries the whole-image mark).
    """
    rgb = check_rgb(rgb)
    if original is not None and np.shape(original) != rgb.shape:
        raise ValueError("the original picture must have the marked picture's shape")
    faces = [(f, o) for f, o in faces if markable(f)]
    amplitude = fitting_amplitude(rgb, [f for f, _ in faces], original, psnr_floor)
    cod = codec(key, amplitude)
    y = geo.luma(rgb)
    delta = np.zeros(y.shape, np.float32)
    plans = []
    for face, owner in faces:
        matrix = frame.canonical_matrix(face.landmarks5)
        points = frame.to_canonical(matrix, landmarks_of(face))
        plans.append((matrix, cod.slot_bits(coded_bits(owner, points, key))))
    # neighbouring faces' squares overlap: a second pass puts back what a later face's mark moved
    for _ in range(2 if len(plans) > 1 else 1):
        for matrix, bits in plans:
            _embed_one(y, delta, matrix, bits, cod)
    return add_luma(rgb, delta)


@dataclasses.dataclass(frozen=True)
class FaceRead:
    """What was read from one face: its payload (None when none verified) and where its mark lies."""

    payload: FacePayload | None
    sync: float  # how well the best frame's projections sit on the lattices (≈ N(0, 1) without a mark)
    matrix: np.ndarray  # picture → canonical square of the mark as embedded
    block_errors: np.ndarray | None = None  # (GRID, GRID) wrong coded bits per block, once the payload verified
    # (0 for blocks outside the picture or clipped, which never held the mark)
    block_fit: np.ndarray | None = None  # (GRID, GRID) how well each block sits on the lattices (1 = all slots)
    usable: np.ndarray | None = None  # (GRID, GRID) blocks inside the picture and not clipped

    def changed_blocks(self) -> np.ndarray:
        """(GRID, GRID) bool: blocks with more wrong bits than the rest of the face's errors explain.

        A block counts from ``BLOCK_ERRORS`` wrong bits of ``PER_BLOCK`` on, and only when that many are
        unlikely (below ``CHANGED_P`` over the grid) at the face's typical block error rate (a low percentile,
        so that a swap replacing most blocks does not raise it): JPEG and resizing raise the error rate
        everywhere, replaced pixels only where they lie.
        """
        if self.block_errors is None or self.usable is None or not self.usable.any():
            return np.zeros((GRID, GRID), bool)
        rate = max(float(np.percentile(self.block_errors[self.usable], TYPICAL_PCT)) / PER_BLOCK, 1.0 / 64)
        least = next(e for e in range(BLOCK_ERRORS, PER_BLOCK + 1)
                     if e == PER_BLOCK or binom.sf(e - 1, PER_BLOCK, rate) < CHANGED_P / (GRID * GRID))
        return (self.block_errors >= least) & self.usable

    @property
    def found(self) -> bool:
        return self.payload is not None


def read_face(y: np.ndarray, landmarks5: np.ndarray, key: str | bytes, wide: bool = True) -> FaceRead:
    """Look for a face mark under ``key`` around a face with these five landmarks (``y``: picture luma).

    ``wide``: when the near search reads no payload, search further (edited faces; about 0.7 s more)."""
    guess = frame.canonical_matrix(landmarks5)
    view = frame.face_view(y, guess)
    codecs = [codec(key, level) for level in LEVELS]
    read = _decode(view, *near_search(view, guess, codecs), key)
    if read.found or not wide:
        return read
    other = _decode(view, *wide_search(view, guess, codecs), key)
    return other if other.found or other.sync > read.sync else read


def usable_blocks(view: frame.FaceView, square: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """(GRID, GRID) bool: blocks lying wholly inside the picture and not clipped to black or white. The others
    may not have taken the whole mark, so their wrong bits prove nothing (they still help decoding)."""
    h, w = view.picture_shape
    edges = ORIGIN + BLOCK * np.arange(GRID + 1, dtype=np.float64)
    cx, cy = np.meshgrid(edges, edges)
    pts = frame.to_picture(matrix, np.stack([cx.ravel(), cy.ravel()], axis=1)).reshape(GRID + 1, GRID + 1, 2)
    inside = (pts[..., 0] >= 0) & (pts[..., 0] <= w - 1) & (pts[..., 1] >= 0) & (pts[..., 1] <= h - 1)
    covered = inside[:-1, :-1] & inside[1:, :-1] & inside[:-1, 1:] & inside[1:, 1:]
    grid = square[ORIGIN:ORIGIN + GRID * BLOCK, ORIGIN:ORIGIN + GRID * BLOCK]
    clipped = ((grid <= DARK) | (grid >= BRIGHT)).reshape(GRID, BLOCK, GRID, BLOCK).mean(axis=(1, 3))
    return covered & (clipped < SATURATED)


def _decode(view: frame.FaceView, _search_sync: float, matrix: np.ndarray, cod: Codec, key: str | bytes) -> FaceRead:
    square = view.square(matrix)
    proj = cod.project(square)
    usable = usable_blocks(view, square, matrix)
    weights = reliability(square, cod, FINE_MISALIGNMENT)
    # the search maximised its own score over many frames; this one, with other weights, is less inflated
    sync = float(weighted_sync(proj, weights, cod))
    if sync < SYNC_FLOOR:
        return FaceRead(None, sync, matrix)
    # a block whose projections no longer sit on the lattices (pixels replaced) is close to an erasure
    fit = np.clip(np.mean(np.cos(2 * cod.phase(proj)), axis=1, keepdims=True), 0.0, 1.0)
    block_fit = fit.reshape(GRID, GRID)
    payload, recoded = decode_soft(cod.soft(proj) * (weights * fit).ravel()[cod.slot_of_bit], key)
    if payload is None:
        return FaceRead(None, sync, matrix, None, block_fit, usable)
    wrong = (cod.soft(proj) > 0) != recoded.astype(bool)
    per_slot = np.zeros(SLOTS)
    per_slot[cod.slot_of_bit] = wrong
    filler_wrong = (np.cos(cod.phase(proj)).ravel() < 0) != cod.filler.astype(bool)
    unused = np.ones(SLOTS, bool)
    unused[cod.slot_of_bit] = False
    per_slot[unused] = filler_wrong[unused]
    errors = per_slot.reshape(GRID * GRID, PER_BLOCK).sum(axis=1).reshape(GRID, GRID)
    return FaceRead(payload, sync, matrix, np.where(usable, errors, 0).astype(np.int64), block_fit, usable)
