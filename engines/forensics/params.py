"""Parameter schemas for analyses: the GUI builds its form from them, the CLI validates with them."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


@dataclasses.dataclass(frozen=True)
class Param:
    """One tunable parameter. ``kind`` is "int", "float", "choice" or "bool"."""

    name: str
    label: str
    kind: str
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("int", "float", "choice", "bool"):
            raise ValueError(f"unknown parameter kind {self.kind!r}")
        if self.kind == "choice" and self.default not in self.choices:
            raise ValueError(f"default {self.default!r} not in choices for {self.name}")
        self.validate(self.default)

    def validate(self, value: Any) -> Any:
        """Coerce ``value`` to this parameter's type or raise ValueError with a readable reason."""
        if self.kind == "bool":
            if isinstance(value, str):
                if value.lower() in ("1", "true", "yes", "on"):
                    return True
                if value.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError(f"{self.name}: expected true/false, got {value!r}")
            return bool(value)
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"{self.name}: {value!r} is not one of {', '.join(self.choices)}")
            return value
        try:
            number = int(value) if self.kind == "int" else float(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{self.name}: expected a number, got {value!r}") from exc
        if self.kind == "int" and float(value) != number:
            raise ValueError(f"{self.name}: expected a whole number, got {value!r}")
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"{self.name}: {number} is below the minimum {self.minimum}")
        if self.maximum is not None and number > self.maximum:
            raise ValueError(f"{self.name}: {number} is above the maximum {self.maximum}")
        return number


def resolve_params(schema: tuple[Param, ...], given: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults overlaid with ``given``, each validated; unknown names are an error."""
    given = dict(given or {})
    known = {p.name for p in schema}
    unknown = sorted(set(given) - known)
    if unknown:
        raise ValueError(f"unknown parameter(s): {', '.join(unknown)}")
    return {p.name: p.validate(given.get(p.name, p.default)) for p in schema}
