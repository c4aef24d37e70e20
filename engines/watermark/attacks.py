"""The attack suite the marks are measured against: each attack maps an RGB uint8 image to another.

Used by the tests (known-payload round trips) and by ``benchmarks/bench_watermark.py``; ``pull`` (a local
expression edit) by the face-mark tests and ``benchmarks/bench_face_marks.py``.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image

Attack = Callable[[np.ndarray], np.ndarray]


def _pil_roundtrip(rgb: np.ndarray, fmt: str, **kwargs) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, fmt, **kwargs)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


def jpeg(quality: int) -> Attack:
    return lambda rgb: _pil_roundtrip(rgb, "JPEG", quality=quality)


def webp(quality: int = 75) -> Attack:
    return lambda rgb: _pil_roundtrip(rgb, "WEBP", quality=quality)


def resize_back(factor: float = 0.5) -> Attack:
    """Downscale by ``factor`` (area) and back to the original size (bicubic)."""

    def run(rgb: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        small = cv2.resize(rgb, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)

    return run


def rescale(factor: float) -> Attack:
    """Resize by ``factor`` and keep the new size."""
    return lambda rgb: cv2.resize(rgb, (round(rgb.shape[1] * factor), round(rgb.shape[0] * factor)),
                                  interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)


def crop_area(fraction: float = 0.7, anchor: tuple[float, float] = (0.3, 0.6)) -> Attack:
    """Keep ``fraction`` of the area (same aspect), the window placed at ``anchor`` (0..1 in y, x) of the slack."""

    def run(rgb: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        side = np.sqrt(fraction)
        ch, cw = round(h * side), round(w * side)
        y0, x0 = round((h - ch) * anchor[0]), round((w - cw) * anchor[1])
        return np.ascontiguousarray(rgb[y0:y0 + ch, x0:x0 + cw])

    return run


def rotate(degrees: float) -> Attack:
    """Rotate about the centre keeping the size; uncovered corners become black."""

    def run(rgb: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
        return cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)

    return run


def blur(sigma: float = 1.0) -> Attack:
    return lambda rgb: cv2.GaussianBlur(rgb, (0, 0), sigma)


def noise(sigma: float = 5.0, seed: int = 7) -> Attack:
    def run(rgb: np.ndarray) -> np.ndarray:
        gen = np.random.default_rng(seed)
        return np.clip(rgb + gen.normal(0, sigma, rgb.shape), 0, 255).round().astype(np.uint8)

    return run


def brightness(factor: float) -> Attack:
    return lambda rgb: np.clip(rgb.astype(np.float32) * factor, 0, 255).round().astype(np.uint8)


def contrast(factor: float) -> Attack:
    def run(rgb: np.ndarray) -> np.ndarray:
        mean = rgb.astype(np.float32).mean()
        return np.clip((rgb - mean) * factor + mean, 0, 255).round().astype(np.uint8)

    return run


def screenshot(zoom: float = 0.8) -> Attack:
    """Shown at ``zoom`` in a window and captured: rescale, grey window chrome around, saved as PNG."""

    def run(rgb: np.ndarray) -> np.ndarray:
        small = rescale(zoom)(rgb)
        h, w = small.shape[:2]
        canvas = np.full((h + 56, w + 24, 3), 236, np.uint8)
        canvas[:40] = 60
        canvas[44:44 + h, 12:12 + w] = small
        return _pil_roundtrip(canvas, "PNG")

    return run


def gif(colors: int = 256) -> Attack:
    """Palette quantisation (adaptive palette, Floyd–Steinberg dithering) through a GIF file."""

    def run(rgb: np.ndarray) -> np.ndarray:
        pal = Image.fromarray(rgb).quantize(colors=colors, method=Image.Quantize.MEDIANCUT,
                                            dither=Image.Dither.FLOYDSTEINBERG)
        buf = io.BytesIO()
        pal.save(buf, "GIF")
        buf.seek(0)
        return np.asarray(Image.open(buf).convert("RGB"))

    return run


def mp4(crf: int = 23) -> Attack:
    """H.264 (libx264, yuv420p) encode of a short clip of the image and decode of its middle frame."""

    def run(rgb: np.ndarray) -> np.ndarray:
        import av

        h, w = rgb.shape[:2]
        frame = rgb[: h - h % 2, : w - w % 2]
        buf = io.BytesIO()
        with av.open(buf, "w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=25, options={"crf": str(crf), "preset": "veryfast"})
            stream.width, stream.height, stream.pix_fmt = frame.shape[1], frame.shape[0], "yuv420p"
            for _ in range(3):
                for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        buf.seek(0)
        with av.open(buf) as container:
            frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        return frames[len(frames) // 2]

    return run


def pull(rgb: np.ndarray, centre: np.ndarray, shift: tuple[float, float], sigma: float) -> np.ndarray:
    """Warp ``rgb`` so the content around ``centre`` (x, y) moves by ``shift`` (x, y) pixels, fading with a
    Gaussian of ``sigma`` pixels (a local expression edit such as an opened or lowered mouth)."""
    h, w = rgb.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    weight = np.exp(-((xs - centre[0]) ** 2 + (ys - centre[1]) ** 2) / (2.0 * sigma**2))
    return cv2.remap(rgb, xs - shift[0] * weight, ys - shift[1] * weight, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT)


def suite() -> dict[str, Attack]:
    """The named attacks of the benchmark, in report order."""
    return {
        "none": lambda rgb: rgb,
        "jpeg50": jpeg(50),
        "jpeg75": jpeg(75),
        "webp75": webp(75),
        "resize0.5": resize_back(0.5),
        "crop70": crop_area(0.7),
        "rot+5": rotate(5.0),
        "rot-5": rotate(-5.0),
        "blur1": blur(1.0),
        "noise5": noise(5.0),
        "bright+20": brightness(1.2),
        "bright-20": brightness(0.8),
        "contrast+20": contrast(1.2),
        "contrast-20": contrast(0.8),
        "screenshot": screenshot(0.8),
        "gif": gif(256),
        "mp4": mp4(23),
    }
