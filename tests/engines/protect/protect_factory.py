"""Generated test data for the protection engine: a small photo with one face at a known place (scikit-image's
bundled astronaut), face-free images, and tiny target models (toy manipulation nets, a TorchScript file).
Never the shared research data."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from engines.protect.mtcnn import FaceBox


@cache
def _portrait() -> np.ndarray:
    from skimage.data import astronaut

    return cv2.resize(astronaut()[0:320, 60:380], (256, 256), interpolation=cv2.INTER_AREA)


def portrait() -> np.ndarray:
    """RGB uint8 256×256 head-and-shoulders photo with one face (about 80 px wide); a fresh copy."""
    return _portrait().copy()


def flat_noise(size: int = 128, seed: int = 0) -> np.ndarray:
    """A face-free image: grey with mild noise."""
    rng = np.random.default_rng(seed)
    return np.clip(128 + rng.normal(0, 6, (size, size, 3)), 0, 255).astype(np.uint8)


def half_flat_half_busy(size: int = 64, seed: int = 0) -> np.ndarray:
    """Left half flat grey, right half strong noise (texture): for the texture-aware budget."""
    rng = np.random.default_rng(seed)
    img = np.full((size, size, 3), 120, np.uint8)
    img[:, size // 2:] = rng.integers(0, 256, (size, size - size // 2, 3), dtype=np.uint8)
    return img


def centred_face(size: int) -> FaceBox:
    """A plausible face in the middle of a ``size`` square region (box and five landmarks)."""
    s = float(size)
    box = np.array([0.3 * s, 0.25 * s, 0.7 * s, 0.75 * s], np.float32)
    five = np.array([[0.42, 0.45], [0.58, 0.45], [0.5, 0.55], [0.44, 0.64], [0.56, 0.64]], np.float32) * s
    return FaceBox(box, 0.99, five)


class ToyEditor(nn.Module):
    """A fixed random conv 'editor' (residual): output depends smoothly on the input."""

    def __init__(self, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 3, 3, padding=1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.conv1(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.clamp(x + 0.5 * self.conv2(self.features(x)), 0, 1)


class ScaledTarget:
    """A toy target: loss = gain × mean |x − clean| (linear in the perturbation, easy when gain is large)."""

    role = "interrupt"

    def __init__(self, name: str, gain: float, goal: float = 1.0):
        self.name, self.gain, self.goal = name, gain, goal
        self.clean = torch.zeros(0)

    def prepare(self, clean: torch.Tensor, face: FaceBox) -> None:
        self.clean = clean.detach()

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        return self.gain * (x - self.clean).abs().mean()


def torchscript_file(folder: Path, name: str = "editor.pt", broken_output: bool = False) -> Path:
    """A scripted ToyEditor (or one returning an integer tensor) saved to ``folder``."""

    class IntOut(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return (x > 0.5).long()

    model = IntOut() if broken_output else ToyEditor().eval()
    path = folder / name
    torch.jit.script(model).save(str(path))
    return path


def exported_file(folder: Path, name: str = "editor.pt2", size: int = 64) -> Path:
    """A ToyEditor exported with ``torch.export`` for ``size``-px crops and saved (.pt2) to ``folder``."""
    path = folder / name
    program = torch.export.export(ToyEditor().eval(), (torch.rand(1, 3, size, size),))
    torch.export.save(program, str(path))
    return path
