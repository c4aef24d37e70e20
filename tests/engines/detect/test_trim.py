"""TRIM robustness: a known adversarial shift (a faint checkerboard a toy detector keys on) is flagged,
clean inputs are not; thresholds come from clean calibration crops."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engines.detect.trim import calibrate_trim, judge, perturb, trim_measures


class CheckerDetector(torch.nn.Module):
    """Says "fake" when it sees pixel-level checkerboard energy — exactly what blur and JPEG remove."""

    embed_dim = 2

    def __init__(self):
        super().__init__()
        self.register_buffer("kernel", torch.tensor([[[[1.0, -1.0], [-1.0, 1.0]]]]) / 4)
        self.head = torch.nn.Linear(2, 2)
        with torch.no_grad():
            self.head.weight.copy_(torch.tensor([[0.0, 0.0], [40.0, 0.0]]))
            self.head.bias.copy_(torch.tensor([0.0, -4.0]))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        energy = F.conv2d(x.mean(1, keepdim=True), self.kernel, stride=2).abs().mean(dim=(1, 2, 3))
        return torch.stack([energy * 10, torch.full_like(energy, 0.05)], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


def _smooth_crops(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    crops = []
    for _ in range(n):
        small = rng.integers(40, 220, (4, 4, 3)).astype(np.uint8)
        crops.append(np.asarray(torch.nn.functional.interpolate(
            torch.from_numpy(small).permute(2, 0, 1)[None].float(), size=(64, 64), mode="bilinear",
            align_corners=False)[0].permute(1, 2, 0).round().clamp(0, 255).byte()))
    return np.stack(crops)


def test_perturbations_are_small_and_shape_preserving():
    crop = _smooth_crops(1)[0]
    for p in perturb(crop):
        assert p.shape == crop.shape and p.dtype == np.uint8
        assert np.abs(p.astype(int) - crop).mean() < 3


def test_adversarial_checkerboard_is_flagged_and_clean_inputs_are_not():
    model = CheckerDetector().eval()
    clean = _smooth_crops(24)
    thresholds = calibrate_trim(model, clean)
    test_clean = _smooth_crops(6, seed=1)
    yy, xx = np.mgrid[:64, :64]
    checker = (((yy + xx) % 2) * 2 - 1)[..., None] * 6
    attacked = np.clip(test_clean.astype(int) + checker, 0, 255).astype(np.uint8)
    p_clean, *m_clean = trim_measures(model, test_clean)
    p_adv, *m_adv = trim_measures(model, attacked)
    assert (p_clean < 0.1).all() and (p_adv > 0.9).all()  # the attack flips the toy detector
    clean_verdicts = [judge(*m, thresholds) for m in zip(*m_clean, strict=True)]
    adv_verdicts = [judge(*m, thresholds) for m in zip(*m_adv, strict=True)]
    assert not any(v.flagged for v in clean_verdicts)
    assert all(v.flagged and v.label == "unstable" for v in adv_verdicts)


def test_judge_labels():
    t = {"entropy": 0.9, "prediction_kl": 0.01, "feature_kl": 0.02}
    assert judge(0.1, 0.001, 0.001, t).label == "stable"
    assert judge(0.95, 0.001, 0.001, t).label == "uncertain"
    r = judge(0.95, 0.5, 0.001, t)
    assert r.label == "unstable" and r.flagged
    with pytest.raises(KeyError):
        judge(0.1, 0.1, 0.1, {})
