"""The keyed spread-spectrum tile: which DFT coefficients of a TILE×TILE tile carry the pilot and each bit.

Every coefficient in a ring of the tile's 2-D DFT (half-plane, Hermitian-completed) gives two real carriers
(real and imaginary part). The key picks half of the ring's coefficients (so
that a second mark under another key collides with only part of the first) and shuffles their carriers: a
quarter becomes the pilot (known ±1 values, used to find
the tile's translation), the rest are dealt round-robin to the message bits with keyed signs.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from engines.watermark.keyed import key_bytes, rng

TILE = 128
BAND = (8.0, 26.0)  # ring of DFT radii (in bins of the tile) that carries the mark
PILOT_FRACTION = 0.25
KEY_SHARE = 0.5  # share of the ring's coefficients a key uses: two keys' marks overlap on only part of them


@dataclasses.dataclass(frozen=True)
class Layout:
    """Keyed carrier assignment. Arrays have one entry per real carrier."""

    ky: np.ndarray
    kx: np.ndarray
    imag: np.ndarray  # bool: carrier is the imaginary part
    role: np.ndarray  # -1 pilot, else message bit index
    sign: np.ndarray  # ±1
    n_bits: int

    def spectrum(self, values: np.ndarray, size: int = TILE) -> np.ndarray:
        """Full Hermitian DFT (``size``², default TILE) of a tile whose carriers hold ``values``."""
        spec = np.zeros((size, size), dtype=np.complex128)
        coef = np.where(self.imag, 1j * values, values)
        ky = np.where(self.ky > TILE // 2, self.ky - TILE, self.ky)
        np.add.at(spec, (ky % size, self.kx % size), coef)
        np.add.at(spec, ((-ky) % size, (-self.kx) % size), np.conj(coef))
        return spec

    def symbols(self, bits: np.ndarray) -> np.ndarray:
        """Target sign of every carrier after removing its keyed sign: +1 for the pilot, ±1 for bits."""
        symbols = np.ones(self.role.size)
        data = self.role >= 0
        symbols[data] = 2.0 * np.asarray(bits, dtype=np.float64)[self.role[data]] - 1.0
        return symbols

    def tile_from(self, amplitudes: np.ndarray) -> np.ndarray:
        """Spatial tile whose carriers hold ``amplitudes`` (before the keyed sign), scaled so ±1 gives RMS 1."""
        tile = np.fft.ifft2(self.spectrum(amplitudes * self.sign)).real
        return (tile * (TILE**2 / np.sqrt(2.0 * self.role.size))).astype(np.float32)

    def tile(self, bits: np.ndarray) -> np.ndarray:
        """Unit-RMS spatial tile carrying the pilot and ``bits`` (0/1)."""
        return self.tile_from(self.symbols(bits))

    def points(self) -> np.ndarray:
        """Signed (ky, kx) tile frequencies this key's carriers use (each coefficient once)."""
        half = self.imag == 0
        ky = np.where(self.ky > TILE // 2, self.ky - TILE, self.ky)
        return np.stack([ky[half], self.kx[half]], axis=1).astype(np.float64)

    def readout(self, spectrum: np.ndarray) -> np.ndarray:
        """Carrier values of an aligned tile DFT with the keyed sign removed (compare with ``symbols``)."""
        return self.carrier_values(spectrum) * self.sign

    def pilot_spectrum(self, size: int = TILE) -> np.ndarray:
        """DFT of the pilot-only tile (for the translation search), at ``size``² (a smaller size folds less)."""
        return self.spectrum(np.where(self.role < 0, self.sign, 0.0), size)

    def carrier_values(self, spectrum: np.ndarray) -> np.ndarray:
        """Read every carrier (real or imaginary part) from a tile's DFT."""
        coef = spectrum[self.ky, self.kx]
        return np.where(self.imag, coef.imag, coef.real)

    def soft_bits(self, spectrum: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Soft message bits (positive = 1) from an aligned tile DFT; ``weights`` per carrier."""
        values = self.carrier_values(spectrum) * self.sign
        if weights is not None:
            values = values * weights
        data = self.role >= 0
        return np.bincount(self.role[data], weights=values[data], minlength=self.n_bits)


def ring_coefficients(band: tuple[float, float] = BAND) -> tuple[np.ndarray, np.ndarray]:
    """Half-plane DFT indices (ky, kx) whose radius lies in ``band`` (one of each conjugate pair)."""
    f = np.fft.fftfreq(TILE) * TILE
    ky, kx = np.meshgrid(f, f, indexing="ij")
    radius = np.hypot(ky, kx)
    half = (kx > 0) | ((kx == 0) & (ky > 0))
    nyquist = (np.abs(ky) == TILE // 2) | (np.abs(kx) == TILE // 2)
    sel = (radius >= band[0]) & (radius <= band[1]) & half & ~nyquist
    iy, ix = np.nonzero(sel)
    return iy.astype(np.int64), ix.astype(np.int64)


@functools.lru_cache(maxsize=16)
def _layout(key: bytes, n_bits: int, label: str) -> Layout:
    iy, ix = ring_coefficients()
    gen = rng(key, f"carriers:{label}")
    keep = np.sort(gen.permutation(iy.size)[: round(KEY_SHARE * iy.size)])
    iy, ix = iy[keep], ix[keep]
    ky = np.concatenate([iy, iy])
    kx = np.concatenate([ix, ix])
    imag = np.concatenate([np.zeros(iy.size, bool), np.ones(iy.size, bool)])
    order = gen.permutation(ky.size)
    ky, kx, imag = ky[order], kx[order], imag[order]
    n_pilot = round(PILOT_FRACTION * ky.size)
    role = np.full(ky.size, -1, dtype=np.int64)
    role[n_pilot:] = np.arange(ky.size - n_pilot) % n_bits
    sign = gen.choice(np.array([-1.0, 1.0]), size=ky.size)
    for arr in (ky, kx, imag, role, sign):
        arr.setflags(write=False)
    return Layout(ky, kx, imag, role, sign, n_bits)


def layout(key: str | bytes, n_bits: int, label: str = "ownership") -> Layout:
    """The carrier layout for ``key`` (cached)."""
    return _layout(key_bytes(key), n_bits, label)


@functools.lru_cache(maxsize=4)
def ring_points(band: tuple[float, float] = BAND) -> np.ndarray:
    """Signed (ky, kx) frequencies, in cycles per tile, of the carrier coefficients (read-only)."""
    iy, ix = ring_coefficients(band)
    pts = np.stack([np.where(iy > TILE // 2, iy - TILE, iy), ix], axis=1).astype(np.float64)
    pts.setflags(write=False)
    return pts
