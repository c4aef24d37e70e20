"""FrameStepper: stepping, jumping, playback timing, keyboard shortcuts."""

from __future__ import annotations

import time

import pytest
from PySide6 import QtCore, QtWidgets

from widgets.frame_stepper import FrameStepper


@pytest.fixture
def stepper(qtbot):
    window = QtWidgets.QMainWindow()
    s = FrameStepper()
    window.setCentralWidget(s)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    s.set_durations([0.05] * 10)
    yield s
    window.close()


def test_step_and_jump(stepper, qtbot):
    seen = []
    stepper.frame_changed.connect(seen.append)
    stepper.step(1)
    stepper.step(1)
    stepper.step(-1)
    stepper.go_end()
    stepper.go_start()
    stepper.step(-1)  # clamped at 0, no signal
    assert seen == [1, 2, 1, 9, 0]
    assert "frame 1 / 10" in stepper.label.text()


def test_slider_seeks(stepper):
    stepper.slider.setValue(6)
    assert stepper.index == 6
    assert "00:00.300" in stepper.label.text()


def test_keyboard_shortcuts(stepper, qtbot):
    window = stepper.window()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Right)
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Right)
    assert stepper.index == 2
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Left)
    assert stepper.index == 1
    qtbot.keyClick(window, QtCore.Qt.Key.Key_End)
    assert stepper.index == 9
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Home)
    assert stepper.index == 0
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)
    assert stepper.is_playing()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Space)
    assert not stepper.is_playing()


def test_playback_follows_native_timing(stepper, qtbot):
    stepper.set_durations([0.03] * 40)
    start = time.perf_counter()
    stepper.play()
    qtbot.waitUntil(lambda: stepper.index >= 10, timeout=3000)
    elapsed = time.perf_counter() - start
    stepper.pause()
    assert 0.25 <= elapsed <= 1.5


def test_single_still_disables_controls(stepper):
    stepper.set_durations(())
    assert not stepper.play_button.isEnabled()
    assert stepper.label.text() == "still image"
    stepper.play()
    assert not stepper.is_playing()
