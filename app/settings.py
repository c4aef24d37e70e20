"""Persistent user settings (QSettings in an INI file; tests redirect it with TRUELENS_CONFIG_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6 import QtCore

MAX_RECENT = 10


def config_dir() -> Path:
    """Folder holding settings: TRUELENS_CONFIG_DIR or the platform config location."""
    override = os.environ.get("TRUELENS_CONFIG_DIR")
    if override:
        return Path(override)
    location = QtCore.QStandardPaths.writableLocation(QtCore.QStandardPaths.StandardLocation.AppConfigLocation)
    return Path(location or Path.home() / ".config" / "truelens")


class Settings:
    """Typed accessors over QSettings."""

    def __init__(self) -> None:
        folder = config_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self._qs = QtCore.QSettings(str(folder / "truelens.ini"), QtCore.QSettings.Format.IniFormat)

    def recent_files(self) -> list[str]:
        value = self._qs.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def add_recent_file(self, path: str) -> list[str]:
        files = [p for p in self.recent_files() if p != path]
        files.insert(0, path)
        files = files[:MAX_RECENT]
        self._qs.setValue("recent_files", files)
        self._qs.sync()
        return files

    def value(self, key: str, default: object = None) -> object:
        return self._qs.value(key, default)

    def set_value(self, key: str, value: object) -> None:
        self._qs.setValue(key, value)
        self._qs.sync()


def apply_device_setting(settings: Settings, choice: str | None = None) -> str:
    """Store (when ``choice`` is given) and apply the compute-device preference.

    Precedence: the ``--device`` flag or an explicit ``TRUELENS_DEVICE`` wins for this run; otherwise the
    stored setting is exported as ``TRUELENS_DEVICE`` so engines pick it up when they load a model.
    """
    if choice is not None:
        settings.set_value("device", choice)
        os.environ["TRUELENS_DEVICE"] = choice
        return choice
    stored = str(settings.value("device", "auto") or "auto")
    explicit = os.environ.get("TRUELENS_DEVICE")
    if explicit:
        return explicit
    os.environ["TRUELENS_DEVICE"] = stored
    return stored
