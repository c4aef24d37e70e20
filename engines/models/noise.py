"""Noise-residual stream: fixed SRM high-pass filters plus a constrained (Bayar) convolution.

Both suppress image content and keep the residual where splicing, resampling and re-compression
leave their traces. Optional extra channels (JPEG error levels, see ``engines.localize.features``)
join them. The stream returns feature maps at strides 4, 8 and 16.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engines.models.blocks import ConvBNAct, SeparableResidual

# Three classic spatial-rich-model residual kernels (2nd-order "KB", 3rd-order "KV", 1st-order line).
_SRM_KERNELS = (
    [[0, 0, 0, 0, 0], [0, -1, 2, -1, 0], [0, 2, -4, 2, 0], [0, -1, 2, -1, 0], [0, 0, 0, 0, 0]],
    [[-1, 2, -2, 2, -1], [2, -6, 8, -6, 2], [-2, 8, -12, 8, -2], [2, -6, 8, -6, 2], [-1, 2, -2, 2, -1]],
    [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 1, -2, 1, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]],
)
_SRM_SCALES = (4.0, 12.0, 2.0)
_SRM_TRUNCATION = 3.0  # residuals clipped to ±3 grey levels, as in SRM's truncation step


class SRMFilters(nn.Module):
    """Fixed SRM residuals of each colour channel (3 kernels × 3 channels), truncated and scaled."""

    def __init__(self) -> None:
        super().__init__()
        kernels = torch.tensor(_SRM_KERNELS, dtype=torch.float32) / torch.tensor(_SRM_SCALES).view(3, 1, 1)
        weight = kernels.repeat(3, 1, 1).unsqueeze(1)  # (9, 1, 5, 5): channel-major order
        self.register_buffer("weight", weight, persistent=False)

    def forward(self, rgb255: torch.Tensor) -> torch.Tensor:
        x = rgb255.repeat_interleave(3, dim=1)
        res = F.conv2d(x, self.weight, padding=2, groups=9)
        return res.clamp(-_SRM_TRUNCATION, _SRM_TRUNCATION) / _SRM_TRUNCATION


class ConstrainedConv(nn.Module):
    """Bayar-Stamm constrained convolution: each filter predicts the centre pixel from its neighbours.

    The constraint (centre weight −1, the others summing to 1) is applied on every forward pass, so
    the layer can only learn prediction-error (residual) filters.
    """

    def __init__(self, in_channels: int = 3, out_channels: int = 3, size: int = 5):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, size, size) * 0.1)
        centre = torch.zeros(1, 1, size, size)
        centre[..., size // 2, size // 2] = 1.0
        self.register_buffer("centre", centre, persistent=False)
        self.padding = size // 2

    def constrained_weight(self) -> torch.Tensor:
        """Per (output, input) channel pair: centre −1, neighbours summing to 1 (flat input → 0)."""
        off = self.weight * (1.0 - self.centre)
        total = off.sum(dim=(2, 3), keepdim=True)
        total = torch.where(total.abs() < 1e-6, torch.full_like(total, 1e-6), total)
        return off / total - self.centre

    def forward(self, rgb255: torch.Tensor) -> torch.Tensor:
        return F.conv2d(rgb255, self.constrained_weight(), padding=self.padding) / 16.0


class NoiseStream(nn.Module):
    """Residual extractor followed by a small strided CNN; returns stride-4, -8, -16 features."""

    def __init__(self, dims: tuple[int, int, int, int] = (16, 32, 48, 64), constrained: int = 3, extra: int = 0):
        super().__init__()
        self.srm = SRMFilters()
        self.bayar = ConstrainedConv(3, constrained)
        self.extra = extra  # fixed per-pixel features computed outside the network (e.g. JPEG error levels)
        self.norm = nn.BatchNorm2d(9 + constrained + extra)
        d2, d4, d8, d16 = dims
        self.down2 = ConvBNAct(9 + constrained + extra, d2, 3, stride=2)
        self.down4 = nn.Sequential(ConvBNAct(d2, d4, 3, stride=2), SeparableResidual(d4))
        self.down8 = nn.Sequential(ConvBNAct(d4, d8, 3, stride=2), SeparableResidual(d8))
        self.down16 = nn.Sequential(ConvBNAct(d8, d16, 3, stride=2), SeparableResidual(d16))
        self.channels = (d4, d8, d16)

    def forward(self, rgb01: torch.Tensor, extra: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if self.extra and (extra is None or extra.shape[1] != self.extra):
            raise ValueError(f"the noise stream needs {self.extra} extra feature channels")
        residual = self._residuals(rgb01, extra) if self.training else self._residuals_fused(rgb01, extra)
        n4 = self.down4(self.down2(residual))
        n8 = self.down8(n4)
        return n4, n8, self.down16(n8)

    def _residuals(self, rgb01: torch.Tensor, extra: torch.Tensor | None) -> torch.Tensor:
        x255 = rgb01 * 255.0
        parts = [self.srm(x255), self.bayar(x255)] + ([extra] if self.extra else [])
        return self.norm(torch.cat(parts, dim=1))

    def _residuals_fused(self, rgb01: torch.Tensor, extra: torch.Tensor | None) -> torch.Tensor:
        """The same as ``_residuals`` in eval mode, in one dense 5×5 convolution: the SRM kernels become a
        block-diagonal 3→9 filter beside the constrained 3→k one, and the batch norm's scale and shift are
        folded into it (and into the clipping step for the SRM part). About a third less time here."""
        norm = self.norm
        scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
        shift = norm.bias - norm.running_mean * scale
        k = self.bayar.weight.shape[0]
        srm = torch.zeros(9, 3, 5, 5, dtype=rgb01.dtype, device=rgb01.device)
        for c in range(9):
            srm[c, c // 3] = self.srm.weight[c, 0]
        bayar = self.bayar.constrained_weight() / 16.0 * scale[9:9 + k].view(-1, 1, 1, 1)
        weight = torch.cat([srm * 255.0, bayar * 255.0]).contiguous(memory_format=torch.channels_last)
        bias = torch.cat([torch.zeros(9, dtype=scale.dtype, device=scale.device), shift[9:9 + k]])
        out = F.conv2d(rgb01, weight, bias, padding=2)
        clipped = out[:, :9].clamp(-_SRM_TRUNCATION, _SRM_TRUNCATION)
        parts = [torch.addcmul(shift[:9].view(1, -1, 1, 1), clipped, (scale[:9] / _SRM_TRUNCATION).view(1, -1, 1, 1)),
                 out[:, 9:]]
        if self.extra:
            parts.append(torch.addcmul(shift[9 + k:].view(1, -1, 1, 1), extra, scale[9 + k:].view(1, -1, 1, 1)))
        return torch.cat(parts, dim=1)
