"""Drive the real main window and save the documentation screenshots (run under Xvfb).

    xvfb-run -a -s "-screen 0 1600x1000x24" python packaging/take_screenshots.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb" if os.environ.get("DISPLAY") else "offscreen")
    from PySide6 import QtCore, QtWidgets

    from app.main_window import MainWindow
    from app.samples import sample_path
    from app.tasks import TaskBridge
    from engines.runtime import create_runner

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    runner = create_runner()
    tasks = TaskBridge(runner)
    window = MainWindow(tasks)
    window.resize(1400, 880)
    window.show()

    def settle(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
        tasks.wait_all(30000)

    def shot(name: str) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(OUT / name))
        print("saved", OUT / name)

    window.open_path(sample_path("photo"))
    settle(1.0)
    window.panes.setCurrentWidget(window.analyze_pane)
    window.analyze_pane.select_tool("ela")
    settle(1.5)
    shot("main_window_ela.png")
    window.analyze_pane.overlay.twin.setChecked(True)
    settle(0.5)
    shot("twin_view_ela.png")
    window.analyze_pane.overlay.twin.setChecked(False)
    window.analyze_pane.select_tool("learned_localization")
    settle(4.0)
    shot("main_window_learned.png")
    window.panes.setCurrentWidget(window.inspect_pane)
    window.open_path(sample_path("gif"))
    settle(1.0)
    window.stepper.play()
    settle(0.7)
    shot("gif_playback.png")
    window.stepper.pause()
    window.close()
    runner.shutdown()


if __name__ == "__main__":
    main()
