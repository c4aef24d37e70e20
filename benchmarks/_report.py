"""Shared helpers: machine description, medians, and section updates in docs/BENCHMARKS.md."""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_FILE = ROOT / "docs" / "BENCHMARKS.md"
HEADER = (
    "# TrueLens benchmarks\n\n"
    "Each section is written by the command shown in it; numbers are medians of repeated runs.\n"
)


def machine() -> str:
    """One line describing this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024**2:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {os.cpu_count()} cores{mem}, {system}, Python {platform.python_version()}"


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def git_revision() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def update_section(name: str, markdown: str) -> None:
    """Replace (or append) the section ``name`` of docs/BENCHMARKS.md."""
    BENCH_FILE.parent.mkdir(parents=True, exist_ok=True)
    text = BENCH_FILE.read_text() if BENCH_FILE.exists() else HEADER
    begin, end = f"<!-- begin:{name} -->", f"<!-- end:{name} -->"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    tmp = BENCH_FILE.with_suffix(".md.part")
    tmp.write_text(text)
    tmp.replace(BENCH_FILE)
