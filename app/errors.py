"""Uncaught exceptions become a dialog with details (and a log line), never a silent exit."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6 import QtWidgets

log = logging.getLogger("truelens")


def install_excepthook() -> None:
    """Route uncaught exceptions on the GUI thread to an error dialog."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("uncaught exception\n%s", details)
        app = QtWidgets.QApplication.instance()
        if app is None:
            sys.__excepthook__(exc_type, exc, tb)
            return
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Critical, "TrueLens — unexpected error",
                                    f"{exc_type.__name__}: {exc}")
        box.setDetailedText(details)
        box.show()

    sys.excepthook = hook
