"""Budget, texture-aware limit map and the perturbation search on tiny targets."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from engines.protect.optimise import EnergyLimit, SearchSettings, budget_for, limit_map, random_view, search
from engines.protect.posting import NO_POSTING, PostingModel
from engines.protect.targets import ManipulationTarget
from tests.engines.protect.protect_factory import ToyEditor, centred_face, half_flat_half_busy


def test_budget_scales_with_strength():
    one, two = budget_for(1.0), budget_for(2.0)
    assert one.eps == pytest.approx(6 / 255) and one.min_psnr == 35.0
    assert one.floor == 0.4 and one.as_dict()["linf_flat_255"] == 2.4 and one.min_ssim == 0.95
    assert two.min_ssim == 0.0  # above the default strength only the PSNR floor applies
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


def test_step_size_decays_from_alpha_to_alpha_end():
    rule = SearchSettings(alpha=0.3, alpha_end=0.01)
    sizes = [rule.step_size(i, 11) for i in range(11)]
    assert sizes[0] == pytest.approx(0.3) and sizes[-1] == pytest.approx(0.01)
    assert sizes[5] == pytest.approx((0.3 + 0.01) / 2)
    assert all(a > b for a, b in itertools.pairwise(sizes))


def test_energy_limit_scales_down_only_when_over():
    weight = torch.full((1, 1, 8, 8), 0.5)
    limit = EnergyLimit(1e-4, weight)
    small = torch.full((1, 3, 8, 8), 0.01)  # energy 0.5 × 1e-4 = 5e-5: kept
    assert torch.equal(limit.project(small), small)
    big = torch.full((1, 3, 8, 8), 0.1)  # energy 5e-3: scaled by sqrt(1e-4 / 5e-3)
    out = limit.project(big)
    assert float((weight * out.pow(2)).mean()) == pytest.approx(1e-4, rel=1e-4)
    assert float(out[0, 0, 0, 0]) == pytest.approx(0.1 * (1e-4 / 5e-3) ** 0.5, rel=1e-4)


def test_random_view_is_identity_at_zero_and_shifts_content():
    ramp = torch.linspace(0, 1, 64).repeat(1, 3, 64, 1)
    assert torch.equal(random_view(ramp, np.random.default_rng(0), 0.0), ramp)
    moved = random_view(ramp, np.random.default_rng(0), 0.05)
    assert moved.shape == ramp.shape and (moved - ramp).abs().mean() > 1e-3
    assert (moved - ramp).abs().max() < 0.25  # at most a 5 % zoom plus a 10 % shift of a unit ramp


@pytest.mark.parametrize("sign", [False, True])
def test_search_keeps_the_energy_limit_and_applies_the_renderer(sign):
    clean = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(3)) * 0.6 + 0.2
    eps = torch.full((1, 1, 32, 32), 8 / 255)
    target = _toy_target(clean)
    energy = EnergyLimit(1e-5, torch.ones(1, 1, 32, 32))  # RMS 0.8/255, far below what L∞ 8/255 allows
    seen = []

    def render(delta: torch.Tensor) -> torch.Tensor:
        seen.append(delta.shape)
        return 0.5 * delta

    delta, _ = search(clean, eps, [target], 12, NO_POSTING, np.random.default_rng(0), energy=energy,
                      settings=SearchSettings(sign=sign), render=render)
    assert float(delta.pow(2).mean()) <= 1e-5 * 1.001
    assert float(delta.pow(2).mean()) > 0.5e-5  # the search uses the budget it has
    assert (delta.abs() <= eps + 1e-7).all() and len(seen) == 12


def test_group_photos_share_a_bounded_step_budget():
    from engines.protect.service import face_steps

    assert [face_steps(240, n) for n in (1, 2, 3, 4, 8)] == [240, 180, 120, 120, 120]
    assert face_steps(1, 4) == 1  # never zero


def test_colour_limit_keeps_grey_changes_and_caps_colour_shifts():
    from engines.protect.optimise import _TO_YCC, limit_colour

    eps = torch.full((1, 1, 4, 4), 6 / 255)
    grey = torch.full((1, 3, 4, 4), 5 / 255)
    assert torch.allclose(limit_colour(grey, eps, 0.2), grey, atol=1e-7)  # brightness change: untouched
    red_green = torch.zeros(1, 3, 4, 4)
    red_green[:, 0], red_green[:, 1] = 6 / 255, -6 / 255
    ycc = torch.einsum("ij,njhw->nihw", _TO_YCC, limit_colour(red_green, eps, 0.2))
    assert ycc[:, 1:].abs().max() <= 0.2 * 6 / 255 + 1e-6  # colour capped at 0.2 × the limit
    assert torch.allclose(ycc[:, 0], torch.einsum("ij,njhw->nihw", _TO_YCC, red_green)[:, 0], atol=1e-6)
    big = torch.full((1, 3, 4, 4), 0.5)
    assert torch.equal(limit_colour(big, eps), torch.maximum(torch.minimum(big, eps), -eps))  # chroma 1: plain L∞
    assert limit_colour(red_green * 3, eps, 0.2).abs().max() <= 6 / 255 + 1e-7  # and never beyond the L∞ limit
