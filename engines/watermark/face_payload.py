"""The per-face message of a landmark-identity face mark (LIDMark-style): owner ID, landmark positions, MAC.

Landmarks are a fixed subset of the 468-point face mesh, expressed in the face mark's canonical frame
(``face_frame``: a similarity from the eyes and nose onto a 128-px template). Each coordinate is
stored as its offset from the template's mean position, quantised to ``STEP`` canonical pixels in
``COORD_BITS`` bits; offsets beyond the range are clipped and flagged as such when read back.
Message: 32 owner bits + 16 × 2 × 4 landmark bits + 24 MAC bits = 184 bits, under the same rate-1/2
convolutional code as the ownership mark. The MAC is keyed with the face subkey (as are the patterns and
lattices), so a wrong key never yields a face payload and the whole-image mark never collides with it.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from engines.watermark import convcode
from engines.watermark.keyed import mac_bits, subkey

FACE_LABEL = "face"
OWNER_BITS = 32
COORD_BITS = 4
STEP = 1.5  # canonical pixels per quantisation step (about 5 % of the eye distance)
MAC_BITS = 24

# (region, mesh index): brows, eye lids, nose, mouth, chin. Image-left = the subject's right side.
LANDMARKS: tuple[tuple[str, int], ...] = (
    ("left brow", 105), ("left brow", 107), ("right brow", 334), ("right brow", 336),
    ("left eye", 159), ("left eye", 145), ("right eye", 386), ("right eye", 374),
    ("nose", 1), ("nose", 98), ("nose", 327),
    ("mouth", 61), ("mouth", 291), ("mouth", 13), ("mouth", 14),
    ("chin", 152),
)
REGIONS: tuple[str, ...] = tuple(dict.fromkeys(r for r, _ in LANDMARKS))
MESH_INDEX = np.array([i for _, i in LANDMARKS], dtype=np.int64)
# Mean canonical positions (x, y) of LANDMARKS, measured on 41 frontal faces (CelebA-HQ and
# scikit-image's astronaut) in the ``face_frame`` square.
MEAN = np.array([
    [43.9, 42.3], [56.3, 43.6], [83.7, 41.6], [70.4, 43.3],
    [47.8, 50.4], [49.0, 54.8], [80.4, 49.9], [79.4, 54.4],
    [62.9, 73.9], [55.3, 74.7], [72.2, 74.7],
    [50.8, 84.9], [77.9, 84.8], [63.8, 85.5], [63.8, 88.5],
    [64.6, 107.6],
], dtype=np.float64)
N_POINTS = len(LANDMARKS)
DATA_BITS = OWNER_BITS + N_POINTS * 2 * COORD_BITS
MESSAGE_BITS = DATA_BITS + MAC_BITS
CODED_BITS = convcode.coded_length(MESSAGE_BITS)
_LEVELS = 1 << COORD_BITS
_HALF = _LEVELS // 2


@dataclasses.dataclass(frozen=True)
class FacePayload:
    """What one face mark carries: an owner ID and the face's landmarks (canonical pixels, (N_POINTS, 2))."""

    owner_id: int
    landmarks: np.ndarray = dataclasses.field(compare=False)
    clipped: np.ndarray = dataclasses.field(compare=False, repr=False)  # bool (N_POINTS,): stored value was clipped

    @property
    def owner_hex(self) -> str:
        return f"{self.owner_id:08x}"


def face_key(key: str | bytes) -> bytes:
    """The face marks' own key, derived from the user's key (independent of the whole-image mark)."""
    return subkey(key, FACE_LABEL)


def quantise(landmarks: np.ndarray) -> np.ndarray:
    """Integer codes in [0, 2**COORD_BITS) of canonical landmarks (N_POINTS, 2), clipped to the range."""
    pts = np.asarray(landmarks, dtype=np.float64)
    if pts.shape != (N_POINTS, 2) or not np.all(np.isfinite(pts)):
        raise ValueError(f"expected {N_POINTS} finite (x, y) landmarks")
    return np.clip(np.rint((pts - MEAN) / STEP) + _HALF, 0, _LEVELS - 1).astype(np.int64)


def dequantise(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(canonical landmarks, clipped flags per point) of integer codes."""
    codes = np.asarray(codes, dtype=np.int64).reshape(N_POINTS, 2)
    edge = np.any((codes == 0) | (codes == _LEVELS - 1), axis=1)
    return MEAN + (codes - _HALF) * STEP, edge


def _data_bits(owner: int, landmarks: np.ndarray) -> np.ndarray:
    if not 0 <= owner < 2**OWNER_BITS:
        raise ValueError("owner ID must fit in 32 bits")
    owner_bits = np.unpackbits(np.frombuffer(owner.to_bytes(4, "big"), dtype=np.uint8))
    codes = quantise(landmarks).ravel()
    coord_bits = ((codes[:, None] >> np.arange(COORD_BITS - 1, -1, -1)) & 1).astype(np.uint8).ravel()
    return np.concatenate([owner_bits, coord_bits]).astype(np.uint8)


def _mac(key: str | bytes, data: np.ndarray) -> np.ndarray:
    return mac_bits(face_key(key), np.packbits(data).tobytes(), MAC_BITS)


def message_bits(owner: int, landmarks: np.ndarray, key: str | bytes) -> np.ndarray:
    """The MESSAGE_BITS bits (0/1 uint8) of one face: owner, quantised landmarks, MAC under the face key."""
    data = _data_bits(owner, landmarks)
    return np.concatenate([data, _mac(key, data)]).astype(np.uint8)


def coded_bits(owner: int, landmarks: np.ndarray, key: str | bytes) -> np.ndarray:
    """The message after the convolutional code: what one face's carriers hold."""
    return convcode.encode(message_bits(owner, landmarks, key))


def parse(bits: np.ndarray, key: str | bytes) -> FacePayload | None:
    """The payload of decoded message bits, or None when the MAC does not verify under ``key``."""
    bits = np.asarray(bits, dtype=np.uint8)
    data = bits[:DATA_BITS]
    if not np.array_equal(_mac(key, data), bits[DATA_BITS:MESSAGE_BITS]):
        return None
    owner = int.from_bytes(np.packbits(data[:OWNER_BITS]).tobytes(), "big")
    coord = data[OWNER_BITS:].reshape(-1, COORD_BITS).astype(np.int64)
    codes = coord @ (1 << np.arange(COORD_BITS - 1, -1, -1))
    landmarks, clipped = dequantise(codes)
    return FacePayload(owner, landmarks, clipped)


def decode_soft(soft: np.ndarray, key: str | bytes) -> tuple[FacePayload | None, np.ndarray]:
    """Viterbi-decode soft coded values (positive = 1); (payload or None, re-encoded coded bits)."""
    soft = np.asarray(soft, dtype=np.float64)
    if soft.shape != (CODED_BITS,):
        raise ValueError(f"expected {CODED_BITS} soft values, got {soft.shape}")
    bits = convcode.decode(soft, MESSAGE_BITS)
    return parse(bits, key), convcode.encode(bits)
