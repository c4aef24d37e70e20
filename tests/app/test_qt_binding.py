"""Guard for the pinned Qt binding.

PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` on every call of a void method
(``QWidget.update``, ``QCoreApplication.processEvents``…), so a session aborts with
"deallocating None" after a few thousand calls. We pin 6.11.3; this test fails if a binding
with that bug comes back.
"""

from __future__ import annotations

import sys

from PySide6 import QtCore, QtWidgets


def test_void_calls_keep_none_alive(qtbot):
    widget = QtWidgets.QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.update()
        QtCore.QCoreApplication.processEvents()
    assert sys.getrefcount(None) >= before - 50
