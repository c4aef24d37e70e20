"""A synthetic "harbour fire" scene for the documentation: a camera original and a copy with a pasted smoke plume.

Everything is drawn here from seeded noise (no photographs, nothing from the research data). The
original is saved once as JPEG; the forgery is that JPEG decoded, a plume with its own, stronger
noise pasted in, and saved again at the same quality, so the plume was compressed once and the
rest twice: error level analysis and the noise analyses have something real to find.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

SIZE = (480, 720)  # rows, cols
JPEG_QUALITY = 85


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    field = cv2.GaussianBlur(rng.normal(0, 1, shape).astype(np.float32), (0, 0), sigma)
    return field / (np.abs(field).max() + 1e-6)


def camera_original(seed: int = 7) -> np.ndarray:
    """Sky, a row of harbour buildings with windows, and rippled water (RGB uint8)."""
    rng = np.random.default_rng(seed)
    h, w = SIZE
    horizon = int(h * 0.58)
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    sky = (1 - y) * np.array([118, 158, 208], np.float32) + y * np.array([214, 212, 220], np.float32)
    image = np.broadcast_to(sky, (h, w, 3)).copy()
    x = 0
    while x < w:
        bw = int(rng.integers(50, 120))
        top = int(horizon - rng.integers(60, 190))
        colour = rng.uniform(70, 170, 3).astype(np.float32) * np.array([1.0, 0.92, 0.85], np.float32)
        image[top:horizon, x:x + bw] = colour
        for wy in range(top + 12, horizon - 14, 22):
            for wx in range(x + 8, x + bw - 12, 18):
                lit = rng.random() < 0.3
                image[wy:wy + 10, wx:wx + 8] = (235, 210, 140) if lit else colour * 0.55
        x += bw + int(rng.integers(0, 12))
    rows = np.arange(h - horizon, dtype=np.float32)[:, None]
    cols = np.arange(w, dtype=np.float32)[None, :]
    ripple = 10 * np.sin(cols / (9 + rows * 0.05) + rows * 0.8) * (0.3 + rows / (h - horizon))
    water = np.array([38, 72, 104], np.float32) + ripple[:, :, None] * np.array([0.6, 0.8, 1.0], np.float32)
    image[horizon:] = water
    image = cv2.GaussianBlur(image, (0, 0), 0.8) + rng.normal(0, 4.0, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def plume_alpha(seed: int = 11) -> np.ndarray:
    """Opacity (0..1) of a billowing smoke plume above the right-hand buildings."""
    rng = np.random.default_rng(seed)
    h, w = SIZE
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = w * 0.70, h * 0.27
    dist = ((xx - cx - (cy - yy) * 0.35) / (w * 0.11)) ** 2 + ((yy - cy) / (h * 0.2)) ** 2
    billow = 0.35 * _smooth_noise(rng, (h, w), 9) + 0.2 * _smooth_noise(rng, (h, w), 3)
    return np.clip(1.6 - dist + billow, 0.0, 1.0) * (yy < h * 0.5)


def forged_copy(original_jpeg: bytes, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """Decode the original JPEG and paste a noisy plume; returns (RGB image, true mask of the plume)."""
    rng = np.random.default_rng(seed + 1)
    base = cv2.imdecode(np.frombuffer(original_jpeg, np.uint8), cv2.IMREAD_COLOR)[:, :, ::-1].astype(np.float32)
    alpha = plume_alpha(seed)[:, :, None]
    smoke = 70 + 45 * _smooth_noise(rng, SIZE, 4)[:, :, None] + rng.normal(0, 7.0, (*SIZE, 1))
    smoke = np.repeat(smoke, 3, axis=2) * np.array([1.0, 0.95, 0.9], np.float32)
    forged = np.clip(base * (1 - alpha) + smoke * alpha, 0, 255).astype(np.uint8)
    return forged, alpha[:, :, 0] > 0.5


def jpeg_bytes(rgb: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    """JPEG encoding of an RGB image."""
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(rgb[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()


def write_scene(folder: Path) -> tuple[Path, Path, np.ndarray]:
    """Write ``harbour-fire.jpg`` (forged) and ``camera-original.jpg``; returns (forged, original, plume mask)."""
    folder.mkdir(parents=True, exist_ok=True)
    original = jpeg_bytes(camera_original())
    forged, mask = forged_copy(original)
    original_path = folder / "camera-original.jpg"
    forged_path = folder / "harbour-fire.jpg"
    original_path.write_bytes(original)
    forged_path.write_bytes(jpeg_bytes(forged))
    return forged_path, original_path, mask
