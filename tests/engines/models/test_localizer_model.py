"""Localizer architecture: shapes, gradients, residual filters, Courtroom confidence, anomaly prior."""

from __future__ import annotations

import pytest
import torch

from engines.localize.losses import boundary_target, localizer_loss
from engines.models import create_model
from engines.models.blocks import anomaly_prior
from engines.models.localizer import confidence_map, disagreement
from engines.models.noise import ConstrainedConv, SRMFilters


@pytest.fixture()
def tiny():
    torch.manual_seed(0)
    return create_model("localizer_tiny")


def test_output_shapes(tiny):
    out = tiny(torch.rand(2, 3, 64, 96), torch.rand(2, 2, 64, 96))
    for key in ("logit", "pros0", "def0", "pros1", "def1", "edge"):
        assert out[key].shape == (2, 1, 16, 24), key
    assert out["image_logit"].shape == (2,)
    assert out["prior"].shape == (2, 1, 4, 6)
    assert out["pool_avg"].shape == out["pool_max"].shape == (2, 16)


def test_loss_backpropagates_to_every_stream(tiny):
    tiny.train()
    mask = torch.zeros(2, 1, 64, 64)
    mask[0, :, 16:40, 20:50] = 1.0
    loss, parts = localizer_loss(tiny(torch.rand(2, 3, 64, 64), torch.rand(2, 2, 64, 64)), mask)
    loss.backward()
    assert torch.isfinite(loss) and set(parts) == {"map", "dice", "streams", "edge", "image"}
    for name in ("trunk.stage4.0.0.weight", "noise.bayar.weight", "noise.down2.0.weight", "fmm16.gate.0.weight",
                 "pros_debate.0.weight", "def_head1.weight", "edge.1.weight", "image_head.2.weight", "suppression"):
        grad = dict(tiny.named_parameters())[name].grad
        assert grad is not None and torch.isfinite(grad).all() and grad.abs().sum() > 0, name


def test_one_optimiser_step_lowers_the_loss_on_a_fixed_batch(tiny):
    tiny.train()
    torch.manual_seed(1)
    x, ela, mask = torch.rand(2, 3, 32, 32), torch.rand(2, 2, 32, 32), torch.zeros(2, 1, 32, 32)
    mask[:, :, 4:20, 4:20] = 1.0
    opt = torch.optim.Adam(tiny.parameters(), 1e-2)
    losses = []
    for _ in range(3):
        loss, _ = localizer_loss(tiny(x, ela), mask)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < losses[0]


def test_srm_ignores_flat_and_linear_content():
    x = torch.linspace(0, 200, 32).view(1, 1, 1, 32).expand(1, 3, 32, 32).contiguous()
    res = SRMFilters()(x)
    assert res.shape == (1, 9, 32, 32)
    assert res[..., 3:-3, 3:-3].abs().max() < 1e-4


def test_constrained_conv_keeps_the_prediction_error_constraint():
    conv = ConstrainedConv(3, 4)
    w = conv.constrained_weight()
    assert torch.allclose(w[:, :, 2, 2], torch.full((4, 3), -1.0))
    assert torch.allclose(w.sum(dim=(2, 3)), torch.zeros(4, 3), atol=1e-5)
    flat = torch.full((1, 3, 16, 16), 120.0)
    assert conv(flat)[..., 2:-2, 2:-2].abs().max() < 1e-3
    ramp = torch.linspace(0, 1, 16).view(1, 1, 1, 16).expand(1, 3, 16, 16)
    assert conv(ramp).abs().max() > 0  # it is not identically zero


def test_anomaly_prior_points_at_the_odd_region():
    torch.manual_seed(0)
    feats = torch.randn(1, 8, 12, 12) * 0.1
    feats[..., 3:6, 7:10] += 3.0
    prior = anomaly_prior(feats)[0, 0]
    assert prior[3:6, 7:10].min() > 0.9
    outside = torch.ones(12, 12, dtype=torch.bool)
    outside[3:6, 7:10] = False
    assert prior[outside].max() < 0.6 and prior[outside].mean() < 0.15


def test_confidence_is_low_where_the_heads_disagree():
    agree_m, agree_a = torch.full((1, 1, 2, 2), 6.0), torch.full((1, 1, 2, 2), -6.0)
    assert disagreement(agree_m, agree_a).max() < 0.01
    conf = confidence_map(0.5 * (agree_m - agree_a), agree_m, agree_a)
    assert conf.min() > 0.9
    both_claim = confidence_map(torch.zeros(1, 1, 2, 2), agree_m, -agree_a)  # both heads say "mine"
    assert both_claim.max() < 0.05


def test_boundary_target_is_a_band_around_the_mask():
    m = torch.zeros(1, 1, 10, 10)
    m[..., 3:7, 3:7] = 1.0
    edge = boundary_target(m)[0, 0]
    assert edge[5, 5] == 0 and edge[3, 3] == 1 and edge[2, 3] == 1 and edge[0, 0] == 0


def test_folding_batch_norm_keeps_the_outputs(tiny):
    from engines.models.fuse import fold_batchnorm

    tiny.train()
    tiny(torch.rand(4, 3, 64, 64), torch.rand(4, 2, 64, 64))  # move the running statistics from their defaults
    tiny.eval()
    x, ela = torch.rand(1, 3, 48, 64), torch.rand(1, 2, 48, 64)
    with torch.no_grad():
        before = tiny(x, ela)["logit"].clone()
        fold_batchnorm(tiny)
        after = tiny(x, ela)["logit"]
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in tiny.trunk.modules())
    assert torch.allclose(before, after, atol=1e-4)
    with pytest.raises(ValueError, match="eval mode"):
        fold_batchnorm(tiny.train())


def test_error_level_inputs_are_required(tiny):
    with pytest.raises(ValueError, match="2 extra feature channels"):
        tiny(torch.rand(1, 3, 32, 32))
    with pytest.raises(ValueError, match="2 extra feature channels"):
        tiny(torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32))


def test_warm_start_into_a_model_with_more_inputs_starts_from_the_same_function(tiny):
    from engines.localize.train import warm_start
    from engines.models.localizer import Localizer

    torch.manual_seed(3)
    old = Localizer(width=0.35, dims=(8, 8, 16), noise_dims=(4, 8, 8, 16), frozen_blocks=0, ela_qualities=(75,))
    old.train()
    old(torch.rand(2, 3, 32, 32), torch.rand(2, 1, 32, 32))
    old.eval()
    copied = warm_start(tiny, old.state_dict())
    assert copied == len(old.state_dict())
    tiny.eval()
    x, ela = torch.rand(1, 3, 48, 48), torch.rand(1, 2, 48, 48)
    with torch.no_grad():
        assert torch.allclose(old(x, ela[:, :1])["logit"], tiny(x, ela)["logit"], atol=1e-5)


@pytest.mark.parametrize("extra", [0, 3])
def test_fused_inference_residuals_equal_the_training_path(extra):
    from engines.models.noise import NoiseStream

    torch.manual_seed(0)
    stream = NoiseStream(extra=extra)
    with torch.no_grad():  # non-trivial batch-norm statistics, as after training
        norm = stream.norm
        norm.running_mean.uniform_(-0.5, 0.5)
        norm.running_var.uniform_(0.5, 2.0)
        norm.weight.uniform_(0.5, 1.5)
        norm.bias.uniform_(-0.2, 0.2)
    stream.eval()
    x = torch.rand(1, 3, 48, 64)
    feats = torch.rand(1, extra, 48, 64) if extra else None
    with torch.no_grad():
        reference = stream._residuals(x, feats)
        fused = stream._residuals_fused(x, feats)
        fused_cl = stream._residuals_fused(x.contiguous(memory_format=torch.channels_last), feats)
    assert fused.shape == reference.shape
    assert torch.allclose(fused, reference, atol=1e-4) and torch.allclose(fused_cl, reference, atol=1e-4)
