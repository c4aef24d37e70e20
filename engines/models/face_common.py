"""Shared pieces of the face-forgery classifiers: DCT bases, a guided filter, the fixed diagonal gradient
kernel, small residual stages and the classifier interface.

Every face classifier takes RGB float in [0, 1], shape (B, 3, S, S), returns logits (B, 2) (index 1 =
fake) from ``forward`` and its pooled embedding from ``embed`` (used by TRIM's feature-shift measure).
"""

from __future__ import annotations

import math
from functools import cache

import torch
import torch.nn.functional as F
from torch import nn

from engines.models.backbone import IMAGENET_MEAN, IMAGENET_STD

# Diagonal gradient operator used by GocNet's TP module and MT gate.
GRADIENT_KERNEL = ((0.0, 1.0, 1.0), (-1.0, 0.0, 1.0), (-1.0, -1.0, 0.0))


class FaceClassifier(nn.Module):
    """Base class: ``embed(x)`` → (B, D) features, ``head`` → logits; ``forward = head(embed(x))``."""

    embed_dim: int

    def embed(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


def to_tensor(crops) -> torch.Tensor:
    """uint8 (B, S, S, 3) numpy crops → float tensor (B, 3, S, S) in [0, 1]."""
    import numpy as np

    return torch.from_numpy(np.ascontiguousarray(crops)).permute(0, 3, 1, 2).float().div_(255.0)


def imagenet_normalise(x: torch.Tensor) -> torch.Tensor:
    mean = x.new_tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = x.new_tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (x - mean) / std


@cache
def _dct_matrix_cpu(n: int) -> torch.Tensor:
    # Built outside inference mode: a cached inference tensor could not be used later in training.
    with torch.inference_mode(False), torch.no_grad():
        k = torch.arange(n, dtype=torch.float64)[:, None]
        i = torch.arange(n, dtype=torch.float64)[None, :]
        m = torch.cos(math.pi * (2 * i + 1) * k / (2 * n)) * math.sqrt(2.0 / n)
        m[0] /= math.sqrt(2.0)
        return m.float()


def dct_matrix(n: int, like: torch.Tensor) -> torch.Tensor:
    """Orthonormal DCT-II matrix (n, n): ``D @ v`` is the DCT of column vector v; ``D.T`` inverts it."""
    return _dct_matrix_cpu(n).to(device=like.device, dtype=like.dtype)


def dct2(x: torch.Tensor) -> torch.Tensor:
    """2-D orthonormal DCT over the last two dimensions."""
    return dct_matrix(x.shape[-2], x) @ x @ dct_matrix(x.shape[-1], x).T


def idct2(x: torch.Tensor) -> torch.Tensor:
    """Inverse of ``dct2``."""
    return dct_matrix(x.shape[-2], x).T @ x @ dct_matrix(x.shape[-1], x)


def block_dct(gray: torch.Tensor, block: int = 8) -> torch.Tensor:
    """(B, 1, H, W) → (B, block², H/block, W/block): per-block DCT coefficients as channels."""
    b, _, h, w = gray.shape
    h, w = h - h % block, w - w % block
    tiles = gray[:, :, :h, :w].reshape(b, h // block, block, w // block, block).permute(0, 1, 3, 2, 4)
    coeffs = dct2(tiles)  # (B, h/8, w/8, 8, 8)
    return coeffs.reshape(b, h // block, w // block, block * block).permute(0, 3, 1, 2).contiguous()


def luma(x: torch.Tensor) -> torch.Tensor:
    return (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])


def box_filter(x: torch.Tensor, r: int) -> torch.Tensor:
    """Mean over a (2r+1)² window with edge replication (depthwise)."""
    k = 2 * r + 1
    return F.avg_pool2d(F.pad(x, (r, r, r, r), mode="replicate"), k, stride=1)


def guided_filter(guide: torch.Tensor, src: torch.Tensor, r: int = 2, eps: float = 1e-2) -> torch.Tensor:
    """He et al.'s guided filter, channel-wise (guide and src of equal shape): an edge-preserving smooth."""
    mean_i = box_filter(guide, r)
    mean_p = box_filter(src, r)
    cov = box_filter(guide * src, r) - mean_i * mean_p
    var = box_filter(guide * guide, r) - mean_i * mean_i
    a = cov / (var + eps)
    b = mean_p - a * mean_i
    return box_filter(a, r) * guide + box_filter(b, r)


def gradient_kernel(channels: int, like: torch.Tensor | None = None) -> torch.Tensor:
    """Depthwise weight (C, 1, 3, 3) of the diagonal gradient operator."""
    k = torch.tensor(GRADIENT_KERNEL, dtype=torch.float32)
    if like is not None:
        k = k.to(like)
    return k.view(1, 1, 3, 3).repeat(channels, 1, 1, 1)


class BasicBlock(nn.Module):
    """ResNet basic block; ``attention`` (optional) maps the block's features to refined features."""

    def __init__(self, cin: int, cout: int, stride: int = 1, attention: nn.Module | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.attention = attention
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        if self.attention is not None:
            y = self.attention(y)
        return F.relu(y + self.shortcut(x))


def resnet_trunk(width: int, blocks: tuple[int, ...] = (2, 2, 2, 2),
                 attention: type[nn.Module] | None = None, cin: int = 3) -> nn.Sequential:
    """Slim ResNet: stem (stride 4) and four stages of widths w, 2w, 4w, 8w, ending in global pooling."""
    layers: list[nn.Module] = [
        nn.Conv2d(cin, width, 7, 2, 3, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
        nn.MaxPool2d(3, 2, 1),
    ]
    c = width
    for i, n in enumerate(blocks):
        out = width * 2**i
        for j in range(n):
            att = attention(out) if attention is not None else None
            layers.append(BasicBlock(c, out, 2 if (j == 0 and i > 0) else 1, att))
            c = out
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*layers)


class ChannelGate(nn.Module):
    """Squeeze-and-excitation: per-channel weights from average- and max-pooled descriptors."""

    def __init__(self, channels: int, ratio: int = 16):
        super().__init__()
        mid = max(4, channels // ratio)
        self.mlp = nn.Sequential(nn.Conv2d(channels, mid, 1), nn.ReLU(inplace=True), nn.Conv2d(mid, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(F.adaptive_avg_pool2d(x, 1)) + self.mlp(F.adaptive_max_pool2d(x, 1))
