"""Generate small media files for tests: stills in every format, animations and videos."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
from PIL import Image


def texture(h: int = 96, w: int = 128, seed: int = 0) -> np.ndarray:
    """A smooth colourful RGB test image with some fine detail."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([128 + 90 * np.sin(xx / 9 + c) * np.cos(yy / 13 - c) for c in range(3)], axis=2)
    return np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)


def write_still(path: Path, fmt: str, image: np.ndarray | None = None, **kwargs) -> Path:
    """Save ``image`` with Pillow in ``fmt`` (JPEG, PNG, TIFF, WEBP, BMP, HEIF, AVIF)."""
    image = texture() if image is None else image
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    Image.fromarray(image).save(path, fmt, **kwargs)
    return path


def write_animation(path: Path, fmt: str = "GIF", n: int = 6, durations: list[int] | None = None) -> Path:
    """An animation whose frame i is filled with grey level 30*i (+ a moving square)."""
    durations = durations or [40 + 10 * i for i in range(n)]
    frames = []
    for i in range(n):
        arr = np.full((48, 64, 3), 30 * i, np.uint8)
        arr[10:20, 5 + 5 * i : 15 + 5 * i] = (255, 0, 0)
        frames.append(Image.fromarray(arr))
    extra = {"loop": 0} if fmt in ("GIF", "WEBP", "PNG") else {}
    if fmt == "WEBP":
        extra["lossless"] = True
    frames[0].save(path, fmt, save_all=True, append_images=frames[1:], duration=durations, **extra)
    return path


VIDEO_CODECS = {".mp4": "libx264", ".mov": "libx264", ".mkv": "libx264", ".webm": "libvpx-vp9", ".avi": "mpeg4"}


def write_video(path: Path, n: int = 30, size: tuple[int, int] = (160, 120), fps: int = 25,
                codec: str | None = None) -> Path:
    """A video whose frame i has mean grey level ≈ 8*i (mod 256), so frames can be identified."""
    w, h = size
    container = av.open(str(path), "w")
    stream = container.add_stream(codec or VIDEO_CODECS[path.suffix], rate=fps)
    stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
    for i in range(n):
        arr = np.full((h, w, 3), (8 * i) % 256, np.uint8)
        for packet in stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path


def frame_level(frame: np.ndarray) -> float:
    """Mean grey level of a frame (identifies frames made by ``write_video``)."""
    return float(frame.mean())


def jpeg_bytes(image: np.ndarray, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", quality=quality)
    return buf.getvalue()
