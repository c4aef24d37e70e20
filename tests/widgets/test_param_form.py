"""ParamForm builds editors from a schema and reports typed values."""

from __future__ import annotations

import dataclasses

import pytest

from widgets.param_form import ParamForm


@dataclasses.dataclass
class P:
    name: str
    label: str
    kind: str
    default: object
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple = ()
    help: str = ""


@pytest.fixture
def form(qtbot):
    f = ParamForm()
    qtbot.addWidget(f)
    f.set_schema([P("q", "Quality", "int", 90, 50, 100), P("s", "Scale", "float", 2.5, 0, 10, 0.5),
                  P("m", "Mode", "choice", "b", choices=("a", "b")), P("f", "Flag", "bool", True)])
    return f


def test_defaults(form):
    assert form.values() == {"q": 90, "s": 2.5, "m": "b", "f": True}


def test_edits_emit_values(form, qtbot):
    with qtbot.waitSignal(form.values_changed) as sig:
        form.set_value("q", 70)
    assert sig.args[0]["q"] == 70
    form.set_value("m", "a")
    form.set_value("f", False)
    assert form.values()["m"] == "a" and form.values()["f"] is False


def test_rebuild_with_overrides(form):
    form.set_schema([P("q", "Quality", "int", 90, 50, 100)], {"q": 60})
    assert form.values() == {"q": 60}
    form.set_schema([])
    assert form.values() == {}
