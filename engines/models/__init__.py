"""Learned models: a name → constructor registry and sha256-verified weights manifests.

Importing this package does not import torch; architectures load on first ``create_model``.
"""

from engines.models.manifest import (
    ModelManifest,
    WeightsError,
    build_from_manifest,
    load_manifest,
    load_verified_state_dict,
    read_verified_weights,
    sha256_file,
    shipped_model_dir,
)
from engines.models.registry import create_model, list_models, register_model

__all__ = [
    "ModelManifest",
    "WeightsError",
    "build_from_manifest",
    "create_model",
    "list_models",
    "load_manifest",
    "load_verified_state_dict",
    "read_verified_weights",
    "register_model",
    "sha256_file",
    "shipped_model_dir",
]
