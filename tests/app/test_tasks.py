"""TaskBridge: results and errors arrive on the GUI thread; busy/progress signals; cancel."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6 import QtCore

from app.tasks import TaskBridge
from engines.runtime import Runner


@pytest.fixture
def bridge(qtbot):
    runner = Runner(max_workers=2)
    b = TaskBridge(runner)
    yield b
    b.cancel_all()
    b.wait_all(5000)
    runner.shutdown()


def test_success_callback_runs_on_gui_thread(bridge, qtbot):
    got = {}
    gui = QtCore.QThread.currentThread()

    def work(ctx):
        ctx.progress(0.5, "half")
        return threading.current_thread().name

    def done(value):
        got["value"] = value
        got["thread_ok"] = QtCore.QThread.currentThread() is gui

    with qtbot.waitSignal(bridge.busy_changed, timeout=5000):
        bridge.submit(work, on_success=done)
    qtbot.waitUntil(lambda: "value" in got, timeout=5000)
    assert got["value"].startswith("truelens-engine") and got["thread_ok"]
    assert bridge.running() == 0


def test_error_without_handler_emits_error_signal(bridge, qtbot):
    def boom(ctx):
        raise RuntimeError("decoder exploded")

    with qtbot.waitSignal(bridge.error, timeout=5000) as sig:
        bridge.submit(boom, title="Decoding")
    assert "Decoding failed: decoder exploded" in sig.args[0]
    assert "Traceback" in sig.args[1]


def test_cancel_all_is_silent(bridge, qtbot):
    errors = []
    bridge.error.connect(lambda *a: errors.append(a))

    def slow(ctx):
        for _ in range(300):
            ctx.check_cancelled()
            time.sleep(0.01)

    bridge.submit(slow)
    bridge.cancel_all()
    assert bridge.wait_all(5000)
    assert errors == []


def test_gui_stays_responsive_during_long_job(bridge, qtbot):
    ticks = []
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    bridge.submit(lambda ctx: time.sleep(0.5))
    bridge.wait_all(5000)
    timer.stop()
    assert len(ticks) >= 20
