"""Model files that ship inside installed packages, located without importing the package and
verified against pinned sha256 digests before anything loads them.

mediapipe 0.10.21 is installed with ``--no-deps`` and never imported (it pins numpy<2); only its
``.tflite`` files are read. A digest mismatch raises ``WeightsError``: no unverified bytes are used.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from functools import cache
from pathlib import Path

from engines.models.manifest import WeightsError, sha256_bytes


@dataclasses.dataclass(frozen=True)
class PackageFile:
    """A file inside an installed distribution: ``package`` (import name), relative ``path``, pinned digest."""

    package: str
    path: str
    sha256: str
    install_hint: str
    licence: str


BLAZEFACE_SHORT = PackageFile(
    "mediapipe", "modules/face_detection/face_detection_short_range.tflite",
    "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
    "pip install --no-deps mediapipe==0.10.21", "Apache-2.0",
)
BLAZEFACE_FULL = PackageFile(
    "mediapipe", "modules/face_detection/face_detection_full_range_sparse.tflite",
    "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1",
    "pip install --no-deps mediapipe==0.10.21", "Apache-2.0",
)
FACE_MESH = PackageFile(
    "mediapipe", "modules/face_landmark/face_landmark.tflite",
    "1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814",
    "pip install --no-deps mediapipe==0.10.21", "Apache-2.0",
)
YUFACE_LIB = PackageFile(
    "yuface", "libfacedetection.so.v0.0.3",
    "7fc3c140b563f449ce7cb5bd102ece650681e5bfeffc87efe79272be1932c4f4",
    "pip install yuface==2023.5.1", "BSD-3-Clause (libfacedetection)",
)


def package_root(package: str) -> Path:
    """Folder of an installed top-level package, found without importing it (in a PyInstaller bundle: the
    folder the spec copied the package's model files to)."""
    bundled = Path(getattr(sys, "_MEIPASS", "")) / package
    if getattr(sys, "frozen", False) and bundled.is_dir():
        return bundled
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError(f"package {package!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def read_verified(item: PackageFile) -> bytes:
    """The file's bytes after checking its sha256 (cached per process)."""
    try:
        path = package_root(item.package) / item.path
        data = path.read_bytes()
    except WeightsError:
        raise WeightsError(f"{item.path} needs the package {item.package} ({item.install_hint})") from None
    except OSError as exc:
        raise WeightsError(f"cannot read {item.package}/{item.path}: {exc} ({item.install_hint})") from None
    actual = sha256_bytes(data)
    if actual != item.sha256:
        raise WeightsError(
            f"{item.package}/{item.path} has sha256 {actual}, expected {item.sha256}; refusing to load it"
        )
    return data
