"""Finding a face mark's exact canonical square near the one the face's re-detected landmarks give.

Bit decisions of the block dither modulation move with a fraction of a canonical pixel of misalignment in
busy blocks, so the square is searched for the frame where the projections sit best on the lattices
(``Codec.sync``, about N(0, 1) without a mark; busy slots are weighted down while searching):
- near: the landmarks of an untouched (or re-compressed, resized) face put the square within about
  0.6 canonical px, so a small grid over shift, scale and rotation and a pattern search suffice;
- wide: the face mesh is one global fit, so an edited mouth or eye moves the eye and nose landmarks too
  (by up to 6 canonical px and 7 % in scale on generated warps, 1° of rotation on a swap). Whole-pixel
  shifts are then read from one padded square per (scale, angle) instead of one warp each.
"""

from __future__ import annotations

import concurrent.futures
import itertools

import numpy as np

from engines.watermark import face_frame as frame
from engines.watermark.face_codec import BLOCK, GRID, ORIGIN, Codec, reliability, weighted_sync
from engines.watermark.face_frame import FaceView

# Near search (re-detected landmarks put the square within about 0.6 canonical px). The sync peak is about
# 0.25 px, 0.3 % and 0.25° wide on 1024-px faces, where a 0.5-px grid missed an untouched face
SHIFT_STEP = 0.25  # canonical pixels
SHIFTS = tuple(np.arange(-0.75, 0.76, SHIFT_STEP))
SCALES = (0.996, 1.0, 1.004)
ANGLES = (-0.3, 0.0, 0.3)  # degrees
PATTERN_ROUNDS = 10
THREADS = 2
COARSE_MISALIGNMENT = 0.6  # canonical pixels assumed while searching (busy slots, which move most, count less)
# Wide search
WIDE_PAD = 6  # canonical pixels of whole shifts either way
WIDE_SCALES = tuple(np.exp(np.linspace(np.log(0.90), np.log(1.11), 21)))  # a lowered mouth scaled it by 7 %
WIDE_ANGLES = (-1.8, -1.2, -0.6, 0.0, 0.6, 1.2, 1.8)  # degrees: a swap turned the landmarks' square by 1°, an
# eye edit by 2.2° (found from the 1.8° start by the pattern search)
WIDE_OFFSETS = ((0.0, 0.0),)  # sub-pixel (dy, dx) starts of the whole shifts (more found nothing more, 2× time)
WIDE_KEEP = 20  # best wide-grid points refined by the pattern search (5 lost a lowered mouth's mark on the
# 42-px test canvas at 7 of 56 embedding times, 20 at 1; the grid is coarser than the sync peak)

Params = tuple[float, float, float, float]  # dx, dy (canonical px), scale, angle (degrees)


class _Scorer:
    """Sync of one face under several amplitude levels, for frames given relative to a guess."""

    def __init__(self, view: FaceView, guess: np.ndarray, codecs: list[Codec]):
        self.view, self.guess, self.codecs = view, guess, codecs
        first = view.square(guess)
        self.weights = [reliability(first, c, COARSE_MISALIGNMENT) for c in codecs]

    def of_square(self, square: np.ndarray) -> tuple[float, int]:
        proj = self.codecs[0].project(square)
        values = [float(weighted_sync(proj, w, c)) for w, c in zip(self.weights, self.codecs, strict=True)]
        return max(values), int(np.argmax(values))

    def of_grids(self, grids: np.ndarray) -> np.ndarray:
        """Best sync over the levels for a stack of block grids (n, GRID·BLOCK, GRID·BLOCK)."""
        proj = self.codecs[0].project_grids(grids)
        return np.max([weighted_sync(proj, w, c) for w, c in zip(self.weights, self.codecs, strict=True)], axis=0)

    def matrix(self, params: Params) -> np.ndarray:
        dx, dy, s, a = params
        return frame.adjusted(self.guess, s, a, (dx, dy))

    def __call__(self, params: Params) -> tuple[float, int]:
        return self.of_square(self.view.square(self.matrix(params)))

    def refine(self, start: Params, steps: np.ndarray) -> tuple[float, int, Params]:
        """Pattern search from ``start``: step every parameter both ways, halve the steps when nothing gains."""
        best = start
        best_score, level = self(start)
        for _ in range(PATTERN_ROUNDS):
            improved = False
            for axis, sign in itertools.product(range(4), (1.0, -1.0)):
                trial = list(best)
                trial[axis] += sign * steps[axis]
                value, which = self(tuple(trial))
                if value > best_score:
                    best, best_score, level, improved = tuple(trial), value, which, True
            if not improved:
                steps = steps / 2
        return best_score, level, best


def near_search(view: FaceView, guess: np.ndarray, codecs: list[Codec]) -> tuple[float, np.ndarray, Codec]:
    """(sync, matrix, codec) of the best frame and amplitude level within about a pixel of ``guess``."""
    score = _Scorer(view, guess, codecs)
    grid = list(itertools.product(SHIFTS, SHIFTS, SCALES, ANGLES))
    values = [score(p)[0] for p in grid]
    start = grid[int(np.argmax(values))]
    steps = np.array([SHIFT_STEP / 2, SHIFT_STEP / 2, (SCALES[1] - SCALES[0]) / 2, (ANGLES[1] - ANGLES[0]) / 2])
    sync, level, best = score.refine(start, steps)
    return sync, score.matrix(best), codecs[level]


def wide_search(view: FaceView, guess: np.ndarray, codecs: list[Codec]) -> tuple[float, np.ndarray, Codec]:
    """Like ``near_search`` over ±``WIDE_PAD`` px, 0.90–1.11× and ±1.8° (for edited faces)."""
    score = _Scorer(view, guess, codecs)
    pad, size, span = WIDE_PAD, frame.SIZE, GRID * BLOCK

    def best_shifts(point: tuple[float, float, tuple[float, float]]) -> list[tuple[float, Params]]:
        s, a, (oy, ox) = point
        # big[j, i] holds guess-frame canonical point (i − pad − ox, j − pad − oy) after scale s and turn a
        big = view.square(score.matrix((pad + ox, pad + oy, s, a)), size + 2 * pad)
        inner = big[ORIGIN:ORIGIN + span + 2 * pad, ORIGIN:ORIGIN + span + 2 * pad]
        windows = np.lib.stride_tricks.sliding_window_view(inner, (span, span))  # [r, c] = shift (pad − r, pad − c)
        values = score.of_grids(windows.reshape(-1, span, span))
        out = []
        for i in np.argsort(values)[-WIDE_KEEP:]:
            r, c = divmod(int(i), 2 * pad + 1)
            out.append((float(values[i]), (ox + pad - c, oy + pad - r, s, a)))
        return out

    points = list(itertools.product(WIDE_SCALES, WIDE_ANGLES, WIDE_OFFSETS))
    with concurrent.futures.ThreadPoolExecutor(max_workers=THREADS) as pool:  # OpenCV and BLAS release the GIL
        found = [f for part in pool.map(best_shifts, points) for f in part]
    found.sort(key=lambda f: -f[0])
    steps = np.array([0.5, 0.5, (WIDE_SCALES[1] / WIDE_SCALES[0] - 1) / 2, (WIDE_ANGLES[1] - WIDE_ANGLES[0]) / 2])
    refined = [score.refine(p, steps.copy()) for _, p in found[:WIDE_KEEP]]
    sync, level, best = max(refined, key=lambda r: r[0])
    return sync, score.matrix(best), codecs[level]
