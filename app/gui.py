"""Start the desktop application (or fall back to a headless run when there is no display)."""

from __future__ import annotations

import argparse
import os
import sys
import time


def display_available() -> bool:
    """False on Linux without X11/Wayland unless a Qt platform was chosen explicitly."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def run_gui(args: argparse.Namespace) -> int:
    """Open the main window; ``--sample`` opens the bundled photo with ELA shown."""
    if not display_available():
        return _headless_fallback(args)
    started = time.perf_counter()
    from PySide6 import QtCore, QtWidgets

    from app.errors import install_excepthook
    from app.main_window import MainWindow
    from app.tasks import TaskBridge
    from engines.runtime import create_runner

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("TrueLens")
    app.setOrganizationName("TrueLens")
    install_excepthook()
    runner = create_runner()
    tasks = TaskBridge(runner)
    window = MainWindow(tasks)
    window.show()
    print(f"truelens: window shown after {time.perf_counter() - started:.2f} s", file=sys.stderr)
    paths = list(getattr(args, "paths", []) or [])
    if getattr(args, "sample", False) or (not paths and getattr(args, "screenshot", None)):
        from app.samples import sample_path

        paths = [str(sample_path("photo"))]
        window.document.opened.connect(lambda _m: window.panes.setCurrentWidget(window.analyze_pane))
        window.document.opened.connect(lambda _m: window.analyze_pane.select_tool("ela"))
    if paths:
        window.open_path(paths[0])
    if getattr(args, "screenshot", None):
        def shoot() -> None:
            tasks.wait_all(20000)
            app.processEvents()
            window.grab().save(args.screenshot)
            window.close()

        QtCore.QTimer.singleShot(int((args.quit_after or 3.0) * 1000), shoot)
    elif getattr(args, "quit_after", None):
        QtCore.QTimer.singleShot(int(args.quit_after * 1000), window.close)
    code = app.exec()
    runner.shutdown()
    return int(code)


def _headless_fallback(args: argparse.Namespace) -> int:
    from app.commands.analyze import analyze_to_folder
    from app.samples import sample_path

    paths = list(getattr(args, "paths", []) or []) or [str(sample_path("photo"))]
    out = os.path.abspath("truelens-output")
    print("truelens: no display available - running the analysis headless instead of opening the window.")
    _records, report = analyze_to_folder(paths[0], ["ela"], out, params={}, write_report=True)
    print(f"truelens: report written to {report}")
    return 0
