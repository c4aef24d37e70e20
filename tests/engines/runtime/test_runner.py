"""Runner: background execution, progress, cooperative cancel, supersede, cache, sync mode, device choice."""

from __future__ import annotations

import threading
import time

import pytest

from engines.runtime import Cancelled, ResultCache, Runner, make_key, select_device


@pytest.fixture
def runner():
    r = Runner(max_workers=2)
    yield r
    r.shutdown()


def test_runs_off_the_calling_thread_and_reports_progress(runner):
    seen = []

    def job(ctx, x):
        ctx.progress(0.5, "half")
        return threading.current_thread().name, x * 2

    handle = runner.submit(job, 21, on_progress=lambda f, m: seen.append((f, m)))
    name, value = handle.result(5)
    assert value == 42
    assert name.startswith("truelens-engine")
    assert seen == [(0.5, "half")]


def test_cooperative_cancel_stops_a_running_job(runner):
    started = threading.Event()

    def slow(ctx):
        started.set()
        for _ in range(500):
            ctx.check_cancelled()
            time.sleep(0.01)
        return "finished"

    handle = runner.submit(slow)
    started.wait(5)
    handle.cancel()
    with pytest.raises(Cancelled):
        handle.result(5)


def test_supersede_cancels_previous_job_with_same_key(runner):
    started = threading.Event()

    def slow(ctx, tag):
        started.set()
        for _ in range(300):
            ctx.check_cancelled()
            time.sleep(0.01)
        return tag

    first = runner.submit(slow, "first", supersede="slider")
    started.wait(5)
    second = runner.submit(lambda ctx: "second", supersede="slider")
    assert second.result(5) == "second"
    with pytest.raises(Cancelled):
        first.result(5)


def test_supersede_only_affects_same_key(runner):
    gate = threading.Event()

    def wait(ctx):
        gate.wait(5)
        return "a"

    a = runner.submit(wait, supersede="a")
    b = runner.submit(lambda ctx: "b", supersede="b")
    assert b.result(5) == "b"
    gate.set()
    assert a.result(5) == "a"


def test_result_cache_hit_skips_work(runner):
    calls = []

    def job(ctx):
        calls.append(1)
        return "value"

    key = make_key("abc", "ela", {"quality": 90})
    assert runner.submit(job, cache_key=key).result(5) == "value"
    assert runner.submit(job, cache_key=key).result(5) == "value"
    assert len(calls) == 1
    other = make_key("abc", "ela", {"quality": 80})
    runner.submit(job, cache_key=other).result(5)
    assert len(calls) == 2


def test_cache_key_is_order_independent():
    assert make_key("h", "e", {"a": 1, "b": 2}) == make_key("h", "e", {"b": 2, "a": 1})
    assert make_key("h", "e", {}, "w1") != make_key("h", "e", {}, "w2")


def test_cache_evicts_least_recently_used():
    cache = ResultCache(max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.get("a")
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3


def test_synchronous_mode_runs_inline():
    runner = Runner(max_workers=1, synchronous=True)
    handle = runner.submit(lambda ctx: threading.current_thread().name)
    assert handle.future.done()
    assert handle.result() == threading.current_thread().name
    runner.shutdown()


def test_force_sync_context(runner):
    with runner.force_sync():
        handle = runner.submit(lambda ctx: 1)
        assert handle.future.done()
    handle = runner.submit(lambda ctx: threading.current_thread().name)
    assert handle.result(5) != threading.current_thread().name


def test_errors_are_delivered_not_swallowed(runner):
    def boom(ctx):
        raise ValueError("bad parameter")

    with pytest.raises(ValueError, match="bad parameter"):
        runner.submit(boom).result(5)


def test_device_selection(monkeypatch):
    monkeypatch.setenv("TRUELENS_DEVICE", "cpu")
    assert select_device() == "cpu"
    assert select_device("cpu") == "cpu"
    assert select_device("auto") in ("cuda", "mps", "cpu")
    with pytest.raises(ValueError, match="unknown device"):
        select_device("tpu")
    monkeypatch.setenv("TRUELENS_DEVICE", "cuda")
    import torch

    assert select_device() == ("cuda" if torch.cuda.is_available() else "cpu")
