"""AMTEN (Guo et al., CVIU 2021): adaptive manipulation-traces extraction + a small CNN classifier.

From the method description: a learnable 3×3 convolution predicts each pixel from its neighbours (bias
fixed at 0); its prediction minus the input is the manipulation-trace map. Two further linear 3×3 pairs
reuse it by concatenation (3 → 6 → 12 channels, no nonlinearity in this block). Four stages of
conv → max-pool(3, 2, ceil) → ReLU → BatchNorm follow (the last without BatchNorm), then three fully
connected layers. Inputs are 128×128; the description's raw 0–255 pixels are obtained here by scaling
the [0, 1] input by 255 so every face model takes the same input.
"""

from __future__ import annotations

import torch
from torch import nn

from engines.models.face_common import FaceClassifier
from engines.models.registry import register_model


class AmtenBlock(nn.Module):
    """The linear trace-extraction front end: (B, 3, H, W) → (B, 12, H, W)."""

    def __init__(self):
        super().__init__()
        self.predict = nn.Conv2d(3, 3, 3, 1, 1)
        nn.init.zeros_(self.predict.bias)
        self.predict.bias.requires_grad_(False)
        self.conv2 = nn.Sequential(nn.Conv2d(3, 3, 3, 1, 1), nn.Conv2d(3, 3, 3, 1, 1))
        self.conv3 = nn.Sequential(nn.Conv2d(6, 6, 3, 1, 1), nn.Conv2d(6, 6, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        traces = self.predict(x) - x
        f1 = torch.cat([self.conv2(traces), traces], dim=1)
        return torch.cat([self.conv3(f1), f1], dim=1)


def _stage(cin: int, cout: int, k: int, pad: int, bn: bool = True) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, 1, pad), nn.MaxPool2d(3, 2, ceil_mode=True),
                               nn.ReLU(inplace=True)]
    if bn:
        layers.append(nn.BatchNorm2d(cout))
    return nn.Sequential(*layers)


class Amten(FaceClassifier):
    """AMTEN classifier for 128×128 face crops (about 2.0 M parameters)."""

    def __init__(self, size: int = 128, hidden: int = 300, num_classes: int = 2):
        super().__init__()
        self.traces = AmtenBlock()
        self.features = nn.Sequential(
            _stage(12, 24, 3, 1), _stage(24, 48, 3, 0), _stage(48, 64, 3, 0), _stage(64, 128, 1, 0, bn=False),
            nn.Flatten(),
        )
        with torch.no_grad():
            flat = self.features(self.traces(torch.zeros(1, 3, size, size))).shape[1]
        self.fc = nn.Sequential(nn.Linear(flat, hidden), nn.Linear(hidden, hidden))
        self.head = nn.Linear(hidden, num_classes)
        self.embed_dim = hidden
        for m in self.modules():
            if isinstance(m, nn.Conv2d | nn.Linear) and m is not self.traces.predict:
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def trace_map(self, x: torch.Tensor) -> torch.Tensor:
        """The manipulation-trace map F_mt = predict(x) − x at input resolution (B, 3, H, W)."""
        x = x * 255.0
        return self.traces.predict(x) - x

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(self.traces(x * 255.0)))


@register_model("face_amten")
def face_amten(size: int = 128, hidden: int = 300, num_classes: int = 2) -> Amten:
    """AMTEN at ``size`` px (128 in the paper)."""
    return Amten(size=size, hidden=hidden, num_classes=num_classes)
