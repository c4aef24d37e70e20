"""GRnet (Guo et al., "Exposing Deepfake Face Forgeries with Guided Residuals"): a spatial stream and a
residual stream fused by attention.

Only the abstract is public, so two parts are our reading of it:
- MTE (manipulation-trace extractor): the guided residual x − guided_filter(x, guide=x). The guided
  filter keeps edges and smooth content, so the residual holds fine traces without a learned predictor.
- AFM (attention fusion): squeeze-and-excitation over the concatenated stream features re-weights
  channels, and a softmax over two stream logits allocates weight to each stream.
Both streams are slim ResNets (``width``); the residual stream sees the residual scaled by ``gain``.
"""

from __future__ import annotations

import torch
from torch import nn

from engines.models.face_common import FaceClassifier, guided_filter, resnet_trunk
from engines.models.registry import register_model


class ManipulationTraceExtractor(nn.Module):
    """x − guided_filter(x, x): content removed, fine residual traces kept (no parameters)."""

    def __init__(self, radius: int = 2, eps: float = 1e-3, gain: float = 8.0):
        super().__init__()
        self.radius, self.eps, self.gain = radius, eps, gain

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - guided_filter(x, x, self.radius, self.eps)) * self.gain


class AttentionFusion(nn.Module):
    """AFM: SE channel weights on [spatial, residual] and a softmax weight per stream."""

    def __init__(self, dim: int):
        super().__init__()
        self.se = nn.Sequential(nn.Linear(2 * dim, dim // 4), nn.ReLU(inplace=True), nn.Linear(dim // 4, 2 * dim),
                                nn.Sigmoid())
        self.stream_logits = nn.Linear(2 * dim, 2)
        self.dim = dim

    def forward(self, spatial: torch.Tensor, residual: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        both = torch.cat([spatial, residual], dim=1)
        weighted = both * self.se(both)
        w = torch.softmax(self.stream_logits(both), dim=1)
        fused = w[:, :1] * weighted[:, : self.dim] + w[:, 1:] * weighted[:, self.dim :]
        return fused, w


class GRNet(FaceClassifier):
    """Spatial + guided-residual streams fused by AFM; ``last_stream_weights`` keeps the latest weights."""

    def __init__(self, width: int = 32, radius: int = 2, eps: float = 1e-3, num_classes: int = 2):
        super().__init__()
        self.mte = ManipulationTraceExtractor(radius, eps)
        self.spatial = resnet_trunk(width)
        self.residual = resnet_trunk(width)
        self.embed_dim = width * 8
        self.fusion = AttentionFusion(self.embed_dim)
        self.head = nn.Linear(self.embed_dim, num_classes)
        self.last_stream_weights: torch.Tensor | None = None

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        fused, weights = self.fusion(self.spatial(x - 0.5), self.residual(self.mte(x)))
        self.last_stream_weights = weights.detach()
        return fused


@register_model("face_grnet")
def face_grnet(width: int = 32, radius: int = 2, eps: float = 1e-3, num_classes: int = 2) -> GRNet:
    """GRnet with slim ResNet-18 streams at ``width``."""
    return GRNet(width=width, radius=radius, eps=eps, num_classes=num_classes)
