"""Adaptive equilibrium weighting (AEF) of the target panel.

Each target's current effect is its loss divided by its goal (1 = broken). An exponential moving average of
that effect is kept per target; the weights are a softmax of each target's *shortfall* (1 − clipped EMA
effect) over a temperature. Targets that resist get more weight, targets already broken get less, which
pushes the panel towards uniform success instead of over-serving the easy models (TSDF / AEF: EMA β 0.9,
softmax temperature 0.1).
"""

from __future__ import annotations

import numpy as np


class AdaptivePanel:
    """Dynamic weights for ``n`` targets from their losses and goals."""

    def __init__(self, goals: list[float] | tuple[float, ...], temperature: float = 0.1, beta: float = 0.9):
        if not goals or any(g <= 0 for g in goals):
            raise ValueError("every target needs a positive goal")
        if temperature <= 0 or not 0 <= beta < 1:
            raise ValueError("temperature must be > 0 and beta in [0, 1)")
        self.goals = np.asarray(goals, np.float64)
        self.temperature = temperature
        self.beta = beta
        self.effect = np.zeros(len(goals))
        self._seen = np.zeros(len(goals), bool)

    def update(self, index: int, loss: float) -> None:
        """Fold target ``index``'s latest loss into its moving average of effect."""
        value = float(loss) / self.goals[index]
        if not np.isfinite(value):
            return
        if self._seen[index]:
            value = self.beta * self.effect[index] + (1 - self.beta) * value
        self.effect[index] = value
        self._seen[index] = True

    def shortfall(self) -> np.ndarray:
        """1 − clipped moving-average effect, per target (1: untouched, 0: broken)."""
        return 1.0 - np.clip(self.effect, 0.0, 1.0)

    def weights(self, active: list[int] | None = None) -> np.ndarray:
        """Softmax of the active targets' shortfall / temperature (zeros elsewhere); sums to 1."""
        idx = np.arange(len(self.goals)) if active is None else np.asarray(active, int)
        out = np.zeros(len(self.goals))
        if idx.size == 0:
            return out
        z = self.shortfall()[idx] / self.temperature
        e = np.exp(z - z.max())
        out[idx] = e / e.sum()
        return out
