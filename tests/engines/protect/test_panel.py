"""Adaptive equilibrium weighting: the resistant target gets more weight (known answers with toy targets)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engines.protect.optimise import SearchSettings, search
from engines.protect.panel import AdaptivePanel
from engines.protect.posting import NO_POSTING
from tests.engines.protect.protect_factory import ScaledTarget, centred_face


def test_equal_progress_gives_equal_weights():
    panel = AdaptivePanel([1.0, 2.0])
    for _ in range(5):
        panel.update(0, 0.3)
        panel.update(1, 0.6)  # same share of its goal
    assert panel.weights() == pytest.approx([0.5, 0.5])


def test_resistant_target_gets_more_weight():
    panel = AdaptivePanel([1.0, 1.0], temperature=0.1)
    for _ in range(10):
        panel.update(0, 0.9)  # nearly broken
        panel.update(1, 0.1)  # resistant
    w = panel.weights()
    assert w.sum() == pytest.approx(1.0)
    assert w[1] > 0.99 and w[0] < 0.01  # softmax((1-0.1)/0.1 vs (1-0.9)/0.1) = e^8 : 1


def test_moving_average_and_inactive_targets():
    panel = AdaptivePanel([1.0, 1.0, 1.0], beta=0.5)
    panel.update(0, 1.0)
    panel.update(0, 0.0)
    assert panel.effect[0] == pytest.approx(0.5)
    w = panel.weights(active=[0, 2])
    assert w[1] == 0.0 and w[0] + w[2] == pytest.approx(1.0)
    assert w[0] < w[2]  # target 2 has no effect yet: full shortfall
    panel.update(2, float("nan"))  # ignored
    assert panel.effect[2] == 0.0


@pytest.mark.parametrize("goals", [[], [1.0, 0.0], [-1.0]])
def test_bad_goals_are_refused(goals):
    with pytest.raises(ValueError):
        AdaptivePanel(goals)


class _Counting(ScaledTarget):
    """A toy target that counts how often its loss is asked for."""

    def __init__(self, name: str, gain: float):
        super().__init__(name, gain=gain)
        self.calls = 0

    def loss(self, x):
        self.calls += 1
        return super().loss(x)


def _easy_and_hard() -> tuple[torch.Tensor, torch.Tensor, _Counting, _Counting]:
    """A 32-px image, its 4/255 limit and two toy targets prepared on it: one easy (gain 200), one hard (20)."""
    clean = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 0.5 + 0.25
    eps = torch.full((1, 1, 32, 32), 4 / 255)
    easy, hard = _Counting("easy", gain=200.0), _Counting("hard", gain=20.0)
    for t in (easy, hard):
        t.prepare(clean, centred_face(32))
    return clean, eps, easy, hard


def test_search_shifts_weight_to_the_resistant_toy_target():
    clean, eps, easy, hard = _easy_and_hard()
    panel = AdaptivePanel([1.0, 1.0])
    _, log = search(clean, eps, [easy, hard], 20, NO_POSTING, np.random.default_rng(0), panel=panel,
                    settings=SearchSettings(sample_interrupt=False))
    # |δ| saturates at 4/255 ≈ 0.0157: easy reaches 3.1 × its goal, hard only 0.31
    assert log.losses[0] >= 1.0 > log.losses[1] > 0.2
    assert log.weights[1] > 0.95 > log.weights[0]
    assert easy.calls == hard.calls == 20  # without sampling every target runs every step


def test_sampled_ensemble_runs_one_interruption_target_per_step_and_favours_the_resistant_one():
    clean, eps, easy, hard = _easy_and_hard()
    _, log = search(clean, eps, [easy, hard], 40, NO_POSTING, np.random.default_rng(0))
    assert easy.calls + hard.calls == 40  # one surrogate per step, not both
    assert hard.calls > 2 * easy.calls  # drawn by adaptive weight: the resistant one most often
    assert log.weights[1] > log.weights[0]
