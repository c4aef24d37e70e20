"""Small surrogate face-manipulation models trained here, and how they are loaded (manifest + sha256).

- ``swap_ae``: the classic deepfake face swap — one shared encoder, one decoder per identity group. Swapping
  is ``decoder_b(encoder(face_a))``. Trained on aligned faces of two groups (see ``train_surrogates``).
- ``swap_ae_b``: a held-out variant (fully convolutional latent, nearest-neighbour upsampling, LeakyReLU,
  another seed) used only by the benchmark to measure transfer to a model outside the panel.
- ``editor``: a small U-Net trained to perform one fixed face edit (enlarged eyes, lifted mouth corners, warmer
  tone), standing in for image-to-image face editors.

Every model maps an aligned RGB crop in [0, 1] (N, 3, S, S) to the manipulated crop, and exposes ``features``
(the encoder output) for feature-level disruption.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from engines.models.manifest import WeightsError, load_manifest, load_verified_state_dict, shipped_model_dir

CROP_SIZE = 64
ALIGN_MARGIN = 0.35


def _down(cin: int, cout: int, act: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 4, 2, 1), act())


def _up_shuffle(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout * 4, 3, 1, 1), nn.PixelShuffle(2), nn.ReLU())


def _up_nearest(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, cout, 3, 1, 1),
                         nn.LeakyReLU(0.1))


class SwapAutoencoder(nn.Module):
    """Shared encoder with a dense identity bottleneck, two decoders (A, B); ``forward`` swaps A → B.

    ``levels`` stride-2 stages take the crop to 4×4 (4 for 64 px, 5 for 128 px); channels double per stage up to
    8·``width``; the decoders' last extra stages (beyond 4) run at ``width`` // 2 channels to keep the
    full-resolution layers cheap.
    """

    def __init__(self, width: int = 32, latent: int = 128, levels: int = 4):
        super().__init__()
        w = width
        enc = [3] + [min(w * 2 ** i, 8 * w) for i in range(levels)]
        self.encoder = nn.Sequential(*(_down(a, b) for a, b in itertools.pairwise(enc)))
        self.bottleneck = nn.Sequential(nn.Flatten(), nn.Linear(enc[-1] * 16, latent),
                                        nn.Linear(latent, 4 * w * 16), nn.Unflatten(1, (4 * w, 4, 4)))
        dec = [4 * w, 4 * w, 2 * w, w, w] + [max(w // 2, 8)] * (levels - 4)
        self.decoders = nn.ModuleList(
            nn.Sequential(*(_up_shuffle(a, b) for a, b in itertools.pairwise(dec)),
                          nn.Conv2d(dec[-1], 3, 3, 1, 1), nn.Sigmoid())
            for _ in range(2))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, x: torch.Tensor, which: int) -> torch.Tensor:
        return self.decoders[which](self.bottleneck(self.encoder(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(x, 1)


class SwapAutoencoderB(nn.Module):
    """Held-out architecture: convolutional latent (crop / 2^``levels``), nearest upsampling, LeakyReLU;
    ``forward`` swaps A → B."""

    def __init__(self, width: int = 40, latent_channels: int = 48, levels: int = 3):
        super().__init__()
        w, act = width, nn.LeakyReLU
        enc = [3] + [min(w * 2 ** i, 4 * w) for i in range(levels)]
        self.encoder = nn.Sequential(*(_down(a, b, act) for a, b in itertools.pairwise(enc)),
                                     nn.Conv2d(enc[-1], latent_channels, 3, 1, 1))
        dec = [4 * w, 2 * w, w, w] + [max(w // 2, 8)] * (levels - 3)
        self.decoders = nn.ModuleList(
            nn.Sequential(nn.Conv2d(latent_channels, 4 * w, 3, 1, 1), nn.LeakyReLU(0.1),
                          *(_up_nearest(a, b) for a, b in itertools.pairwise(dec)),
                          nn.Conv2d(dec[-1], 3, 3, 1, 1), nn.Sigmoid())
            for _ in range(2))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, x: torch.Tensor, which: int) -> torch.Tensor:
        return self.decoders[which](self.encoder(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(x, 1)


class EditorUNet(nn.Module):
    """Three-level U-Net predicting the edited crop as input + residual."""

    def __init__(self, width: int = 24):
        super().__init__()
        w = width
        self.e1 = nn.Sequential(nn.Conv2d(3, w, 3, 1, 1), nn.ReLU(), nn.Conv2d(w, w, 3, 1, 1), nn.ReLU())
        self.e2 = nn.Sequential(nn.Conv2d(w, 2 * w, 3, 2, 1), nn.ReLU(), nn.Conv2d(2 * w, 2 * w, 3, 1, 1), nn.ReLU())
        self.e3 = nn.Sequential(nn.Conv2d(2 * w, 4 * w, 3, 2, 1), nn.ReLU(), nn.Conv2d(4 * w, 4 * w, 3, 1, 1),
                                nn.ReLU())
        self.d2 = nn.Sequential(nn.Conv2d(6 * w, 2 * w, 3, 1, 1), nn.ReLU())
        self.d1 = nn.Sequential(nn.Conv2d(3 * w, w, 3, 1, 1), nn.ReLU(), nn.Conv2d(w, 3, 3, 1, 1))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.e3(self.e2(self.e1(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f1 = self.e1(x)
        f2 = self.e2(f1)
        f3 = self.e3(f2)
        u2 = self.d2(torch.cat([F.interpolate(f3, scale_factor=2, mode="bilinear", align_corners=False), f2], 1))
        u1 = self.d1(torch.cat([F.interpolate(u2, scale_factor=2, mode="bilinear", align_corners=False), f1], 1))
        return torch.clamp(x + u1, 0.0, 1.0)


ARCHITECTURES: dict[str, type[nn.Module]] = {
    "protect_swap_ae": SwapAutoencoder,
    "protect_swap_ae_b": SwapAutoencoderB,
    "protect_editor_unet": EditorUNet,
}


@dataclasses.dataclass(frozen=True)
class Surrogate:
    """A loaded surrogate: its model, name, aligned-crop size/margin, and whether it is held out of the panel."""

    name: str
    model: nn.Module
    crop_size: int
    margin: float
    held_out: bool


def build(architecture: str, **kwargs: object) -> nn.Module:
    """A randomly initialised surrogate architecture."""
    try:
        return ARCHITECTURES[architecture](**kwargs)
    except KeyError:
        raise WeightsError(f"unknown surrogate architecture {architecture!r}") from None


def load_surrogate(folder: str | Path, device: str = "cpu") -> Surrogate:
    """Load a surrogate from a folder holding ``manifest.json`` + weights (sha256 verified), eval and frozen."""
    manifest = load_manifest(folder)
    model = build(manifest.architecture, **manifest.architecture_kwargs)
    try:
        model.load_state_dict(load_verified_state_dict(manifest), strict=True)
    except RuntimeError as exc:
        raise WeightsError(f"weights do not fit {manifest.architecture!r}: {exc}") from None
    model.eval().requires_grad_(False)
    spec = manifest.input_spec
    return Surrogate(manifest.name, model.to(device), int(spec.get("size", CROP_SIZE)),
                     float(spec.get("margin", ALIGN_MARGIN)), bool(manifest.raw.get("held_out", False)))


PANEL_SURROGATES = ("protect_swap_ae", "protect_editor")
HELD_OUT_SURROGATES = ("protect_swap_ae_heldout", "protect_swap_ae_heldout_64")


def shipped_surrogates(names: tuple[str, ...] = PANEL_SURROGATES, device: str = "cpu") -> list[Surrogate]:
    """The shipped surrogates named (folders under ``resources/models``) that exist; missing ones are skipped."""
    found = []
    for name in names:
        folder = shipped_model_dir(name)
        if (folder / "manifest.json").is_file():
            found.append(load_surrogate(folder, device))
    return found


def aligned_grid(landmarks5: np.ndarray, size: int, margin: float, shape: tuple[int, int],
                 device: torch.device | str = "cpu") -> torch.Tensor:
    """``grid_sample`` grid (1, size, size, 2) taking an image of ``shape`` (H, W) to the aligned face crop."""
    from engines.faces.align import alignment_matrix

    m = np.vstack([alignment_matrix(np.asarray(landmarks5, np.float64), size, margin), [0, 0, 1]])
    inv = np.linalg.inv(m)
    c = np.arange(size, dtype=np.float64)
    gx, gy = np.meshgrid(c, c)
    pts = np.stack([gx.ravel(), gy.ravel(), np.ones(size * size)])
    src = (inv @ pts)[:2]  # pixel indices in the image (as cv2.warpAffine maps them)
    h, w = shape
    nx = (2 * src[0] + 1) / w - 1
    ny = (2 * src[1] + 1) / h - 1
    grid = np.stack([nx, ny], -1).reshape(1, size, size, 2).astype(np.float32)
    return torch.from_numpy(grid).to(device)


def aligned_crop(x: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """Differentiable aligned face crop of ``x`` (N, 3, H, W) through a grid from ``aligned_grid``."""
    return F.grid_sample(x, grid.expand(x.shape[0], -1, -1, -1), mode="bilinear", padding_mode="border",
                         align_corners=False)
