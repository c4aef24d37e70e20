"""A real main window for pane tests (offscreen), and helpers to open files in it."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from app.main_window import MainWindow
from app.tasks import TaskBridge
from engines.runtime import Runner


@pytest.fixture
def window(qtbot):
    runner = Runner(max_workers=2)
    tasks = TaskBridge(runner)
    win = MainWindow(tasks)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    runner.shutdown()
    for widget in QtWidgets.QApplication.topLevelWidgets():
        if isinstance(widget, (QtWidgets.QMessageBox, QtWidgets.QDialog)):
            widget.close()


def open_file(win, qtbot, path) -> None:
    """Open ``path`` and wait until its first frame is on the canvas."""
    with qtbot.waitSignal(win.document.opened, timeout=10000):
        win.open_path(path)
    qtbot.waitUntil(lambda: win.canvas.image() is not None, timeout=5000)
    win.tasks.wait_all(5000)
