"""Named model constructors: ``@register_model("name")``, ``create_model(name)``, ``list_models()``.

The registry itself imports no torch; the modules that define architectures are imported the first
time a model is asked for, so listing or creating a model is the moment torch gets loaded.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

# Modules whose import registers architectures (imported lazily on first lookup).
ARCHITECTURE_MODULES = ("engines.models.localizer", "engines.models.face_models")

_FACTORIES: dict[str, Callable[..., Any]] = {}
_LOADED = False


def register_model(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: register ``factory`` under ``name``; a second registration of a name is an error."""

    def decorate(factory: Callable[..., Any]) -> Callable[..., Any]:
        if not name or not isinstance(name, str):
            raise ValueError("a model name must be a non-empty string")
        if name in _FACTORIES:
            raise ValueError(f"model {name!r} is already registered")
        _FACTORIES[name] = factory
        return factory

    return decorate


def _load_architectures() -> None:
    global _LOADED
    if not _LOADED:
        for module in ARCHITECTURE_MODULES:
            importlib.import_module(module)
        _LOADED = True


def list_models() -> list[str]:
    """Registered model names, sorted."""
    _load_architectures()
    return sorted(_FACTORIES)


def create_model(name: str, **kwargs: Any) -> Any:
    """Build the model registered as ``name`` (random or backbone-initialised weights)."""
    _load_architectures()
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(sorted(_FACTORIES))}") from None
    return factory(**kwargs)
