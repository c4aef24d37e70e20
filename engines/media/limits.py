"""Safety limits applied before and while decoding."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Limits:
    """Upper bounds that protect against decompression bombs and runaway files."""

    max_pixels: int = 200_000_000  # per frame (e.g. 14142 x 14142)
    max_frames: int = 100_000
    max_file_bytes: int = 8 * 1024**3
    max_animated_pixels_total: int = 4_000_000_000


DEFAULT_LIMITS = Limits()
