"""Drive the real main window through the Faces, Watermark and Protect panes and save their screenshots (under Xvfb).

    xvfb-run -a -s "-screen 0 1600x1000x24" python packaging/take_pane_screenshots.py [--face-model DIR]

Inputs are generated in a temporary folder from scikit-image's bundled ``astronaut`` picture. Without
``--face-model`` the shipped face model is used (faces are still boxed when it is not installed).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"


def _moving_gif(path: Path, frames: int = 12, step: int = 10) -> Path:
    import cv2
    from PIL import Image
    from skimage.data import astronaut

    base = cv2.resize(astronaut(), (384, 384), interpolation=cv2.INTER_AREA)
    pad = np.pad(base, ((0, 0), (0, frames * step), (0, 0)), mode="edge")
    images = [Image.fromarray(np.roll(pad, i * step, axis=1)[:, : 384 + frames * step]) for i in range(frames)]
    images[0].save(path, save_all=True, append_images=images[1:], duration=120, loop=0)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--face-model", metavar="DIR", help="face model folder (default: the shipped one)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb" if os.environ.get("DISPLAY") else "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="truelens_shots_"))
    os.environ.setdefault("TRUELENS_DATA_DIR", str(tmp / "data"))  # keep owner register and C2PA key apart
    os.environ.setdefault("TRUELENS_CONFIG_DIR", str(tmp / "config"))
    from PIL import Image
    from PySide6 import QtCore, QtWidgets
    from skimage.data import astronaut

    from app.main_window import MainWindow
    from app.tasks import TaskBridge
    from engines.runtime import create_runner

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    runner = create_runner()
    tasks = TaskBridge(runner)
    window = MainWindow(tasks)
    window.resize(1400, 880)
    window.show()

    def settle(seconds: float = 0.3) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
        tasks.wait_all(120_000)
        app.processEvents()

    def shot(name: str) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(OUT / name))
        print("saved", OUT / name)

    # Faces: a GIF of a moving face, detection on one frame, then a scan of all frames into the timeline
    faces = window.faces_pane
    faces.model_folder = args.face_model
    window.panes.setCurrentWidget(faces)
    window.open_path(_moving_gif(tmp / "moving_face.gif"))
    settle(1.0)
    faces.scan_all()
    settle(0.5)
    window.stepper.set_index(5)
    settle(0.5)
    shot("faces_pane.png")

    # Watermark: mark a copy, open it, verify it, and show the amplified difference beside the frame
    evidence = tmp / "evidence.png"
    Image.fromarray(astronaut()).save(evidence)
    wm = window.watermark_pane
    window.panes.setCurrentWidget(wm)
    window.open_path(evidence)
    settle(1.0)
    wm.owner.setText("Alice Example")
    wm.embed_key.setText("correct horse battery")
    wm.verify_key.setText("correct horse battery")
    wm.c2pa.setChecked(True)
    settle(0.6)
    wm.save_to(tmp / "evidence_watermarked.png")
    settle(0.5)
    edited = np.array(Image.open(tmp / "evidence_watermarked.png"))
    edited[300:460, 300:460] = astronaut()[40:200, 20:180]  # the flag pasted over the suit
    Image.fromarray(edited).save(tmp / "edited.png")
    window.open_path(tmp / "evidence_watermarked.png")
    settle(1.0)
    wm.verify_now()
    settle(0.5)
    wm.view_mode.setCurrentIndex(2)
    settle(0.8)
    shot("watermark_pane.png")
    wm.view_mode.setCurrentIndex(0)
    window.open_path(tmp / "edited.png")
    settle(1.0)
    wm.verify_now()
    settle(0.5)
    shot("watermark_tamper.png")
    # Protect: protect the astronaut photo and show before | after with the swap preview
    protect = window.protect_pane
    window.open_path(evidence)
    settle(1.0)
    window.panes.setCurrentWidget(protect)
    settle(0.3)
    protect.protect_now()
    settle(1.0)
    shot("protect_pane.png")
    window.close()
    runner.shutdown()


if __name__ == "__main__":
    main()
