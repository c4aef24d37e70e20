"""Classical forensic analyses, one small module each, all in one registry."""

from engines.forensics.params import Param, resolve_params
from engines.forensics.registry import (
    GROUPS,
    Analysis,
    Subject,
    get_analysis,
    list_analyses,
    register,
    run_analysis,
)

__all__ = [
    "GROUPS",
    "Analysis",
    "Param",
    "Subject",
    "get_analysis",
    "list_analyses",
    "register",
    "resolve_params",
    "run_analysis",
]
