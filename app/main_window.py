"""The main window shell: viewer (canvas + frame stepper), task panes, menus, status bar."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6 import QtGui, QtWidgets

from app.document import Document
from app.panes.analyze_pane import AnalyzePane
from app.panes.case_pane import CasePane
from app.panes.faces_pane import FacesPane  # issues 5 and 6: Faces and Watermark panes
from app.panes.inspect_pane import InspectPane
from app.panes.protect_pane import ProtectPane
from app.panes.watermark_pane import WatermarkPane
from app.settings import Settings
from app.tasks import TaskBridge
from engines.media import Media
from widgets.frame_stepper import FrameStepper
from widgets.image_canvas import ImageCanvas
from widgets.score_timeline import ScoreTimeline

OPEN_FILTER = (
    "Media (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp *.heic *.heif *.avif *.gif *.apng "
    "*.mp4 *.mov *.mkv *.webm *.avi);;All files (*)"
)


class MainWindow(QtWidgets.QMainWindow):
    """TrueLens main window."""

    def __init__(self, tasks: TaskBridge, settings: Settings | None = None):
        super().__init__()
        self.setWindowTitle("TrueLens")
        self.resize(1400, 880)
        self.setAcceptDrops(True)
        self.tasks = tasks
        self.settings = settings or Settings()
        self.document = Document(tasks, self)
        self.error_messages: list[str] = []  # last errors shown (tests read this)

        self.canvas = ImageCanvas()
        self.stepper = FrameStepper()
        viewer = QtWidgets.QWidget()
        vl = QtWidgets.QVBoxLayout(viewer)
        vl.setContentsMargins(0, 0, 0, 0)
        vl.addWidget(self.canvas, 1)
        vl.addWidget(self.stepper)
        self.timeline = ScoreTimeline()  # issue 5: per-frame face scores under the stepper (shown after a scan)
        self.timeline.setVisible(False)
        vl.addWidget(self.timeline)
        self.inspect_pane = InspectPane()
        self.analyze_pane = AnalyzePane(self.canvas, tasks)
        self.panes = QtWidgets.QTabWidget()
        self.panes.addTab(self.inspect_pane, "Inspect")
        self.panes.addTab(self.analyze_pane, "Analyze")
        self.case_pane = CasePane(tasks, self.document, self.canvas, self.settings)  # issue 4
        self.panes.addTab(self.case_pane, "Case")
        # --- issues 5, 6 and 7: Faces, Watermark and Protect panes ---
        self.faces_pane = FacesPane(self.canvas, tasks, self.document, self.timeline)
        self.panes.addTab(self.faces_pane, "Faces")
        self.watermark_pane = WatermarkPane(self.canvas, tasks, self.document)
        self.panes.addTab(self.watermark_pane, "Watermark")
        self.timeline.seek_requested.connect(self._seek_from_timeline)
        self.watermark_pane.open_requested.connect(self.open_path)
        self.protect_pane = ProtectPane(self.canvas, tasks, self.document)
        self.panes.addTab(self.protect_pane, "Protect")
        self.protect_pane.open_requested.connect(self.open_path)
        # --- end issues 5, 6 and 7 ---
        self.panes.setMinimumWidth(380)
        split = QtWidgets.QSplitter()
        split.addWidget(viewer)
        split.addWidget(self.panes)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([980, 420])
        self.setCentralWidget(split)

        self._build_status_bar()
        self._build_actions()
        self.document.opened.connect(self._on_opened)
        self.document.frame_ready.connect(self._on_frame)
        self.document.failed.connect(self.show_error)
        self.stepper.frame_changed.connect(self.document.request_frame)
        self.stepper.playing_changed.connect(self._on_playing)
        self.stepper.frame_changed.connect(self.timeline.set_cursor)  # issue 5
        tasks.error.connect(self._on_task_error)
        tasks.busy_changed.connect(self._on_busy)
        tasks.progress.connect(self._on_progress)
        self._connect_case_pane()

    # ---------------------------------------------------------------- building
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.tasks.cancel_all)
        self.busy_label = QtWidgets.QLabel()
        for w in (self.busy_label, self.progress, self.cancel_button):
            bar.addPermanentWidget(w)
        self._on_busy(False)

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.open_action = file_menu.addAction("&Open…", self.open_dialog)
        self.open_action.setShortcut(QtGui.QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        file_menu.addAction("Open &Sample", self.open_sample)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit", self.close)
        quit_action.setShortcut(QtGui.QKeySequence.StandardKey.Quit)
        view_menu = menu.addMenu("&View")
        fit = view_menu.addAction("&Fit to window", self.canvas.fit)
        fit.setShortcut("F")
        one = view_menu.addAction("&Actual pixels (1:1)", self.canvas.zoom_1to1)
        one.setShortcut("1")
        zin = view_menu.addAction("Zoom &in", lambda: self.canvas.zoom(1.25))
        zin.setShortcut(QtGui.QKeySequence.StandardKey.ZoomIn)
        zout = view_menu.addAction("Zoom &out", lambda: self.canvas.zoom(0.8))
        zout.setShortcut(QtGui.QKeySequence.StandardKey.ZoomOut)
        twin = view_menu.addAction("&Twin view")
        twin.setCheckable(True)
        twin.toggled.connect(self.analyze_pane.overlay.twin.setChecked)
        self._build_case_menu(menu)
        self._build_device_menu(menu.addMenu("&Settings"))
        help_menu = menu.addMenu("&Help")
        help_menu.addAction("&About TrueLens", self._about)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.addAction(self.open_action)
        toolbar.addAction(fit)
        toolbar.addAction(one)
        toolbar.addAction(zin)
        toolbar.addAction(zout)
        self._refresh_recent()

    # ---------------------------------------------------------------- issue 4: cases
    def _build_case_menu(self, menu: QtWidgets.QMenuBar) -> None:
        case_menu = menu.addMenu("&Case")
        case_menu.addAction("&New case…", self._new_case)
        case_menu.addAction("&Open case…", self._open_case_dialog)
        self.add_to_case_action = case_menu.addAction("&Add current file to case", self.case_pane.add_current_file)
        case_menu.addSeparator()
        self.bookmark_action = case_menu.addAction("&Bookmark finding", self.bookmark_finding)
        self.bookmark_action.setShortcut("Ctrl+B")
        case_menu.addAction("&Export report…", self._export_report)

    def _connect_case_pane(self) -> None:
        pane = self.case_pane
        pane.open_requested.connect(self.open_path)
        pane.seek_requested.connect(self.stepper.set_index)
        pane.stored_map_shown.connect(self.analyze_pane.clear_tool)
        pane.error.connect(self.show_error)
        pane.attention.connect(lambda: self.panes.setCurrentWidget(pane))
        self.analyze_pane.bookmark_requested.connect(pane.bookmark_finding)
        self.analyze_pane.finding_ready.connect(pane.note_analysis)

    def _seek_from_timeline(self, index: int) -> None:
        """Issue 5: a click on the score timeline jumps to that frame."""
        self.stepper.pause()
        self.stepper.set_index(index)

    def bookmark_finding(self) -> None:
        """Bookmark the finding shown in the Analyze pane into the open case (Ctrl+B)."""
        if not self.analyze_pane.request_bookmark():
            self.statusBar().showMessage("Nothing to bookmark: run an analysis in the Analyze pane first.", 5000)

    def _new_case(self) -> None:
        self.panes.setCurrentWidget(self.case_pane)
        self.case_pane.new_case()

    def _open_case_dialog(self) -> None:
        from engines.evidence.paths import cases_dir

        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Open case folder", str(cases_dir()))
        if folder:
            self.panes.setCurrentWidget(self.case_pane)
            self.case_pane.open_case_folder(Path(folder))

    def _export_report(self) -> None:
        self.panes.setCurrentWidget(self.case_pane)
        self.case_pane.open_export_dialog()

    # ------------------------------------------------------------------ recent
    def _build_device_menu(self, settings_menu: QtWidgets.QMenu) -> None:
        """Compute device for learned models: stored in settings, applied through TRUELENS_DEVICE."""
        from app.settings import apply_device_setting

        device_menu = settings_menu.addMenu("Compute &device")
        group = QtGui.QActionGroup(self)
        current = apply_device_setting(self.settings)
        for choice in ("auto", "cuda", "mps", "cpu"):
            label = "Automatic (CUDA, then MPS, then CPU)" if choice == "auto" else choice.upper()
            action = device_menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(choice == current)
            action.setData(choice)
            group.addAction(action)
        group.triggered.connect(lambda action: apply_device_setting(self.settings, action.data()))
        self.device_actions = group

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files()
        for path in files:
            self.recent_menu.addAction(path, lambda p=path: self.open_path(p))
        self.recent_menu.setEnabled(bool(files))

    # ------------------------------------------------------------------ open
    def open_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open media", "", OPEN_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> None:
        """Open a file in the background (errors are shown in a dialog)."""
        self.statusBar().showMessage(f"Opening {Path(path).name}…")
        self.document.open(path)

    def open_sample(self) -> None:
        from app.samples import sample_path

        self.open_path(sample_path("photo"))

    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_path(urls[0].toLocalFile())
            event.acceptProposedAction()

    def _on_opened(self, media: Media) -> None:
        self.setWindowTitle(f"TrueLens — {media.path.name}")
        self.canvas.clear_overlays()
        self.stepper.set_durations(media.info.durations if media.kind != "still" else ())
        self.inspect_pane.show_media(media)
        self.settings.add_recent_file(str(media.path))
        self._refresh_recent()
        self.statusBar().showMessage(f"Opened {media.path.name} ({media.kind}, {media.frame_count} frame(s))", 5000)

    def _on_frame(self, index: int, frame: np.ndarray) -> None:
        media = self.document.media
        self.canvas.clear_overlays()  # a map belongs to one frame: never show it over another
        self.canvas.set_image(frame, keep_view=index != 0)
        if media is not None and not self.stepper.is_playing():
            self.analyze_pane.set_frame(frame, media.path, index, media.sha256, media.info.format)

    def _on_playing(self, playing: bool) -> None:
        media = self.document.media
        if not playing and media is not None and self.document.frame is not None:
            self.analyze_pane.set_frame(self.document.frame, media.path, self.document.frame_index,
                                        media.sha256, media.info.format)

    # ---------------------------------------------------------------- status
    def show_error(self, message: str, details: str = "") -> None:
        """A clear, non-fatal error dialog (never blocks the engine)."""
        self.error_messages.append(message)
        self.statusBar().showMessage(message, 8000)
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, "TrueLens", message,
                                    QtWidgets.QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorDialog")
        if details:
            box.setDetailedText(details)
        box.setModal(False)
        box.show()

    def _on_task_error(self, message: str, details: str) -> None:
        self.show_error(message, details)

    def _on_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.busy_label.setVisible(busy)
        if not busy:
            self.progress.setValue(0)

    def _on_progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(int(fraction * 100))
        self.busy_label.setText(text)

    def _about(self) -> None:
        import engines

        QtWidgets.QMessageBox.about(
            self, "About TrueLens",
            f"TrueLens {engines.__version__}\nOffline forensic workbench. Nothing leaves this computer.",
        )

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.stepper.pause()
        self.tasks.cancel_all()
        self.tasks.wait_all(5000)
        self.document.close()
        super().closeEvent(event)
