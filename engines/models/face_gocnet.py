"""GocNet (Guo et al., ESWA 2023): a gradient-operator pre-processed stream plus a stream whose residual
blocks carry manipulation-trace attention (MTA), summed before one linear layer.

From the method description:
- TP: a fixed diagonal gradient kernel applied to each RGB channel feeds a plain ResNet stream.
- MTA, per block: channel attention (shared two-layer 1×1 MLP on average- and max-pooled features,
  summed) plus an "MT gate" (the fixed gradient operator on the channel sum, scaled by a learnable γ
  initialised at 0); attention = σ(channel) + σ(γ · gate).
- The released code adds this attention map to the shortcut instead of weighting the features with it;
  the figure reads as features × attention. ``multiply=True`` (default) weights the features;
  ``multiply=False`` reproduces the additive reading.
Slimmed for CPU: ResNet-18 layout at ``width`` (64 = full) and global average pooling instead of the
fixed 8192-input layer, so any input ≥ 64 px works.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import nn

from engines.models.face_common import ChannelGate, FaceClassifier, gradient_kernel, resnet_trunk
from engines.models.registry import register_model


class TensorPreprocess(nn.Module):
    """TP: depthwise diagonal-gradient filtering of the input (no parameters)."""

    def __init__(self, channels: int = 3):
        super().__init__()
        self.register_buffer("kernel", gradient_kernel(channels), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.kernel.to(x), padding=1, groups=x.shape[1])


class ManipulationTraceAttention(nn.Module):
    """MTA: σ(channel attention) + σ(γ · gradient of the channel sum)."""

    def __init__(self, channels: int, multiply: bool = True):
        super().__init__()
        self.channel = ChannelGate(channels)
        self.gamma = nn.Parameter(torch.zeros(1))
        self.multiply = multiply
        self.register_buffer("kernel", gradient_kernel(1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = F.conv2d(x.sum(dim=1, keepdim=True), self.kernel.to(x), padding=1)
        attention = torch.sigmoid(self.channel(x)) + torch.sigmoid(self.gamma * gate)
        return x * attention if self.multiply else attention


class GocNet(FaceClassifier):
    """Two slim ResNet-18 streams (TP → plain; RGB → MTA blocks), pooled features summed, one linear layer."""

    def __init__(self, width: int = 32, multiply: bool = True, num_classes: int = 2):
        super().__init__()
        self.tp = TensorPreprocess()
        self.plain = resnet_trunk(width)
        self.mta = resnet_trunk(width, attention=functools.partial(ManipulationTraceAttention, multiply=multiply))
        self.embed_dim = width * 8
        self.head = nn.Linear(self.embed_dim, num_classes)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        centred = x - 0.5
        return self.plain(self.tp(centred)) + self.mta(centred)


@register_model("face_gocnet")
def face_gocnet(width: int = 32, multiply: bool = True, num_classes: int = 2) -> GocNet:
    """GocNet with ResNet-18 streams at ``width`` (64 = the paper's full width)."""
    return GocNet(width=width, multiply=multiply, num_classes=num_classes)
