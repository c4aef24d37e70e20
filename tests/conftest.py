"""Shared test set-up: offscreen Qt unless a display is asked for, isolated settings and data folders."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TRUELENS_DEVICE", "cpu")

import pytest


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Settings and the data folder point at a temporary directory for every test."""
    base = tmp_path_factory.mktemp("userdata")
    monkeypatch.setenv("TRUELENS_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("TRUELENS_CONFIG_DIR", str(base / "config"))
    yield
