"""Building blocks of the localizer: conv units, Sc-IML-style prior-aware feature modulation with
coordinate attention, a gated fusion step for the top-down decoder, and the anomaly prior."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ConvBNAct(nn.Sequential):
    """Conv → BatchNorm → ReLU."""

    def __init__(self, cin: int, cout: int, k: int = 3, stride: int = 1, act: bool = True):
        layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout)]
        if act:
            layers.append(nn.ReLU(inplace=True))
        super().__init__(*layers)


class SepConvBNAct(nn.Sequential):
    """Depthwise 3×3 → BatchNorm → pointwise 1×1 → BatchNorm → ReLU (for full-resolution decoder stages)."""

    def __init__(self, cin: int, cout: int):
        super().__init__(
            nn.Conv2d(cin, cin, 3, 1, 1, groups=cin, bias=False),
            nn.BatchNorm2d(cin),
            ConvBNAct(cin, cout, 1),
        )


class SeparableResidual(nn.Module):
    """Depthwise 3×3 + pointwise 1×1 with a residual connection (cheap at high resolution)."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, 1, groups=channels, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            ConvBNAct(channels, channels, 1, act=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.body(x))


class CoordinateAttention(nn.Module):
    """Channel gates pooled along height and along width separately (keeps positional detail)."""

    def __init__(self, channels: int):
        super().__init__()
        mid = max(8, channels // 32)
        self.squeeze = ConvBNAct(channels, mid, 1)
        self.to_h = nn.Conv2d(mid, channels, 1)
        self.to_w = nn.Conv2d(mid, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        pooled_h = x.mean(dim=3, keepdim=True)  # (B, C, H, 1)
        pooled_w = x.mean(dim=2, keepdim=True).transpose(2, 3)  # (B, C, W, 1)
        y = self.squeeze(torch.cat([pooled_h, pooled_w], dim=2))
        y_h, y_w = torch.split(y, [h, w], dim=2)
        gate_h = torch.sigmoid(self.to_h(y_h))
        gate_w = torch.sigmoid(self.to_w(y_w.transpose(2, 3)))
        return x * gate_h * gate_w


class PriorModulation(nn.Module):
    """Prior-aware feature modulation (after Sc-IML's FMM).

    prob = w_fg·P_fg / (w_fg·P_fg + w_bg·P_bg); gate = σ(BN(conv1×1(prob))); F' = F + α·F⊙gate;
    then concat(F, F') → 1×1 conv → coordinate attention.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.w_fg = nn.Parameter(torch.tensor(1.0))
        self.w_bg = nn.Parameter(torch.tensor(0.8))
        self.alpha = nn.Parameter(torch.tensor(0.1))
        self.gate = nn.Sequential(nn.Conv2d(1, channels, 1, bias=False), nn.BatchNorm2d(channels))
        self.merge = ConvBNAct(2 * channels, channels, 1)
        self.attention = CoordinateAttention(channels)

    def forward(self, x: torch.Tensor, prior_fg: torch.Tensor) -> torch.Tensor:
        prior_fg = F.interpolate(prior_fg, size=x.shape[-2:], mode="bilinear", align_corners=False)
        fg = self.w_fg.abs() * prior_fg
        bg = self.w_bg.abs() * (1.0 - prior_fg)
        prob = fg / (fg + bg + 1e-6)
        modulated = x + self.alpha * x * torch.sigmoid(self.gate(prob))
        return self.attention(self.merge(torch.cat([x, modulated], dim=1)))


class GatedFusion(nn.Module):
    """Top-down fusion: a learned per-pixel gate mixes the upsampled coarse map with the finer one."""

    def __init__(self, high: int, low: int, out: int):
        super().__init__()
        self.project_high = ConvBNAct(high, out, 1)
        self.project_low = ConvBNAct(low, out, 1)
        self.gate = nn.Sequential(nn.Conv2d(2 * out, 2 * out, 3, 1, 1, groups=2 * out), nn.Conv2d(2 * out, out, 1))
        self.refine = SepConvBNAct(out, out)

    def forward(self, high: torch.Tensor, low: torch.Tensor) -> torch.Tensor:
        high = F.interpolate(self.project_high(high), size=low.shape[-2:], mode="bilinear", align_corners=False)
        low = self.project_low(low)
        g = torch.sigmoid(self.gate(torch.cat([high, low], dim=1)))
        return self.refine(g * high + (1.0 - g) * low)


def anomaly_prior(features: torch.Tensor) -> torch.Tensor:
    """Foreground prior in (0, 1): how far each position's feature lies from the image's median feature.

    A training-free stand-in for Sc-IML's PatchCore "manipulated discriminator": the distance is
    robustly standardised per image (median, MAD) and squashed with σ(z − 3), so typical positions
    sit near 0.05 and outliers near 1. Returns (B, 1, H, W).
    """
    flat = features.flatten(2)
    centre = flat.median(dim=2, keepdim=True).values
    dist = (flat - centre).pow(2).sum(dim=1, keepdim=True).sqrt()
    typical = dist.median(dim=2, keepdim=True).values
    spread = 1.4826 * (dist - typical).abs().median(dim=2, keepdim=True).values
    z = (dist - typical) / (spread + 1e-3 * typical + 1e-6)
    return torch.sigmoid(z - 3.0).view(features.shape[0], 1, *features.shape[-2:])
