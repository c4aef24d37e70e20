"""The analysis registry: discovery, ids, parameter validation."""

from __future__ import annotations

import numpy as np
import pytest

from engines.forensics import Analysis, Param, Subject, get_analysis, list_analyses, register, run_analysis
from engines.forensics.params import resolve_params
from engines.forensics.registry import GROUPS, load_errors


def test_all_modules_load_and_register():
    assert load_errors() == {}
    ids = [a.id for a in list_analyses()]
    assert "ela" in ids
    assert len(ids) == len(set(ids))
    for a in list_analyses():
        assert a.group in GROUPS and a.title and len(a.how_to_read) > 40
        resolve_params(a.params, None)  # defaults are valid


def test_duplicate_registration_is_an_error():
    ela = get_analysis("ela")
    with pytest.raises(ValueError, match="already registered"):
        register(ela)


def test_unknown_tool_lists_known_ids():
    with pytest.raises(KeyError, match="ela"):
        get_analysis("no-such-tool")


def test_param_validation():
    p = Param("q", "Quality", "int", 90, 50, 100)
    assert p.validate("75") == 75
    with pytest.raises(ValueError, match="below the minimum"):
        p.validate(10)
    with pytest.raises(ValueError, match="whole number"):
        p.validate(75.5)
    with pytest.raises(ValueError, match="expected a number"):
        p.validate("abc")
    choice = Param("m", "Mode", "choice", "a", choices=("a", "b"))
    with pytest.raises(ValueError, match="not one of"):
        choice.validate("c")
    flag = Param("f", "Flag", "bool", False)
    assert flag.validate("yes") is True
    with pytest.raises(ValueError):
        Param("x", "X", "colour", 1)


def test_unknown_parameter_rejected():
    with pytest.raises(ValueError, match="unknown parameter"):
        run_analysis("ela", Subject(np.zeros((16, 16, 3), np.uint8)), {"qualty": 80})


def test_needs_file_analysis_refuses_pixels_only():
    a = Analysis(id="_test_needs_file", group="File", title="t", how_to_read="x" * 50, params=(),
                 output="table", run=lambda ctx, s, p: None, needs_file=True)
    register(a)
    with pytest.raises(ValueError, match="needs the original file"):
        run_analysis("_test_needs_file", Subject(np.zeros((8, 8, 3), np.uint8)))


def test_bad_group_rejected():
    with pytest.raises(ValueError, match="unknown group"):
        Analysis(id="x", group="Astrology", title="t", how_to_read="", params=(), output="map",
                 run=lambda ctx, s, p: None)
