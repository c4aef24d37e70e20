"""Generated face test data: scikit-image's bundled ``astronaut`` (one face at a known place), multi-face
composites with known boxes, face-free images, a tiny random face model with a manifest, and GIFs of a
moving face. Never the shared research data."""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path

import cv2
import numpy as np

# The astronaut's face (x0, y0, x1, y1) in skimage.data.astronaut() (512×512), measured once by hand.
ASTRONAUT_FACE = (175, 75, 275, 178)


@cache
def _astronaut() -> np.ndarray:
    from skimage.data import astronaut

    return astronaut()


def astronaut() -> np.ndarray:
    """RGB uint8 512×512 with one face (``ASTRONAUT_FACE``); a fresh copy."""
    return _astronaut().copy()


def face_patch(scale: float = 1.0) -> np.ndarray:
    """The astronaut's head and shoulders region (about 240 px square at scale 1) resized by ``scale``."""
    patch = _astronaut()[20:260, 105:345]
    return cv2.resize(patch, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)


def multi_face_scene(width: int = 1280, height: int = 720, placements=((60, 300, 1.0), (560, 80, 0.6),
                                                                        (960, 420, 0.45))
                     ) -> tuple[np.ndarray, list[tuple[float, float, float, float]]]:
    """Faces pasted on a textured background: (image, expected face boxes) for (x, y, scale) placements."""
    rng = np.random.default_rng(3)
    bg = cv2.resize(rng.integers(90, 160, (height // 16, width // 16, 3), dtype=np.uint8), (width, height),
                    interpolation=cv2.INTER_CUBIC)
    boxes = []
    fx0, fy0, fx1, fy1 = ASTRONAUT_FACE
    for x, y, s in placements:
        patch = face_patch(s)
        ph, pw = patch.shape[:2]
        bg[y : y + ph, x : x + pw] = patch
        boxes.append((x + (fx0 - 105) * s, y + (fy0 - 20) * s, x + (fx1 - 105) * s, y + (fy1 - 20) * s))
    return bg, boxes


def no_face_image(size: int = 384, seed: int = 0) -> np.ndarray:
    """Smooth colour blobs and a gradient: nothing face-like."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (6, 6, 3), dtype=np.uint8)
    img = cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC)
    ramp = np.linspace(0, 40, size, dtype=np.float32)[None, :, None]
    return np.clip(img + ramp, 0, 255).astype(np.uint8)


def tiny_face_model(folder: Path, seed: int = 0, trim: dict | None = None) -> Path:
    """A random-weight, narrow ``face_dpnet`` with a valid manifest in ``folder`` (for pipeline tests)."""
    import torch

    import engines.models.face_models  # noqa: F401
    from engines.models import create_model
    from engines.models.manifest import sha256_bytes

    torch.manual_seed(seed)
    kwargs = {"width": 0.25, "freq_dim": 16, "nodes": 8}
    model = create_model("face_dpnet", **kwargs)
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "weights.pt").write_bytes(buf.getvalue())
    manifest = {
        "name": "tiny_face", "architecture": "face_dpnet", "architecture_kwargs": kwargs,
        "weights": {"file": "weights.pt", "sha256": sha256_bytes(buf.getvalue())},
        "input": {"size": 64}, "normalisation": {"scale": "pixels / 255"}, "licence": "test",
        "output": {"threshold": 0.5},
        "trim": trim or {"entropy": 0.95, "prediction_kl": 0.05, "feature_kl": 0.05},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def moving_face_gif(path: Path, frames: int = 6, step: int = 12) -> Path:
    """A GIF whose frames show the astronaut shifting right by ``step`` px per frame (one face track)."""
    from PIL import Image

    base = cv2.resize(astronaut(), (256, 256), interpolation=cv2.INTER_AREA)
    pad = np.pad(base, ((0, 0), (0, frames * step), (0, 0)), mode="edge")
    images = [Image.fromarray(np.roll(pad, i * step, axis=1)[:, : 256 + frames * step]) for i in range(frames)]
    images[0].save(path, save_all=True, append_images=images[1:], duration=100, loop=0)
    return path
