"""Secret-key derivation: every keyed choice of the codecs comes from HMAC-SHA256 of the user's key."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np

DOMAIN = b"truelens-watermark-v1"


def key_bytes(key: str | bytes) -> bytes:
    """The user's secret as bytes; an empty key is refused (it would be a public mark)."""
    data = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    if not data:
        raise ValueError("the watermark key must not be empty")
    return data


def subkey(key: str | bytes, label: str) -> bytes:
    """A 32-byte key for one purpose (``label``), independent of the others."""
    return hmac.new(key_bytes(key), DOMAIN + b"|" + label.encode("utf-8"), hashlib.sha256).digest()


def rng(key: str | bytes, label: str) -> np.random.Generator:
    """A reproducible random generator seeded from the key and a purpose label."""
    return np.random.Generator(np.random.PCG64(int.from_bytes(subkey(key, label), "big")))


def mac_bits(key: str | bytes, data: bytes, n_bits: int) -> np.ndarray:
    """The first ``n_bits`` bits of HMAC-SHA256(key, data), as a uint8 0/1 array."""
    digest = hmac.new(subkey(key, "mac"), data, hashlib.sha256).digest()
    return np.unpackbits(np.frombuffer(digest, dtype=np.uint8))[:n_bits]
