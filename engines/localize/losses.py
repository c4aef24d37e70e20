"""Training losses for the localizer.

- final map: pixel-weighted BCE (manipulated pixels ×2) + squared-denominator Dice (CMB-Net's pair);
- prosecution heads learn "manipulated", defence heads learn "authentic" (Courtroom streams);
- boundary head: BCE on the mask's 1/4-resolution morphological edge, positives re-weighted (CMB-Net);
- image head: BCE on "this crop contains manipulated pixels".
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

FG_WEIGHT = 2.0
WEIGHTS = {"map": 1.0, "dice": 1.0, "streams": 0.25, "edge": 0.5, "image": 0.3}


def dice_loss(prob: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-image 1 − (2Σpt + 1) / (Σp² + Σt² + 1), averaged over the batch."""
    p, t = prob.flatten(1), target.flatten(1)
    return (1.0 - (2.0 * (p * t).sum(1) + 1.0) / (p.pow(2).sum(1) + t.pow(2).sum(1) + 1.0)).mean()


def boundary_target(mask_quarter: torch.Tensor) -> torch.Tensor:
    """1 on the mask's boundary band (dilation minus erosion, 3×3) at 1/4 resolution."""
    hard = (mask_quarter > 0.5).float()
    dilated = F.max_pool2d(hard, 3, 1, 1)
    eroded = -F.max_pool2d(-hard, 3, 1, 1)
    return dilated - eroded


def localizer_loss(out: dict[str, torch.Tensor], mask: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
    """Total loss and its parts. ``mask`` is (B, 1, H, W) float in {0, 1} at input resolution."""
    logit = F.interpolate(out["logit"], size=mask.shape[-2:], mode="bilinear", align_corners=False)
    weight = 1.0 + (FG_WEIGHT - 1.0) * mask
    map_loss = F.binary_cross_entropy_with_logits(logit, mask, weight=weight)
    dice = dice_loss(torch.sigmoid(logit), mask)
    quarter = F.adaptive_avg_pool2d(mask, out["pros0"].shape[-2:])
    streams = sum(F.binary_cross_entropy_with_logits(out[k], quarter) for k in ("pros0", "pros1"))
    streams = streams + sum(F.binary_cross_entropy_with_logits(out[k], 1.0 - quarter) for k in ("def0", "def1"))
    edge_t = boundary_target(quarter)
    pos = edge_t.sum()
    pos_weight = ((edge_t.numel() - pos) / pos.clamp(min=1.0)).clamp(1.0, 20.0)
    edge = F.binary_cross_entropy_with_logits(out["edge"], edge_t, pos_weight=pos_weight)
    label = (mask.flatten(1).amax(1) > 0.5).float()
    image = F.binary_cross_entropy_with_logits(out["image_logit"], label)
    parts = {"map": map_loss, "dice": dice, "streams": streams / 4.0, "edge": edge, "image": image}
    total = sum(WEIGHTS[k] * v for k, v in parts.items())
    return total, {k: float(v.detach()) for k, v in parts.items()}
