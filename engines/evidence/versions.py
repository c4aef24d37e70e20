"""Software versions recorded in reports (read from package metadata; heavy packages are not imported)."""

from __future__ import annotations

import platform
from importlib import metadata

import engines

# (label, distribution names to try in order)
_PACKAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("numpy", ("numpy",)),
    ("OpenCV", ("opencv-python-headless", "opencv-python", "opencv-contrib-python-headless")),
    ("PyTorch", ("torch",)),
    ("Pillow", ("pillow", "Pillow")),
    ("PySide6", ("PySide6", "PySide6-Essentials")),
    ("cryptography", ("cryptography",)),
)


def package_version(names: tuple[str, ...]) -> str:
    """The installed version of the first distribution found, or ``"not installed"``."""
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


def software_versions() -> list[tuple[str, str]]:
    """(name, version) rows: TrueLens, Python, the platform and the numerical / GUI libraries."""
    rows = [
        ("TrueLens", engines.__version__),
        ("Python", platform.python_version()),
        ("Platform", platform.platform(terse=True)),
    ]
    rows.extend((label, package_version(names)) for label, names in _PACKAGES)
    return rows
