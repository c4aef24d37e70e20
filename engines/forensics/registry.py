"""One registry of analyses: id, group, title, how-to-read text, parameter schema, output kind."""

from __future__ import annotations

import dataclasses
import importlib
import logging
import pkgutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from engines.findings import Finding
from engines.forensics.params import Param, resolve_params
from engines.runtime.jobs import JobContext

GROUPS = ("File", "Metadata", "JPEG", "Noise", "Detail and colour", "Copy-move", "Learned")
OUTPUT_KINDS = ("map", "mask", "plot", "table")


@dataclasses.dataclass(frozen=True)
class Subject:
    """What an analysis looks at: the decoded frame and, when known, the file it came from."""

    image: np.ndarray  # RGB uint8 (H, W, 3)
    path: Path | None = None
    frame_index: int = 0
    format: str | None = None


AnalysisFn = Callable[[JobContext, Subject, dict[str, Any]], Finding]


@dataclasses.dataclass(frozen=True)
class Analysis:
    """A registered analysis."""

    id: str
    group: str
    title: str
    how_to_read: str
    params: tuple[Param, ...]
    output: str
    run: AnalysisFn
    version: str = "1"
    needs_file: bool = False

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"{self.id}: unknown group {self.group!r}")
        if self.output not in OUTPUT_KINDS:
            raise ValueError(f"{self.id}: unknown output kind {self.output!r}")


_REGISTRY: dict[str, Analysis] = {}
_LOAD_ERRORS: dict[str, str] = {}
_LOADED = False
log = logging.getLogger(__name__)


def register(analysis: Analysis) -> Analysis:
    """Add an analysis; registering the same id twice is an error."""
    if analysis.id in _REGISTRY:
        raise ValueError(f"analysis {analysis.id!r} is already registered")
    _REGISTRY[analysis.id] = analysis
    return analysis


def _load_all() -> None:
    """Import every module of ``engines.forensics`` so that each registers itself."""
    global _LOADED
    if _LOADED:
        return
    import engines.forensics as package

    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_") and module.name not in ("registry", "params"):
            try:
                importlib.import_module(f"engines.forensics.{module.name}")
            except Exception as exc:  # noqa: BLE001 - one broken tool must not disable the others
                _LOAD_ERRORS[module.name] = f"{type(exc).__name__}: {exc}"
                log.error("analysis module %s failed to load: %s", module.name, exc)
    _LOADED = True


def load_errors() -> dict[str, str]:
    """Modules that failed to import, with the reason (empty when all loaded)."""
    _load_all()
    return dict(_LOAD_ERRORS)


def get_analysis(analysis_id: str) -> Analysis:
    """The analysis with this id; KeyError with the known ids otherwise."""
    _load_all()
    try:
        return _REGISTRY[analysis_id]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise KeyError(f"unknown analysis {analysis_id!r}; known: {known}") from None


def list_analyses(group: str | None = None) -> list[Analysis]:
    """Registered analyses in group order, then title."""
    _load_all()
    items = [a for a in _REGISTRY.values() if group is None or a.group == group]
    return sorted(items, key=lambda a: (GROUPS.index(a.group), a.title))


def run_analysis(
    analysis_id: str,
    subject: Subject,
    params: Mapping[str, Any] | None = None,
    context: JobContext | None = None,
) -> Finding:
    """Validate parameters and run one analysis."""
    analysis = get_analysis(analysis_id)
    resolved = resolve_params(analysis.params, params)
    if analysis.needs_file and subject.path is None:
        raise ValueError(f"{analysis.title} needs the original file, not only pixels")
    return analysis.run(context or JobContext(), subject, resolved)
