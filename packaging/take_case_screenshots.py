"""Drive the real main window through a case and save the Case pane and Export dialog screenshots.

    xvfb-run -a -s "-screen 0 1600x1000x24" python packaging/take_case_screenshots.py

Uses the synthesised harbour scene and a temporary data folder (case and signing key are thrown away).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
OUT = ROOT / "docs" / "screenshots"

BOOKMARKS = (
    ("harbour-fire.jpg", "ela", "warning", "Higher error level in the plume than in the sky and roofs."),
    ("harbour-fire.jpg", "noise_inconsistency", "check", "Noise in the plume departs from the rest of the sky."),
    ("camera-original.jpg", "ela", "ok", "Reference: no localised anomaly."),
)


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb" if os.environ.get("DISPLAY") else "offscreen")
    work = Path(tempfile.mkdtemp(prefix="truelens-shots-"))
    os.environ["TRUELENS_DATA_DIR"] = str(work / "data")
    os.environ["TRUELENS_CONFIG_DIR"] = str(work / "config")
    try:
        run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path) -> None:
    from example_scene import write_scene
    from PySide6 import QtCore, QtWidgets

    from app.main_window import MainWindow
    from app.tasks import TaskBridge
    from engines.runtime import create_runner

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    runner = create_runner()
    tasks = TaskBridge(runner)
    window = MainWindow(tasks)
    window.resize(1400, 880)
    window.show()
    pane = window.case_pane

    def settle(seconds: float = 0.3) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
        tasks.wait_all(30000)

    def shot(widget: QtWidgets.QWidget, name: str) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(OUT / name))
        print("saved", OUT / name)

    forged, original, _ = write_scene(work / "evidence")
    files = {forged.name: forged, original.name: original}
    pane.create_case("Harbour fire 2026-031", "A. Examiner")
    settle()
    for name, engine, status, note in BOOKMARKS:
        if window.document.media is None or window.document.media.path.name != name:
            window.open_path(files[name])
            settle(0.8)
        window.panes.setCurrentWidget(window.analyze_pane)
        window.analyze_pane.select_tool(engine)
        settle(1.5)
        window.bookmark_finding()
        settle(0.5)
        dialog = pane.bookmarker.dialog
        dialog.set_values(note, status)
        dialog.accept()
        settle(0.5)
    window.panes.setCurrentWidget(pane)
    settle(0.5)
    pane.verify_chain()
    settle(0.5)
    pane.findings.select(1)
    pane.show_finding(1)
    settle(1.5)
    shot(window, "case_pane.png")
    dialog = pane.open_export_dialog()
    settle(1.5)
    dialog.bundle_check.setChecked(True)
    settle(0.3)
    shot(dialog, "export_dialog.png")
    dialog.close()
    window.close()
    runner.shutdown()


if __name__ == "__main__":
    main()
