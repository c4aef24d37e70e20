"""Adversarial photo protection against face-swap and face-editing pipelines.

``protect_file(src, dst, strength, owner, key, c2pa, progress)`` → ``ProtectionReport`` (writes a new file);
``protect_image(rgb, strength, ctx=...)`` → ``ProtectedImage`` (pixels only), then ``save_protected`` writes
them; ``swap_preview`` shows what the swap surrogate makes of the photo before and after. Both report
progress and stop with ``engines.runtime.Cancelled`` through a ``JobContext``. Targets: ``default_panel()``,
``user_target(path)`` (TorchScript or torch.export .pt2).

Modules: ``posting`` (differentiable JPEG / resize / blur), ``targets`` (+ ``mtcnn``, ``surrogates``), ``panel``
(adaptive weights), ``optimise`` (budget and search), ``region`` (per-face working copies), ``service``,
``report``, ``train_surrogates``. Names are imported lazily so importing this package does not load torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "protect_file": "engines.protect.service",
    "protect_image": "engines.protect.service",
    "save_protected": "engines.protect.service",
    "swap_preview": "engines.protect.preview",
    "ProtectedImage": "engines.protect.service",
    "ProtectionReport": "engines.protect.report",
    "TargetEffect": "engines.protect.report",
    "Target": "engines.protect.targets",
    "default_panel": "engines.protect.targets",
    "torchscript_target": "engines.protect.targets",
    "user_target": "engines.protect.targets",
    "budget_for": "engines.protect.optimise",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'engines.protect' has no attribute {name!r}")
