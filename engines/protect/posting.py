"""What happens to a photo when it is posted, as differentiable torch operations.

The protection is optimised *through* these transforms (expectation over transformation): each step samples
one posting chain (JPEG at a random quality, down-and-up resize, blur), so the perturbation that survives is
the one that still works after a platform re-encodes or shrinks the picture.

JPEG is modelled as libjpeg does it at 4:2:0: full-range YCbCr, 2×2 chroma averaging, 8×8 block DCT,
quantisation with the IJG-scaled standard tables, then the inverse. Rounding is exact in the forward pass;
its gradient is that of a soft staircase (soft-round with sharpness ``SOFT_ROUND_ALPHA``), which averages 1
over a quantisation step but is larger near the step edges, where a small change flips the rounded value.
Every transform keeps the image size, so face coordinates stay valid.
"""

from __future__ import annotations

import dataclasses
import math
from functools import cache

import numpy as np
import torch
import torch.nn.functional as F

SOFT_ROUND_ALPHA = 4.0

_LUMA_TABLE = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99], np.float32).reshape(8, 8)
_CHROMA_TABLE = np.array([
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32, np.float32).reshape(8, 8)


def quant_table(quality: int, chroma: bool = False) -> np.ndarray:
    """The IJG quantisation table for ``quality`` (1–100), as libjpeg scales the standard tables."""
    quality = int(min(100, max(1, quality)))
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    base = _CHROMA_TABLE if chroma else _LUMA_TABLE
    return np.clip(np.floor((base * scale + 50) / 100), 1, 255).astype(np.float32)


@cache
def _dct_basis() -> np.ndarray:
    n = np.arange(8)
    mat = np.cos((2 * n[None, :] + 1) * n[:, None] * np.pi / 16) * math.sqrt(2 / 8)
    mat[0] /= math.sqrt(2)
    return mat.astype(np.float32)


class _SoftRound(torch.autograd.Function):
    """Exact rounding forward; soft-round gradient backward."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(x)
        return torch.round(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        (x,) = ctx.saved_tensors
        a = SOFT_ROUND_ALPHA
        frac = x - torch.floor(x) - 0.5
        slope = (a / 2) / math.tanh(a / 2) / torch.cosh(a * frac) ** 2
        return grad * slope


def soft_round(x: torch.Tensor) -> torch.Tensor:
    """``round(x)`` whose gradient is the soft staircase's (never zero, mean 1 per unit step)."""
    return _SoftRound.apply(x)


def _to_ycbcr(x: torch.Tensor) -> torch.Tensor:
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128.0
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128.0
    return torch.stack([y, cb, cr], 1)


def _to_rgb(x: torch.Tensor) -> torch.Tensor:
    y, cb, cr = x[:, 0], x[:, 1] - 128.0, x[:, 2] - 128.0
    r = y + 1.402 * cr
    g = y - 0.344136 * cb - 0.714136 * cr
    b = y + 1.772 * cb
    return torch.stack([r, g, b], 1)


def _quantise_blocks(plane: torch.Tensor, table: np.ndarray) -> torch.Tensor:
    """DCT-quantise-dequantise-IDCT every 8×8 block of ``plane`` (N, H, W), H and W multiples of 8."""
    n, h, w = plane.shape
    d = torch.as_tensor(_dct_basis(), device=plane.device, dtype=plane.dtype)
    q = torch.as_tensor(table, device=plane.device, dtype=plane.dtype)
    blocks = (plane - 128.0).reshape(n, h // 8, 8, w // 8, 8).permute(0, 1, 3, 2, 4)
    coef = d @ blocks @ d.T
    coef = soft_round(coef / q) * q
    back = d.T @ coef @ d
    return back.permute(0, 1, 3, 2, 4).reshape(n, h, w) + 128.0


def diff_jpeg(x: torch.Tensor, quality: int, subsample: bool = True) -> torch.Tensor:
    """Differentiable JPEG round trip of ``x`` (N, 3, H, W) in [0, 1] at ``quality``; same shape out."""
    n, _, h, w = x.shape
    pad = 16 if subsample else 8
    ph, pw = (-h) % pad, (-w) % pad
    img = F.pad(x * 255.0, (0, pw, 0, ph), mode="replicate") if ph or pw else x * 255.0
    ycc = _to_ycbcr(img)
    luma = _quantise_blocks(ycc[:, 0], quant_table(quality))
    chroma = ycc[:, 1:]
    if subsample:
        chroma = F.avg_pool2d(chroma, 2)
    hc, wc = chroma.shape[-2:]
    chroma = _quantise_blocks(chroma.reshape(n * 2, hc, wc), quant_table(quality, chroma=True)).reshape(n, 2, hc, wc)
    if subsample:
        chroma = F.interpolate(chroma, scale_factor=2, mode="bilinear", align_corners=False)
    out = _to_rgb(torch.cat([luma[:, None], chroma], 1))[:, :, :h, :w] / 255.0
    return torch.clamp(out, 0.0, 1.0)


def resize_round_trip(x: torch.Tensor, factor: float) -> torch.Tensor:
    """Shrink by ``factor`` (anti-aliased, as a platform's downscale) and enlarge back to the same size."""
    h, w = x.shape[-2:]
    small = (max(8, round(h * factor)), max(8, round(w * factor)))
    down = F.interpolate(x, size=small, mode="bilinear", antialias=True, align_corners=False)
    return F.interpolate(down, size=(h, w), mode="bilinear", align_corners=False)


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur (reflect padding) with standard deviation ``sigma`` pixels."""
    radius = max(1, math.ceil(3 * sigma))
    t = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
    k = torch.exp(-(t**2) / (2 * sigma**2))
    k = k / k.sum()
    c = x.shape[1]
    x = F.pad(x, (radius, radius, radius, radius), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(x, k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


@dataclasses.dataclass(frozen=True)
class PostingChain:
    """One sampled posting: optional blur, optional resize round trip, then JPEG at ``quality`` (None: none)."""

    blur_sigma: float = 0.0
    resize: float = 1.0
    quality: int | None = None

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.blur_sigma > 0:
            x = gaussian_blur(x, self.blur_sigma)
        if self.resize < 1.0:
            x = resize_round_trip(x, self.resize)
        if self.quality is not None:
            x = diff_jpeg(x, self.quality)
        return x

    def describe(self) -> str:
        parts = [f"blur σ{self.blur_sigma:.1f}"] if self.blur_sigma > 0 else []
        parts += [f"resize ×{self.resize:.2f}"] if self.resize < 1.0 else []
        parts += [f"JPEG {self.quality}"] if self.quality is not None else []
        return " + ".join(parts) or "none"


@dataclasses.dataclass(frozen=True)
class PostingModel:
    """How posting chains are sampled: JPEG quality range and the chance of each transform."""

    quality_range: tuple[int, int] = (70, 95)
    p_jpeg: float = 0.8
    p_resize: float = 0.5
    resize_range: tuple[float, float] = (0.5, 1.0)
    p_blur: float = 0.25
    blur_range: tuple[float, float] = (0.3, 1.0)

    def sample(self, rng: np.random.Generator) -> PostingChain:
        """Draw one posting chain."""
        blur = float(rng.uniform(*self.blur_range)) if rng.random() < self.p_blur else 0.0
        resize = float(rng.uniform(*self.resize_range)) if rng.random() < self.p_resize else 1.0
        quality = int(rng.integers(self.quality_range[0], self.quality_range[1] + 1)) if rng.random() < self.p_jpeg \
            else None
        return PostingChain(blur, resize, quality)


NO_POSTING = PostingModel(p_jpeg=0.0, p_resize=0.0, p_blur=0.0)
