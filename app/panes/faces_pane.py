"""Faces pane: find faces in the current frame, draw boxes and landmarks with per-face scores, the
AI-generated score with its limits, and for GIFs/videos a scan of all frames into the score timeline."""

from __future__ import annotations

import math
import threading
from html import escape
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtWidgets

from app.document import Document
from app.panes.canvas_comparison import scrolled
from app.panes.faces_jobs import detect_frame, scan_file, track_series
from app.tasks import TaskBridge
from engines.detect.report import AigenResult, DetectionReport, FaceResult
from engines.media import Media
from widgets.image_canvas import ImageCanvas
from widgets.score_timeline import ScoreTimeline
from widgets.shape_overlay import BoxShape, ShapeOverlay

COLOURS = {"real": (80, 220, 120), "fake": (240, 70, 70), "unscored": (90, 190, 255), "unstable": (250, 200, 60)}
FACE_COLUMNS = ("#", "Fake score", "Verdict", "Robustness", "Track", "Box x0, y0, x1, y1")
TRACK_COLUMNS = ("Track", "Frames", "Mean", "Median", "Max", "> thr.", "Unstable", "Verdict")
HOW_TO_READ = (
    "<b>Fake score</b>: the face model's probability (0 = real, 1 = manipulated) that a face was altered; the "
    "verdict uses the model's threshold. A score is a lead, not proof. <b>Robustness</b> (TRIM): "
    "<i>stable</i> — the score held under tiny perturbations; <i>uncertain</i> — the model is undecided; "
    "<i>unstable</i> — the score moved more than it does on clean faces (the input may have been crafted to "
    "fool the model): do not rely on that score."
)


class _ScanRelay(QtCore.QObject):
    """Carries scan progress from the worker thread to the pane (queued signal)."""

    progress = QtCore.Signal(float, str)


def _table(columns: tuple[str, ...]) -> QtWidgets.QTableWidget:
    table = QtWidgets.QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setMinimumHeight(80)
    table.setMaximumHeight(170)
    return table


def _fill(table: QtWidgets.QTableWidget, rows: list[tuple[str, ...]], tips: list[tuple[str, ...]] | None = None
          ) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QtWidgets.QTableWidgetItem(text)
            item.setToolTip(tips[r][c] if tips else text)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


def _score_text(score: float) -> str:
    return "—" if math.isnan(score) else f"{score:.3f}"


def face_label(n: int, face: FaceResult) -> str:
    """Short on-canvas label: number, score, verdict and a robustness warning."""
    if face.label == "unscored":
        return f"{n}: face ({face.detector_score:.2f})"
    text = f"{n}: {face.fake_score:.2f} {face.label}"
    if face.robustness is not None and face.robustness.label != "stable":
        text += f" · {face.robustness.label}"
    return text


def face_colour(face: FaceResult) -> tuple[int, int, int]:
    if face.robustness is not None and face.robustness.flagged:
        return COLOURS["unstable"]
    return COLOURS.get(face.label, COLOURS["unscored"])


def aigen_text(aigen: AigenResult | None) -> str:
    """The AI-generated score with its honest limits, in plain words (HTML)."""
    if aigen is None:
        return "AI-generated score: not available."
    lean = "leans <b>generated</b>" if aigen.label == "generated" else "leans <b>camera</b>"
    return (
        f"<b>AI-generated score {aigen.score:.2f}</b> — {lean}.<br>"
        f"How far to trust it: a simple probe whose cross-validated AUC is {aigen.cv_auc:.2f} (0.5 is chance, "
        f"1.0 is perfect). It is wrong often and can be fooled by resizing or re-compression; use it only as a "
        f"prompt for other checks, never as evidence on its own.<br><span style='color:#999'>"
        f"{escape(aigen.limits)}</span>"
    )


class FacesPane(QtWidgets.QWidget):
    """The Faces tab. ``model_folder`` picks the face model (None = the shipped one)."""

    detection_ready = QtCore.Signal(object)  # DetectionReport of the current frame
    scan_ready = QtCore.Signal(object)  # DetectionReport of the whole file

    def __init__(self, canvas: ImageCanvas, tasks: TaskBridge, document: Document,
                 timeline: ScoreTimeline | None = None, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._canvas = canvas
        self._tasks = tasks
        self._document = document
        self._timeline = timeline
        self.model_folder: str | None = None
        self.overlay = ShapeOverlay(canvas.view, self)
        self.report: DetectionReport | None = None  # detection on the frame in ``_report_key``
        self._report_key: tuple[str, int] | None = None
        self.scan: DetectionReport | None = None
        self._scan_frames: dict[int, tuple[FaceResult, ...]] = {}
        self._frame: np.ndarray | None = None
        self._frame_index = 0
        self._path: Path | None = None
        self._multi = False
        self._scan_stop: threading.Event | None = None
        self._relay = _ScanRelay(self)
        self._relay.progress.connect(self._on_scan_progress)
        self._build()
        document.opened.connect(self._on_opened)
        document.frame_ready.connect(self._on_frame)
        tasks.busy_changed.connect(self._on_busy)

    # ---------------------------------------------------------------- building
    def _build(self) -> None:
        self.detect_button = QtWidgets.QPushButton("Detect faces in this frame")
        self.detect_button.setObjectName("detectFacesButton")
        self.detect_button.clicked.connect(self.detect_current)
        self.scan_button = QtWidgets.QPushButton("Scan all frames")
        self.scan_button.setToolTip("Score faces in every frame (up to 300, evenly spaced) and follow them as tracks")
        self.scan_button.clicked.connect(self.scan_all)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_scan)
        self.scan_progress = QtWidgets.QProgressBar()
        self.scan_progress.setRange(0, 100)
        self.scan_progress.setTextVisible(True)
        self.show_boxes = QtWidgets.QCheckBox("Show boxes and landmarks")
        self.show_boxes.setChecked(True)
        self.show_boxes.toggled.connect(self.overlay.set_visible)
        self.dense = QtWidgets.QCheckBox("Dense landmarks")
        self.dense.toggled.connect(lambda _c: self._draw(self._shown_faces))
        self.status = QtWidgets.QLabel("Open a picture, then detect faces.")
        self.status.setWordWrap(True)
        self.status.setObjectName("facesStatus")
        self.faces_table = _table(FACE_COLUMNS)
        self.faces_table.setObjectName("facesTable")
        self.aigen_label = QtWidgets.QLabel("AI-generated score: run detection.")
        self.aigen_label.setWordWrap(True)
        self.aigen_label.setObjectName("aigenLabel")
        self.tracks_box = QtWidgets.QGroupBox("Face tracks (whole file)")
        self.tracks_table = _table(TRACK_COLUMNS)
        QtWidgets.QVBoxLayout(self.tracks_box).addWidget(self.tracks_table)
        self.how_to_read = QtWidgets.QLabel(HOW_TO_READ)
        self.how_to_read.setWordWrap(True)
        self.how_to_read.setStyleSheet("color:#aaa")

        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.detect_button, 1)
        buttons.addWidget(self.scan_button)
        scan_row = QtWidgets.QHBoxLayout()
        scan_row.addWidget(self.scan_progress, 1)
        scan_row.addWidget(self.cancel_button)
        toggles = QtWidgets.QHBoxLayout()
        toggles.addWidget(self.show_boxes)
        toggles.addWidget(self.dense)
        toggles.addStretch(1)
        body = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(body)
        layout.setContentsMargins(2, 2, 4, 2)
        layout.addLayout(buttons)
        layout.addLayout(scan_row)
        layout.addLayout(toggles)
        layout.addWidget(self.status)
        layout.addWidget(self.faces_table)
        layout.addWidget(self.tracks_box)
        layout.addWidget(self.aigen_label)
        layout.addWidget(self.how_to_read)
        layout.addStretch(1)
        scrolled(self, body)
        self._shown_faces: tuple[FaceResult, ...] = ()
        self._set_scanning(False)
        self._update_enabled()

    def _set_scanning(self, scanning: bool) -> None:
        self._scanning = scanning
        self.scan_progress.setVisible(scanning)
        self.cancel_button.setVisible(scanning)
        self._update_enabled()

    def _update_enabled(self) -> None:
        has_frame = self._frame is not None
        self.detect_button.setEnabled(has_frame)
        self.scan_button.setEnabled(self._multi and not getattr(self, "_scanning", False))
        self.scan_button.setVisible(self._multi)
        self.tracks_box.setVisible(self.scan is not None)

    # ---------------------------------------------------------------- document
    def _on_opened(self, media: Media) -> None:
        self.cancel_scan()
        self._path = media.path
        self._multi = media.frame_count > 1
        self.report, self._report_key, self.scan = None, None, None
        self._scan_frames = {}
        self._draw(())
        self._fill_faces(())
        self.aigen_label.setText("AI-generated score: run detection.")
        self.status.setText("Detect faces in this frame" + (", or scan all frames." if self._multi else "."))
        if self._timeline is not None:
            self._timeline.set_frame_count(media.frame_count)
            self._timeline.setVisible(False)
        self._update_enabled()

    def _on_frame(self, index: int, frame: np.ndarray) -> None:
        """A new frame is on the canvas: the old boxes go; a scanned frame shows its own faces."""
        self._frame, self._frame_index = frame, index
        key = (str(self._path), index)
        if self.report is not None and self._report_key == key:
            self._draw(self.report.faces)
        elif index in self._scan_frames:
            faces = self._scan_frames[index]
            self._draw(faces)
            self._fill_faces(faces)
            self.status.setText(f"Frame {index + 1}: {len(faces)} face(s) from the scan.")
        else:
            self._draw(())
            if self._shown_table_key is not None and self._shown_table_key != key:
                self._fill_faces(())
                self.status.setText(f"Frame {index + 1}: not analysed yet — detect faces in this frame.")
        self._update_enabled()

    # ---------------------------------------------------------------- detection
    def detect_current(self) -> None:
        """Find and score faces in the frame on the canvas (background job)."""
        if self._frame is None:
            return
        self.status.setText("Finding and scoring faces…")
        key = (str(self._path), self._frame_index)
        self._tasks.submit(detect_frame, self._frame, self.model_folder, str(self._path or ""),
                           title="Detecting faces", supersede="faces-detect",
                           on_success=lambda report, k=key: self._show_detection(report, k),
                           on_error=self._on_error)

    def _show_detection(self, report: DetectionReport, key: tuple[str, int]) -> None:
        if key != (str(self._path), self._frame_index):
            return  # the frame changed while the job ran: its boxes belong elsewhere
        self.report, self._report_key = report, key
        faces = report.faces
        self._draw(faces)
        self._fill_faces(faces)
        self.aigen_label.setText(aigen_text(report.aigen))
        parts = [f"{len(faces)} face(s) in frame {self._frame_index + 1}."]
        if not math.isnan(report.threshold):
            parts.append(f"Model {escape(report.model)}, threshold {report.threshold:.2f}.")
        parts += [escape(n) for n in report.notes]
        self.status.setText(" ".join(parts))
        self.detection_ready.emit(report)

    def _on_error(self, exc: BaseException, details: str) -> None:
        self.status.setText(f"<span style='color:#e66'>Failed: {escape(str(exc))}</span>")

    # ---------------------------------------------------------------- drawing
    def _draw(self, faces: tuple[FaceResult, ...]) -> None:
        self._shown_faces = tuple(faces)
        dense = self.dense.isChecked()
        shapes = [BoxShape(box=tuple(float(v) for v in f.box), label=face_label(n + 1, f), color=face_colour(f),
                           points=f.landmarks5, fine_points=f.landmarks_dense if dense else None)
                  for n, f in enumerate(faces)]
        self.overlay.set_shapes(shapes)
        self.overlay.set_visible(self.show_boxes.isChecked() and self.isVisible())

    def _fill_faces(self, faces: tuple[FaceResult, ...]) -> None:
        rows, tips = [], []
        for n, f in enumerate(faces):
            r = f.robustness
            detail = "—" if r is None else (f"{r.label}: entropy {r.entropy:.2f} bit, prediction KL "
                                            f"{r.prediction_kl:.4f}, feature KL {r.feature_kl:.4f}")
            box = ", ".join(str(round(float(v))) for v in f.box)
            row = (str(n + 1), _score_text(f.fake_score), f.label, "—" if r is None else r.label,
                   "—" if f.track_id is None else str(f.track_id), box)
            rows.append(row)
            tips.append((*row[:3], detail, *row[4:]))
        _fill(self.faces_table, rows, tips)
        self._shown_table_key = (str(self._path), self._frame_index) if faces else None

    _shown_table_key: tuple[str, int] | None = None

    def face_count(self) -> int:
        return self.faces_table.rowCount()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.overlay.set_visible(self.show_boxes.isChecked())

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.overlay.set_visible(False)  # boxes belong to this tab

    # ---------------------------------------------------------------- scanning
    def scan_all(self) -> None:
        """Score every frame of the open GIF/video (background job with progress and cancel)."""
        if self._path is None or not self._multi or self._scanning:
            return
        self._scan_stop = threading.Event()
        self._set_scanning(True)
        self.scan_progress.setValue(0)
        self.status.setText("Scanning all frames…")
        stop, relay = self._scan_stop, self._relay
        self._tasks.submit(scan_file, self._path, self.model_folder, stop, relay.progress.emit,
                           title="Scanning faces", supersede="faces-scan",
                           on_success=lambda report, s=stop: self._show_scan(report, s),
                           on_error=self._on_scan_error)

    def cancel_scan(self) -> None:
        if self._scan_stop is not None:
            self._scan_stop.set()
            self._scan_stop = None
        if getattr(self, "_scanning", False):
            self.status.setText("Scan cancelled.")
        self._set_scanning(False)

    def _on_busy(self, busy: bool) -> None:
        if not busy and self._scanning:  # the status bar's Cancel stopped every job
            QtCore.QTimer.singleShot(0, self._check_scan_stopped)

    def _check_scan_stopped(self) -> None:
        if self._scanning and self._tasks.running() == 0:
            self.cancel_scan()

    def _on_scan_progress(self, fraction: float, message: str) -> None:
        if self._scanning:
            self.scan_progress.setValue(int(fraction * 100))
            self.scan_progress.setFormat(message or "%p%")

    def _on_scan_error(self, exc: BaseException, details: str) -> None:
        self._set_scanning(False)
        self._scan_stop = None
        self._on_error(exc, details)

    def _show_scan(self, report: DetectionReport, stop: threading.Event) -> None:
        if stop is not self._scan_stop:
            return  # cancelled, or another file was opened
        self._scan_stop = None
        self._set_scanning(False)
        self.scan = report
        self._scan_frames = {fr.index: fr.faces for fr in report.frames}
        series = track_series(report)
        if self._timeline is not None:
            self._timeline.set_series([(f"track {s.track_id}", s.frames, s.scores) for s in series],
                                      threshold=report.threshold)
            self._timeline.set_cursor(self._frame_index)
            self._timeline.setVisible(bool(series))
        _fill(self.tracks_table, [
            (str(t.track_id), str(len(t.frames)), f"{t.mean_score:.3f}", f"{t.median_score:.3f}",
             f"{t.max_score:.3f}", f"{t.fake_fraction:.0%}", str(t.unstable_frames), t.label)
            for t in report.tracks])
        self.aigen_label.setText(aigen_text(report.aigen))
        notes = " ".join(escape(n) for n in report.notes)
        self.status.setText(f"Scanned {len(report.frames)} frame(s): {len(report.tracks)} face track(s). {notes} "
                            "Click the timeline under the frame slider to jump to a frame.")
        self._update_enabled()
        faces = self._scan_frames.get(self._frame_index)
        if faces is not None:
            self._draw(faces)
            self._fill_faces(faces)
        self.scan_ready.emit(report)
