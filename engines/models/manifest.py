"""Weights manifests: where a model's weights are, their sha256, and how to feed the model.

Weights are hashed from the exact bytes that are then deserialised, so a file swapped between the
check and the load cannot slip through. A mismatch raises ``WeightsError`` with both digests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.resources
import io
import json
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
_REQUIRED = ("name", "architecture", "weights", "input", "normalisation", "licence")


class WeightsError(Exception):
    """Weights are missing, unreadable or do not match their manifest."""


@dataclasses.dataclass(frozen=True)
class ModelManifest:
    """A parsed ``manifest.json``; ``weights_path`` is resolved next to the manifest."""

    name: str
    architecture: str
    architecture_kwargs: dict[str, Any]
    weights_path: Path
    sha256: str
    raw: dict[str, Any]

    @property
    def normalisation(self) -> dict[str, Any]:
        return dict(self.raw["normalisation"])

    @property
    def input_spec(self) -> dict[str, Any]:
        return dict(self.raw["input"])


def shipped_model_dir(name: str) -> Path:
    """``resources/models/<name>`` inside the installed application."""
    return Path(str(importlib.resources.files("resources"))) / "models" / name


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_manifest(folder_or_file: str | Path) -> ModelManifest:
    """Parse and validate a manifest (a folder holding ``manifest.json``, or the file itself)."""
    path = Path(folder_or_file)
    if path.is_dir():
        path = path / MANIFEST_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WeightsError(f"model manifest not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WeightsError(f"model manifest {path} is unreadable: {exc}") from None
    missing = [key for key in _REQUIRED if key not in raw]
    if missing:
        raise WeightsError(f"model manifest {path} lacks {', '.join(missing)}")
    weights = raw["weights"]
    if not isinstance(weights, dict) or "file" not in weights or "sha256" not in weights:
        raise WeightsError(f"model manifest {path}: 'weights' needs 'file' and 'sha256'")
    digest = str(weights["sha256"]).lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise WeightsError(f"model manifest {path}: sha256 {digest!r} is not a 64-digit hex digest")
    file_name = Path(str(weights["file"]))
    if file_name.is_absolute() or ".." in file_name.parts:
        raise WeightsError(f"model manifest {path}: weights file must be a plain name next to the manifest")
    return ModelManifest(
        name=str(raw["name"]),
        architecture=str(raw["architecture"]),
        architecture_kwargs=dict(raw.get("architecture_kwargs", {})),
        weights_path=path.parent / file_name,
        sha256=digest,
        raw=raw,
    )


def read_verified_weights(manifest: ModelManifest) -> bytes:
    """The weights file's bytes, after checking them against the manifest's sha256."""
    try:
        data = manifest.weights_path.read_bytes()
    except FileNotFoundError:
        raise WeightsError(f"weights file missing: {manifest.weights_path}") from None
    except OSError as exc:
        raise WeightsError(f"weights file unreadable: {manifest.weights_path}: {exc}") from None
    actual = sha256_bytes(data)
    if actual != manifest.sha256:
        raise WeightsError(
            f"weights file {manifest.weights_path.name} is corrupted or not the one its manifest describes: "
            f"sha256 {actual} but the manifest expects {manifest.sha256}; refusing to load it"
        )
    return data


def load_verified_state_dict(manifest: ModelManifest) -> dict[str, Any]:
    """Verify the weights' sha256, then deserialise them (tensors only) as float32 on CPU."""
    import torch

    data = read_verified_weights(manifest)
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any deserialisation failure is a weights problem
        raise WeightsError(f"weights file {manifest.weights_path.name} could not be read: {exc}") from None
    if not isinstance(state, dict):
        raise WeightsError(f"weights file {manifest.weights_path.name} does not hold a state dict")
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


def build_from_manifest(manifest: ModelManifest) -> Any:
    """Create the manifest's architecture and load its verified weights (eval mode, CPU)."""
    from engines.models.registry import create_model

    state = load_verified_state_dict(manifest)
    model = create_model(manifest.architecture, **manifest.architecture_kwargs)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise WeightsError(f"weights do not fit architecture {manifest.architecture!r}: {exc}") from None
    return model.eval()
