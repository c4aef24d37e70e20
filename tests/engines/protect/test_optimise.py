"""Budget, texture-aware limit map and the perturbation search on tiny targets."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engines.protect.optimise import budget_for, limit_map, search
from engines.protect.posting import NO_POSTING, PostingModel
from engines.protect.targets import ManipulationTarget
from tests.engines.protect.protect_factory import ToyEditor, centred_face, half_flat_half_busy


def test_budget_scales_with_strength():
    one, two = budget_for(1.0), budget_for(2.0)
    assert one.eps == pytest.approx(6 / 255) and one.min_psnr == 35.0
    assert two.eps == pytest.approx(2 * one.eps) and two.min_psnr == pytest.approx(29.0, abs=0.05)
    assert budget_for(0.5).min_psnr == 35.0
    for bad in (0.0, -1.0, 4.5):
        with pytest.raises(ValueError):
            budget_for(bad)


def test_limit_map_gives_smooth_areas_less():
    budget = budget_for(1.0)
    limits = limit_map(half_flat_half_busy(64), budget)
    flat, busy = limits[8:56, 4:20], limits[8:56, 44:60]
    assert flat.max() == pytest.approx(budget.eps * budget.floor, rel=0.02)
    assert busy.min() == pytest.approx(budget.eps, rel=0.02)
    assert limits.max() <= budget.eps + 1e-7


def _toy_target(clean: torch.Tensor) -> ManipulationTarget:
    target = ManipulationTarget("toy", ToyEditor().eval().requires_grad_(False), crop_size=32)
    target.prepare(clean, centred_face(clean.shape[-1]))
    return target


@pytest.mark.parametrize("posting", [NO_POSTING, PostingModel()])
def test_search_raises_the_target_loss_within_the_budget(posting):
    clean = torch.rand(1, 3, 48, 48, generator=torch.Generator().manual_seed(1)) * 0.6 + 0.2
    eps = torch.full((1, 1, 48, 48), 6 / 255)
    eps[..., :, :24] = 2 / 255  # a 'smooth' half with a tighter limit
    target = _toy_target(clean)
    with torch.no_grad():
        before = float(target.loss(clean))
        noise = (torch.rand(clean.shape, generator=torch.Generator().manual_seed(2)) * 2 - 1) * eps
        random_loss = float(target.loss(clean + noise))
    delta, log = search(clean, eps, [target], 15, posting, np.random.default_rng(0))
    with torch.no_grad():
        after = float(target.loss(clean + delta))
    assert before == pytest.approx(0.0, abs=1e-9)
    assert after > 3 * random_loss > 0  # optimised (measured ≈ 4.5×), not just noise of the same size
    assert (delta.abs() <= eps + 1e-7).all()
    assert ((clean + delta) >= 0).all() and ((clean + delta) <= 1).all()
    assert log.steps == 15 and log.names == ["toy"]


def test_search_needs_targets_and_calls_back_every_step():
    clean = torch.rand(1, 3, 16, 16)
    with pytest.raises(ValueError):
        search(clean, torch.full((1, 1, 16, 16), 0.01), [], 3, NO_POSTING, np.random.default_rng(0))
    seen = []
    search(clean, torch.full((1, 1, 16, 16), 0.01), [_toy_target(clean)], 4, NO_POSTING,
           np.random.default_rng(0), on_step=seen.append)
    assert seen == [0, 1, 2, 3]
