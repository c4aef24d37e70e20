"""``truelens selftest``: a quick end-to-end check of an installation or a frozen bundle."""

from __future__ import annotations

import argparse
import time

from app.cli import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("selftest", help="check that media decoding, the analyses and Qt work here")
    p.add_argument("--gui", action="store_true", help="also build the main window offscreen")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    from app.samples import sample_path
    from engines.forensics import Subject, list_analyses, run_analysis
    from engines.forensics.registry import load_errors
    from engines.media import open_media

    broken = load_errors()
    if broken:
        raise CliError("analysis modules failed to load: " + "; ".join(f"{k}: {v}" for k, v in broken.items()))
    checks = []
    for name in ("photo", "gif", "video"):
        with open_media(sample_path(name)) as media:
            frame = media.frame(media.frame_count - 1)
            checks.append(f"{name}: {media.kind}, {media.frame_count} frame(s), {frame.shape[1]}×{frame.shape[0]}")
    with open_media(sample_path("photo")) as media:
        finding = run_analysis("ela", Subject(media.frame(0), media.path))
    if finding.heatmap is None:
        raise CliError("ELA produced no map")
    checks.append(f"analyses registered: {len(list_analyses())}; ELA ok")
    if args.gui:
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6 import QtWidgets

        from app.main_window import MainWindow
        from app.tasks import TaskBridge
        from engines.runtime import Runner

        app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
        runner = Runner(max_workers=1)
        window = MainWindow(TaskBridge(runner))
        window.show()
        app.processEvents()
        window.close()
        runner.shutdown()
        checks.append("main window ok")
    for line in checks:
        print(f"selftest: {line}")
    print(f"selftest: OK in {time.perf_counter() - t0:.1f} s")
    return 0
