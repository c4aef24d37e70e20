"""Data only: icons, styles, model weights with manifests, sample media."""

from importlib import resources as _res
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """Filesystem path of a bundled resource (works from source and from the frozen app)."""
    return Path(str(_res.files(__name__).joinpath(*parts)))
