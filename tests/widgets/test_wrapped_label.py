"""WrappedLabel keeps every line of its text when a layout is short of height."""

from __future__ import annotations

from PySide6 import QtWidgets

from widgets.wrapped_label import WrappedLabel

TEXT = " ".join(["a long explanation that has to wrap over several lines"] * 6)


def test_minimum_height_follows_the_width(qtbot):
    box = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(box)
    label = WrappedLabel(TEXT)
    plain = QtWidgets.QLabel(TEXT)
    plain.setWordWrap(True)
    layout.addWidget(label)
    layout.addWidget(plain)
    layout.addWidget(QtWidgets.QTextEdit())  # a greedy neighbour
    qtbot.addWidget(box)
    box.resize(220, 120)  # far too short for everything
    box.show()
    qtbot.waitExposed(box)
    qtbot.wait(50)
    assert label.height() >= label.heightForWidth(label.width()) > 3 * label.fontMetrics().height()
    assert plain.height() < plain.heightForWidth(plain.width())  # what a plain wrapped label does
    wide = label.heightForWidth(label.width())
    box.resize(900, 120)
    qtbot.waitUntil(lambda: label.width() > 600)
    assert label.minimumHeight() < wide  # wider: fewer lines, smaller minimum
