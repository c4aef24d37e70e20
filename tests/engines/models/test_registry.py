"""Model registry: names, creation, duplicate names refused."""

from __future__ import annotations

import pytest

from engines.models import create_model, list_models, register_model
from engines.models import registry as reg


def test_lists_the_shipped_and_tiny_localizers():
    assert {"localizer_mnv2", "localizer_tiny"} <= set(list_models())


def test_unknown_name_lists_known_ones():
    with pytest.raises(KeyError, match="localizer_tiny"):
        create_model("no_such_model")


def test_duplicate_name_is_an_error(monkeypatch):
    monkeypatch.setattr(reg, "_FACTORIES", dict(reg._FACTORIES))

    @register_model("test_dummy")
    def dummy(value: int = 1) -> int:
        return value * 2

    assert create_model("test_dummy", value=4) == 8
    with pytest.raises(ValueError, match="already registered"):
        register_model("test_dummy")(dummy)
    with pytest.raises(ValueError, match="already registered"):
        register_model("localizer_mnv2")(dummy)
    with pytest.raises(ValueError):
        register_model("")(dummy)
