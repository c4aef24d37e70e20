"""Rate-1/2 convolutional code (constraint length 7, generators 171/133 octal) with soft-decision Viterbi decoding.

Spreading alone is a repetition code; the convolutional code adds about 4–5 dB of coding gain at the bit error
rates the ownership mark works at, which buys robustness without a stronger (more visible) mark.
"""

from __future__ import annotations

import functools

import numpy as np

K = 7
GENERATORS = (0o171, 0o133)
N_STATES = 1 << (K - 1)


def _parity(x: np.ndarray) -> np.ndarray:
    x = x.copy()
    for shift in (4, 2, 1):
        x ^= x >> shift
    return x & 1


@functools.lru_cache(maxsize=1)
def _trellis() -> tuple[np.ndarray, np.ndarray]:
    """outputs[state, bit] -> (2,) coded bits; next_state[state, bit].

    The register holds the newest bit at position K-1 and older ones below, so generator bit K-1 (the octal
    MSB) taps the newest input, as in the usual convention.
    """
    states = np.arange(N_STATES)
    outputs = np.zeros((N_STATES, 2, 2), dtype=np.int64)
    nxt = np.zeros((N_STATES, 2), dtype=np.int64)
    for bit in (0, 1):
        reg = (bit << (K - 1)) | states  # newest bit in the top position
        for g, gen in enumerate(GENERATORS):
            outputs[:, bit, g] = _parity(np.bitwise_and(reg, gen))
        nxt[:, bit] = reg >> 1
    return outputs, nxt


def coded_length(n_bits: int) -> int:
    """Number of coded bits for ``n_bits`` message bits (with K-1 zero tail bits)."""
    return 2 * (n_bits + K - 1)


def encode(bits: np.ndarray) -> np.ndarray:
    """Encode 0/1 bits (a zero tail returns the encoder to state 0)."""
    outputs, nxt = _trellis()
    state = 0
    out = []
    for bit in np.concatenate([np.asarray(bits, dtype=np.int64), np.zeros(K - 1, dtype=np.int64)]):
        out.append(outputs[state, bit])
        state = nxt[state, bit]
    return np.concatenate(out).astype(np.uint8)


def decode(soft: np.ndarray, n_bits: int) -> np.ndarray:
    """Maximum-likelihood message bits from soft coded values (positive means 1)."""
    soft = np.asarray(soft, dtype=np.float64).reshape(-1, 2)
    if soft.shape[0] != n_bits + K - 1:
        raise ValueError(f"expected {coded_length(n_bits)} soft values, got {soft.size}")
    outputs, nxt = _trellis()
    signs = 2.0 * outputs - 1.0  # (state, bit, 2)
    metric = np.full(N_STATES, -np.inf)
    metric[0] = 0.0
    steps = soft.shape[0]
    back_state = np.zeros((steps, N_STATES), dtype=np.int64)
    back_bit = np.zeros((steps, N_STATES), dtype=np.int64)
    src = np.repeat(np.arange(N_STATES), 2)
    bit_of = np.tile(np.array([0, 1]), N_STATES)
    dst = nxt.reshape(-1)
    for t in range(steps):
        branch = (signs @ soft[t]).reshape(-1)  # (state*2,)
        cand = metric[src] + branch
        if t >= n_bits:  # tail: only zero inputs
            cand = np.where(bit_of == 0, cand, -np.inf)
        order = np.lexsort((-cand, dst))
        first = order[np.r_[0, np.nonzero(np.diff(dst[order]))[0] + 1]]
        new = np.full(N_STATES, -np.inf)
        new[dst[first]] = cand[first]
        back_state[t, dst[first]] = src[first]
        back_bit[t, dst[first]] = bit_of[first]
        metric = new
    state = 0
    bits = np.zeros(steps, dtype=np.uint8)
    for t in range(steps - 1, -1, -1):
        bits[t] = back_bit[t, state]
        state = back_state[t, state]
    return bits[:n_bits]
