"""The perturbation search: momentum sign-gradient ascent (PGD) under a per-pixel L∞ budget, through sampled
posting chains, against an adaptively weighted panel, in two stages (TSDF).

Stage 1 (interruption) uses only the "interrupt" targets; stage 2 (poisoning) starts from stage 1's
perturbation and adds the "poison" targets, with the interruption targets kept in the panel so the adaptive
weights stop stage 2 from undoing stage 1. Each step: x = clean + δ → one posting chain → Σ wᵢ·lossᵢ/goalᵢ,
gradient normalised by its mean magnitude, momentum 0.8, sign step scaled by the local budget, clamp.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import cv2
import numpy as np
import torch

from engines.protect.panel import AdaptivePanel
from engines.protect.posting import PostingModel
from engines.protect.targets import Target

BASE_EPS = 6.0 / 255.0
SMOOTH_FLOOR = 0.4
TEXTURE_REF = 8.0 / 255.0
STAGE1_SHARE = 0.4
MOMENTUM = 0.8


@dataclasses.dataclass(frozen=True)
class Budget:
    """How much the photo may change: L∞ ``eps`` in busy texture, ``floor``·eps on flat areas, and a minimum
    PSNR the whole picture must keep (the perturbation is scaled down if it would fall below it)."""

    eps: float
    floor: float
    min_psnr: float

    def as_dict(self) -> dict[str, float]:
        return {"linf_max_255": round(self.eps * 255, 2), "linf_flat_255": round(self.eps * self.floor * 255, 2),
                "min_psnr_db": round(self.min_psnr, 1)}


def budget_for(strength: float) -> Budget:
    """Budget for a strength in (0, 4]: 1 → L∞ 6/255 (2.4/255 on smooth skin), PSNR ≥ 35 dB; every doubling
    doubles the L∞ limit and allows 6 dB less PSNR."""
    if not 0 < strength <= 4:
        raise ValueError("strength must be in (0, 4]")
    min_psnr = 35.0 if strength <= 1 else 35.0 - 6.02 * math.log2(strength)
    return Budget(BASE_EPS * strength, SMOOTH_FLOOR, min_psnr)


def limit_map(image: np.ndarray, budget: Budget) -> np.ndarray:
    """Per-pixel L∞ limit (H, W) float32 in [0, 1] units: texture-aware so smooth skin and sky get less.

    Texture is the local standard deviation of luma in a 7×7 window, relative to ``TEXTURE_REF``.
    """
    luma = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    mean = cv2.blur(luma, (7, 7))
    std = np.sqrt(np.maximum(cv2.blur(luma * luma, (7, 7)) - mean * mean, 0.0))
    texture = np.clip(std / TEXTURE_REF, 0.0, 1.0)
    texture = cv2.GaussianBlur(texture, (0, 0), 2.0)
    return (budget.eps * (budget.floor + (1.0 - budget.floor) * texture)).astype(np.float32)


@dataclasses.dataclass
class SearchLog:
    """What the search saw: final per-target losses (under posting) and weights, and steps run."""

    names: list[str]
    losses: list[float]
    weights: list[float]
    steps: int


def search(clean: torch.Tensor, eps: torch.Tensor, targets: list[Target], steps: int, posting: PostingModel,
           rng: np.random.Generator, on_step: Callable[[int], None] | None = None,
           panel: AdaptivePanel | None = None) -> tuple[torch.Tensor, SearchLog]:
    """Find δ (same shape as ``clean``, |δ| ≤ ``eps`` per pixel) maximising the weighted panel loss.

    ``clean``: (1, 3, H, W) in [0, 1], targets already prepared on it. ``eps``: (1, 1, H, W) limits.
    ``on_step(i)`` is called after every step (progress and cancellation).
    """
    if not targets:
        raise ValueError("no targets to optimise against")
    panel = panel or AdaptivePanel([t.goal for t in targets])
    interrupt = [i for i, t in enumerate(targets) if t.role == "interrupt"]
    everyone = list(range(len(targets)))
    stage1_steps = round(steps * STAGE1_SHARE) if interrupt and len(interrupt) < len(targets) else 0
    eps_max = float(eps.max().clamp_min(1e-6))
    alpha = eps_max / 8.0
    # random start inside half the budget: at δ = 0 an output-distance loss has a zero gradient
    noise = torch.from_numpy(rng.uniform(-0.5, 0.5, tuple(clean.shape)).astype(np.float32)).to(clean.device)
    delta = torch.clamp(clean + noise * eps, 0.0, 1.0) - clean
    momentum = torch.zeros_like(clean)
    last = [0.0] * len(targets)
    for step in range(steps):
        active = interrupt if step < stage1_steps else everyone
        delta.requires_grad_(True)
        x = posting.sample(rng)(torch.clamp(clean + delta, 0.0, 1.0))
        weights = panel.weights(active)
        total = torch.zeros((), device=clean.device)
        for i in active:
            value = targets[i].loss(x)
            last[i] = float(value.detach())
            panel.update(i, last[i])
            total = total + float(weights[i]) * value / targets[i].goal
        (grad,) = torch.autograd.grad(total, delta)
        with torch.no_grad():
            grad = grad / grad.abs().mean().clamp_min(1e-12)
            momentum = MOMENTUM * momentum + grad
            delta = delta.detach() + alpha * torch.sign(momentum) * (eps / eps_max)
            delta = torch.maximum(torch.minimum(delta, eps), -eps)
            delta = torch.clamp(clean + delta, 0.0, 1.0) - clean
        if on_step is not None:
            on_step(step)
    final = panel.weights(everyone)
    return delta.detach(), SearchLog([t.name for t in targets], last, [float(w) for w in final], steps)
