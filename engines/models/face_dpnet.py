"""DPNet-style dual-perception face classifier (after Guo et al.'s FGL/DPNet figure): a spatial
MobileNetV2 stream with frequency-perception (FPF) blocks after its first three stages and a graph
relation (AFRP) block on its last stage, plus a block-DCT frequency stream; the two are concatenated.

Our reading of the published figure (no code is released):
- FPF: 2-D DCT of a stage's feature map, a learnable per-channel weight for each of ``bands`` radial
  frequency bands, inverse DCT, 1×1 convolution, added back (weights start at 0, so a pretrained trunk
  starts unchanged).
- AFRP: the last stage's channels are projected to ``nodes`` graph nodes (features: a 4×4 pooled map);
  adjacency = identity + a learnable matrix + softmax self-attention; one graph convolution; the nodes
  are projected back to the stage's channels and added.
- Frequency stream: 8×8 block DCT of the luma (64 coefficient channels at 1/8 resolution), log-magnitude,
  two convolutions and global pooling. FGL's meta-learning is not implemented.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engines.models.backbone import load_imagenet_state
from engines.models.face_common import FaceClassifier, block_dct, dct2, idct2, imagenet_normalise, luma
from engines.models.registry import register_model

# mobilenet_v2().features split into four stages ending at strides 4, 8, 16, 32.
_STAGES = ((0, 4), (4, 7), (7, 14), (14, 19))


class FrequencyPerception(nn.Module):
    """FPF: X + conv1×1(IDCT(band_weight ⊙ DCT(X)))."""

    def __init__(self, channels: int, bands: int = 4):
        super().__init__()
        self.bands = bands
        self.weight = nn.Parameter(torch.zeros(channels, bands))
        self.mix = nn.Conv2d(channels, channels, 1)
        nn.init.zeros_(self.mix.bias)

    def band_index(self, h: int, w: int, like: torch.Tensor) -> torch.Tensor:
        u = torch.arange(h, device=like.device)[:, None] / max(h - 1, 1)
        v = torch.arange(w, device=like.device)[None, :] / max(w - 1, 1)
        radius = torch.sqrt((u**2 + v**2) / 2.0)
        return torch.clamp((radius * self.bands).long(), max=self.bands - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        mask = self.weight[:, self.band_index(h, w, x)]  # (C, H, W)
        return x + self.mix(idct2(dct2(x) * mask))


class GraphRelation(nn.Module):
    """AFRP: channel-graph reasoning on a stage output, added back to it."""

    def __init__(self, channels: int, nodes: int = 32, grid: int = 4):
        super().__init__()
        self.grid = grid
        dim = grid * grid
        self.to_nodes = nn.Conv2d(channels, nodes, 1)
        self.learned_adj = nn.Parameter(torch.zeros(nodes, nodes))
        self.query = nn.Linear(dim, dim, bias=False)
        self.key = nn.Linear(dim, dim, bias=False)
        self.gcn = nn.Linear(dim, dim)
        self.to_channels = nn.Conv2d(nodes, channels, 1)
        nn.init.zeros_(self.to_channels.weight)
        nn.init.zeros_(self.to_channels.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = F.adaptive_avg_pool2d(self.to_nodes(x), self.grid).flatten(2)  # (B, N, g²)
        attn = torch.softmax(self.query(nodes) @ self.key(nodes).transpose(1, 2) / nodes.shape[-1] ** 0.5, dim=-1)
        eye = torch.eye(nodes.shape[1], device=x.device, dtype=x.dtype)
        adj = eye + self.learned_adj + attn
        adj = adj / adj.abs().sum(dim=-1, keepdim=True).clamp_min(1e-6)
        out = F.relu(self.gcn(adj @ nodes)).view(x.shape[0], -1, self.grid, self.grid)
        out = F.interpolate(out, size=x.shape[-2:], mode="bilinear", align_corners=False)
        return x + self.to_channels(out)


class FrequencyStream(nn.Module):
    """Block-DCT log-magnitudes of the luma → two convolutions → pooled (B, dim)."""

    def __init__(self, dim: int = 128):
        super().__init__()
        self.net = nn.Sequential(
            nn.BatchNorm2d(64), nn.Conv2d(64, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
            nn.Conv2d(64, dim, 3, 2, 1), nn.BatchNorm2d(dim), nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        coeffs = block_dct(luma(x) * 255.0 - 128.0)
        return self.net(torch.log1p(coeffs.abs()))


class DPNet(FaceClassifier):
    """Spatial MobileNetV2 (+FPF, +AFRP) and a DCT stream, concatenated, dropout, linear head."""

    def __init__(self, pretrained: bool = False, width: float = 1.0, freq_dim: int = 128, nodes: int = 32,
                 dropout: float = 0.2, num_classes: int = 2):
        super().__init__()
        from torchvision.models import mobilenet_v2

        net = mobilenet_v2(width_mult=width)
        if pretrained:
            if width != 1.0:
                raise ValueError("ImageNet weights exist only for width 1.0")
            net.load_state_dict(load_imagenet_state())
        layers = list(net.features.children())
        self.stages = nn.ModuleList(nn.Sequential(*layers[a:b]) for a, b in _STAGES)
        chans = [_out_channels(s) for s in self.stages]
        self.fpf = nn.ModuleList(FrequencyPerception(c) for c in chans[:3])
        self.afrp = GraphRelation(chans[3], nodes)
        self.freq = FrequencyStream(freq_dim)
        self.embed_dim = chans[3] + freq_dim
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.embed_dim, num_classes)

    def spatial(self, x: torch.Tensor) -> torch.Tensor:
        y = imagenet_normalise(x)
        for i, stage in enumerate(self.stages):
            y = stage(y)
            y = self.fpf[i](y) if i < 3 else self.afrp(y)
        return F.adaptive_avg_pool2d(y, 1).flatten(1)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.spatial(x), self.freq(x)], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.embed(x)))


def _out_channels(stage: nn.Sequential) -> int:
    convs = [m for m in stage.modules() if isinstance(m, nn.Conv2d)]
    return int(convs[-1].out_channels)


@register_model("face_dpnet")
def face_dpnet(pretrained: bool = False, width: float = 1.0, freq_dim: int = 128, nodes: int = 32,
               dropout: float = 0.2, num_classes: int = 2) -> DPNet:
    """DPNet-style dual stream; ``pretrained`` starts the spatial trunk from the packaged ImageNet weights."""
    return DPNet(pretrained=pretrained, width=width, freq_dim=freq_dim, nodes=nodes, dropout=dropout,
                 num_classes=num_classes)
