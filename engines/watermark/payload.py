"""The 96-bit ownership message: 32-bit owner ID, 32-bit timestamp, 32-bit keyed MAC.

The MAC (HMAC-SHA256 under the user's key, truncated) is what makes a wrong key answer "no watermark":
a decoded bit string is accepted only if its MAC matches. The MAC also binds how many faces of the picture
were given their own face mark (``Payload.faces``, 0 … 15): the reader tries each count, so the count costs
no bits, and marks made before it existed read as 0. The 96 bits are protected by a rate-1/2
convolutional code (``convcode``) decoded from soft values.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib

import numpy as np

from engines.watermark import convcode
from engines.watermark.keyed import mac_bits

OWNER_BITS = 32
TIME_BITS = 32
MAC_BITS = 32
DATA_BITS = OWNER_BITS + TIME_BITS
MESSAGE_BITS = DATA_BITS + MAC_BITS
CODED_BITS = convcode.coded_length(MESSAGE_BITS)
EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
FACE_COUNTS = 16  # face-mark counts the MAC can bind (the last one means "this many or more")


@dataclasses.dataclass(frozen=True)
class Payload:
    """What an ownership mark carries."""

    owner_id: int  # 32-bit hash of the owner text
    minutes: int  # minutes since 2024-01-01 UTC
    faces: int = 0  # faces given their own face mark with this picture (FACE_COUNTS − 1: that many or more)

    def __post_init__(self) -> None:
        if not 0 <= self.faces < FACE_COUNTS:
            raise ValueError(f"the face count must be in 0 … {FACE_COUNTS - 1}")

    @property
    def timestamp(self) -> datetime.datetime:
        return EPOCH + datetime.timedelta(minutes=self.minutes)

    @property
    def owner_hex(self) -> str:
        return f"{self.owner_id:08x}"

    @property
    def watermark_id(self) -> str:
        """A short printable identifier of this payload (owner ID and time)."""
        return f"{self.owner_id:08x}-{self.minutes:08x}"


def owner_id(owner: str) -> int:
    """32-bit ID of an owner text (case and surrounding spaces ignored)."""
    text = " ".join(owner.split()).casefold()
    if not text:
        raise ValueError("the owner text must not be empty")
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")


def make_payload(owner: str, when: datetime.datetime | None = None) -> Payload:
    """Payload for ``owner`` at ``when`` (default now, UTC), rounded down to the minute."""
    when = when or datetime.datetime.now(datetime.UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    minutes = int((when - EPOCH).total_seconds() // 60)
    if not 0 <= minutes < 2**TIME_BITS:
        raise ValueError(f"timestamp {when.isoformat()} is outside the mark's range")
    return Payload(owner_id(owner), minutes)


def _data_bytes(payload: Payload) -> bytes:
    return payload.owner_id.to_bytes(4, "big") + payload.minutes.to_bytes(4, "big")


def _mac(key: str | bytes, data: bytes, faces: int) -> np.ndarray:
    return mac_bits(key, data if faces == 0 else data + b"faces" + bytes([faces]), MAC_BITS)


def message_bits(payload: Payload, key: str | bytes) -> np.ndarray:
    """The 96 message bits (0/1 uint8): owner, time, MAC under ``key`` (binding the face count)."""
    data = _data_bytes(payload)
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8))
    return np.concatenate([bits, _mac(key, data, payload.faces)]).astype(np.uint8)


def _check(bits: np.ndarray, key: str | bytes) -> Payload | None:
    data = np.packbits(bits[:DATA_BITS]).tobytes()
    mac = bits[DATA_BITS:]
    # FACE_COUNTS MACs tried: a wrong key passes with odds FACE_COUNTS / 2**MAC_BITS (about 4e-9) per decode
    faces = next((n for n in range(FACE_COUNTS) if np.array_equal(_mac(key, data, n), mac)), None)
    if faces is None:
        return None
    return Payload(int.from_bytes(data[:4], "big"), int.from_bytes(data[4:], "big"), faces)


def coded_bits(payload: Payload, key: str | bytes) -> np.ndarray:
    """The message bits after the convolutional code: what the carriers hold."""
    return convcode.encode(message_bits(payload, key))


def decode_soft(soft: np.ndarray, key: str | bytes) -> tuple[Payload | None, np.ndarray]:
    """Viterbi-decode soft coded values (positive means 1) and check the MAC.

    Returns the payload (None when the MAC does not verify) and the re-encoded coded bits of the decision.
    """
    soft = np.asarray(soft, dtype=np.float64)
    if soft.shape != (CODED_BITS,):
        raise ValueError(f"expected {CODED_BITS} soft values, got {soft.shape}")
    bits = convcode.decode(soft, MESSAGE_BITS)
    return _check(bits, key), convcode.encode(bits)
