"""Inference-time speed-up: fold BatchNorm layers into the convolutions that precede them."""

from __future__ import annotations

import itertools

from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """Replace every Conv2d → BatchNorm2d pair inside an ``nn.Sequential`` by one Conv2d (eval mode only).

    The model is changed in place and returned; outputs are unchanged up to float rounding.
    """
    if model.training:
        raise ValueError("fold batch norm only into a model in eval mode")
    for module in model.modules():
        if not isinstance(module, nn.Sequential):
            continue
        names = list(module._modules)
        for first, second in itertools.pairwise(names):
            conv, norm = module._modules[first], module._modules[second]
            if isinstance(conv, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d):
                module._modules[first] = fuse_conv_bn_eval(conv, norm)
                module._modules[second] = nn.Identity()
    return model
