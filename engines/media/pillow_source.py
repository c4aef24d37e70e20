"""Still and animated images decoded with Pillow (plus pillow-heif for HEIC/HEIF)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from engines.media.errors import CorruptMedia, MediaTooLarge, UnsupportedFormat
from engines.media.limits import Limits

try:  # HEIC / HEIF support is optional at runtime but pinned in the project
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - dependency is pinned
    pillow_heif = None

ImageFile.LOAD_TRUNCATED_IMAGES = False
MIN_GIF_FRAME_SECONDS = 0.02
DEFAULT_FRAME_SECONDS = 0.1


def to_rgb_array(image: Image.Image) -> np.ndarray:
    """Convert any Pillow mode to an RGB uint8 array (16-bit and float modes are rescaled)."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(image, dtype=np.float64)
        hi = 65535.0 if image.mode.startswith("I;16") else max(float(arr.max()), 1.0)
        arr8 = np.clip(arr / hi * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(arr8[:, :, None], 3, axis=2)
    if image.mode != "RGB":
        image = image.convert("RGB")
    return np.array(image, dtype=np.uint8)


class PillowSource:
    """Random access to the frames of a still or animated image."""

    def __init__(self, path: Path, limits: Limits):
        self._path = path
        self._limits = limits
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                self._image = Image.open(path)
        except Image.DecompressionBombError as exc:
            raise MediaTooLarge(f"image exceeds the decompression-bomb limit: {exc}") from exc
        except UnidentifiedImageError as exc:
            raise UnsupportedFormat("not an image format TrueLens can read") from exc
        except (OSError, ValueError, SyntaxError) as exc:
            raise CorruptMedia(f"damaged image header: {exc}") from exc
        width, height = self._image.size
        if width <= 0 or height <= 0:
            self.close()
            raise CorruptMedia("image has zero width or height")
        if width * height > limits.max_pixels:
            self.close()
            raise MediaTooLarge(
                f"{width} × {height} = {width * height:,} pixels is above the limit of {limits.max_pixels:,}"
            )
        self.width, self.height = width, height
        self.format = (self._image.format or "").lower()
        self.frame_count = int(getattr(self._image, "n_frames", 1) or 1)
        if self.frame_count > limits.max_frames:
            self.close()
            raise MediaTooLarge(f"{self.frame_count} frames is above the limit of {limits.max_frames}")
        self.animated = self.frame_count > 1
        self.durations = self._read_durations() if self.animated else ()
        self.extra = self._describe()
        self._first = self.read(0)  # validates the data (truncation, corrupt stream)

    def _describe(self) -> dict[str, str]:
        info = {"Colour mode": self._image.mode}
        if "icc_profile" in self._image.info:
            info["ICC profile"] = f"{len(self._image.info['icc_profile'])} bytes"
        if self.animated and "loop" in self._image.info:
            info["Loop"] = "forever" if self._image.info["loop"] == 0 else str(self._image.info["loop"])
        return info

    def _read_durations(self) -> tuple[float, ...]:
        durations = []
        try:
            for index in range(self.frame_count):
                self._image.seek(index)
                if self.format == "webp":  # WebP reports a frame's duration only once it is decoded
                    self._image.load()
                ms = float(self._image.info.get("duration", 0) or 0)
                seconds = ms / 1000.0
                durations.append(DEFAULT_FRAME_SECONDS if seconds < MIN_GIF_FRAME_SECONDS else seconds)
            self._image.seek(0)
        except (OSError, EOFError, ValueError, SyntaxError) as exc:
            raise CorruptMedia(f"damaged animation frame: {exc}") from exc
        return tuple(durations)

    def read(self, index: int) -> np.ndarray:
        if index == 0 and getattr(self, "_first", None) is not None:
            return self._first
        try:
            if self.animated:
                self._image.seek(index)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                self._image.load()
            return to_rgb_array(self._image)
        except (OSError, EOFError, ValueError, SyntaxError) as exc:
            raise CorruptMedia(f"image data is truncated or damaged: {exc}") from exc

    def close(self) -> None:
        self._image.close()
