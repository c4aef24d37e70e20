"""Known answers for the face models' shared operators: DCT, block DCT, guided filter, gradient kernel."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy.fft import dctn

from engines.models.face_common import block_dct, dct2, gradient_kernel, guided_filter, idct2


def test_dct2_matches_scipy_and_inverts():
    x = torch.rand(2, 3, 8, 12, dtype=torch.float32)
    ours = dct2(x).numpy()
    ref = dctn(x.numpy(), type=2, norm="ortho", axes=(-2, -1))
    assert np.allclose(ours, ref, atol=1e-5)
    assert torch.allclose(idct2(dct2(x)), x, atol=1e-5)


def test_block_dct_of_a_flat_image_is_dc_only():
    gray = torch.full((1, 1, 16, 24), 3.0)
    coeffs = block_dct(gray)
    assert coeffs.shape == (1, 64, 2, 3)
    assert torch.allclose(coeffs[:, 0], torch.full((1, 2, 3), 3.0 * 8))
    assert float(coeffs[:, 1:].abs().max()) < 1e-4


def test_guided_filter_keeps_flat_regions_and_strong_edges():
    x = torch.zeros(1, 1, 32, 32)
    x[..., 16:] = 1.0
    out = guided_filter(x, x, r=2, eps=1e-4)
    assert float((out - x).abs().max()) < 0.02
    noisy = x + 0.01 * torch.randn_like(x)
    residual = noisy - guided_filter(noisy, noisy, r=2, eps=1e-2)
    # Small noise is in the residual, the edge (content) is not.
    assert float(residual.abs().max()) < 0.1


def test_gradient_kernel_responds_to_edges_not_flat_areas():
    k = gradient_kernel(1)
    flat = torch.full((1, 1, 8, 8), 5.0)
    assert float(F.conv2d(flat, k).abs().max()) == 0.0
    step = torch.zeros(1, 1, 8, 8)
    step[..., 4:] = 1.0
    assert float(F.conv2d(step, k).abs().max()) > 0


def test_dct_after_inference_mode_still_supports_training():
    """The cached DCT basis must not become an inference tensor (inference then training in one process)."""
    with torch.inference_mode():
        dct2(torch.rand(1, 1, 7, 7))
    x = torch.rand(1, 1, 7, 7, requires_grad=True)
    dct2(x).sum().backward()
    assert x.grad is not None
