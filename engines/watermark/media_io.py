"""Reading pictures, animations and videos as RGB frames, and writing marked ones (bytes, for atomic writes)."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
from PIL import Image

from engines.media import open_media

STILL_SUFFIXES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP", ".tif": "TIFF", ".tiff": "TIFF",
                  ".bmp": "BMP"}
ANIMATION_SUFFIXES = {".gif": "GIF"}
VIDEO_SUFFIXES = {".mp4": "mp4", ".mov": "mov", ".mkv": "matroska"}
JPEG_QUALITY = 95
VIDEO_CRF = 18


@dataclasses.dataclass
class Frames:
    """Decoded media: RGB uint8 frames, per-frame durations (s; empty for stills) and the frame rate."""

    frames: list[np.ndarray]
    kind: str  # "still" | "animated" | "video"
    durations: tuple[float, ...] = ()
    fps: float | None = None


def read_frames(path: str | Path, max_frames: int | None = None) -> Frames:
    """Decode ``path`` (raises ``engines.media.MediaError`` with a one-line reason on bad input).

    ``max_frames`` keeps that many frames spread evenly over the file (for verification).
    """
    media = open_media(path)
    try:
        count = media.frame_count
        if max_frames is not None and count > max_frames:
            indices = sorted({round(i) for i in np.linspace(0, count - 1, max_frames)})
        else:
            indices = list(range(count))
        frames = [np.array(media.frame(i)) for i in indices]
        return Frames(frames, media.kind, media.info.durations, media.info.fps)
    finally:
        media.close()


def output_kind(path: str | Path) -> str:
    """"still", "animated" or "video" from the output suffix; ValueError for unsupported suffixes."""
    suffix = Path(path).suffix.lower()
    if suffix in STILL_SUFFIXES:
        return "still"
    if suffix in ANIMATION_SUFFIXES:
        return "animated"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    known = ", ".join(sorted({*STILL_SUFFIXES, *ANIMATION_SUFFIXES, *VIDEO_SUFFIXES}))
    raise ValueError(f"cannot write {suffix or 'files without a suffix'}; use one of {known}")


def encode(media: Frames, path: str | Path) -> bytes:
    """Bytes of ``media`` in the format the suffix of ``path`` names."""
    kind = output_kind(path)
    suffix = Path(path).suffix.lower()
    if kind == "still":
        return _still(media.frames[0], STILL_SUFFIXES[suffix])
    if kind == "animated":
        return _gif(media)
    return _video(media, VIDEO_SUFFIXES[suffix])


def _still(rgb: np.ndarray, fmt: str) -> bytes:
    buf = io.BytesIO()
    options = {"JPEG": {"quality": JPEG_QUALITY}, "WEBP": {"quality": JPEG_QUALITY}}.get(fmt, {})
    Image.fromarray(rgb).save(buf, fmt, **options)
    return buf.getvalue()


def _gif(media: Frames) -> bytes:
    """Animated GIF: each frame gets its own adaptive palette with Floyd–Steinberg dithering."""
    frames = [Image.fromarray(f).quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                          dither=Image.Dither.FLOYDSTEINBERG) for f in media.frames]
    durations = [max(20, round(d * 1000)) for d in media.durations] if media.durations else [100] * len(frames)
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=len(frames) > 1, append_images=frames[1:], duration=durations[: len(frames)],
                   loop=0, disposal=1)
    return buf.getvalue()


def _video(media: Frames, container_format: str) -> bytes:
    """H.264 (libx264, yuv420p) at ``VIDEO_CRF``; odd sizes are cropped by one pixel."""
    import av

    buf = io.BytesIO()
    fps = round(media.fps or (1.0 / media.durations[0] if media.durations else 25.0))
    with av.open(buf, "w", format=container_format) as container:
        stream = container.add_stream("libx264", rate=max(1, fps), options={"crf": str(VIDEO_CRF)})
        h, w = media.frames[0].shape[:2]
        stream.width, stream.height, stream.pix_fmt = w - w % 2, h - h % 2, "yuv420p"
        for frame in media.frames:
            video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame[: h - h % 2, : w - w % 2]),
                                                     format="rgb24")
            for packet in stream.encode(video_frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()
