"""Analyze pane: tool tree with search, parameter form, results as overlays, plots and tables."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
from PySide6 import QtCore, QtWidgets

from app.panes.overlay_controls import OverlayControls
from app.tasks import TaskBridge
from engines.findings import Finding
from engines.forensics import Subject, get_analysis, list_analyses, run_analysis
from engines.render import heatmap_rgb
from engines.runtime import make_key
from widgets.colormaps import to_levels
from widgets.data_tree import DataTree
from widgets.image_canvas import ImageCanvas
from widgets.key_value_table import KeyValueTable
from widgets.param_form import ParamForm
from widgets.plot_panel import PlotPanel

DEBOUNCE_MS = 200


@dataclasses.dataclass(frozen=True)
class DisplayResult:
    """A finding plus its overlays already fitted to the frame and converted for display (worker-side)."""

    finding: Finding
    heat: np.ndarray | None  # uint8 levels (H, W) or RGB (H, W, 3), aligned with the frame
    mask: np.ndarray | None
    aux: np.ndarray | None = None  # an RGB picture not aligned with the frame (spectrum, thumbnail)
    aux_title: str = ""
    extra_maps: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)  # name → uint8 levels


def _aux_picture(finding: Finding) -> tuple[np.ndarray | None, str]:
    """Pictures that belong beside the frame rather than over it."""
    details = finding.details if isinstance(finding.details, dict) else {}
    if details.get("heatmap_is_spectrum") and finding.heatmap is not None:
        return heatmap_rgb(finding.heatmap), "Frequency spectrum (centre = low frequencies)"
    thumb = details.get("thumbnail_jpeg_base64")
    if thumb:
        import base64

        import cv2

        raw = np.frombuffer(base64.b64decode(thumb), np.uint8)
        decoded = cv2.imdecode(raw, cv2.IMREAD_COLOR)
        if decoded is not None:
            return decoded[:, :, ::-1].copy(), "Embedded EXIF thumbnail"
    return None, ""


def run_tool(ctx, analysis_id: str, subject: Subject, params: dict[str, Any]) -> DisplayResult:
    """Engine job: run one analysis and prepare its overlays off the GUI thread."""
    finding = run_analysis(analysis_id, subject, params, ctx)
    shape = subject.image.shape[:2]
    aux, aux_title = _aux_picture(finding)
    heat = None
    if finding.heatmap is not None and not finding.details.get("heatmap_is_spectrum"):
        heat = fit_to(finding.heatmap, shape)
        heat = heat.astype(np.uint8) if heat.ndim == 3 else to_levels(heat)
    mask = None if finding.mask is None else fit_to(finding.mask.astype(bool), shape)
    return DisplayResult(finding, heat, mask, aux, aux_title, _extra_maps(finding, shape))


def _extra_maps(finding: Finding, shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Further float maps a finding names in ``details["map_layers"]`` ({title: details key}), as levels."""
    details = finding.details if isinstance(finding.details, dict) else {}
    maps = {}
    for title, key in (details.get("map_layers") or {}).items():
        value = details.get(key)
        if isinstance(value, np.ndarray) and value.ndim == 2:
            maps[title] = to_levels(fit_to(np.clip(value, 0.0, 1.0).astype(np.float32), shape))
    return maps


def fit_to(array: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of a map to the image's (H, W) when an engine returned another size."""
    if array.shape[:2] == shape:
        return array
    rows = (np.arange(shape[0]) * array.shape[0] // shape[0]).clip(0, array.shape[0] - 1)
    cols = (np.arange(shape[1]) * array.shape[1] // shape[1]).clip(0, array.shape[1] - 1)
    return array[rows][:, cols]


class AnalyzePane(QtWidgets.QWidget):
    """Pick an analysis, tune it, see its map on the canvas. Re-runs (debounced) on every change."""

    finding_ready = QtCore.Signal(object)
    bookmark_requested = QtCore.Signal(object, object, str)  # finding, the Subject it ran on, file SHA-256 (issue 4)

    def __init__(self, canvas: ImageCanvas, tasks: TaskBridge, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._canvas = canvas
        self._tasks = tasks
        self._subject: Subject | None = None
        self._sha = ""
        self._tool_id: str | None = None
        self.last_finding: Finding | None = None
        self.run_count = 0

        self.search = QtWidgets.QLineEdit()
        self.search.setPlaceholderText("Search tools…")
        self.search.setClearButtonEnabled(True)
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setObjectName("toolTree")
        self.how_to_read = QtWidgets.QLabel()
        self.how_to_read.setWordWrap(True)
        self.how_to_read.setObjectName("howToRead")
        self.form = ParamForm()
        self.overlay = OverlayControls(canvas)
        self.summary = QtWidgets.QLabel("Choose a tool.")
        self.summary.setWordWrap(True)
        self.summary.setObjectName("findingSummary")
        self.summary.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        # --- issue 4: bookmark the shown finding into the open case ---
        self.bookmark_button = QtWidgets.QPushButton("Bookmark")
        self.bookmark_button.setObjectName("bookmarkButton")
        self.bookmark_button.setToolTip("Keep this finding, its parameters and map in the open case (Ctrl+B)")
        self.bookmark_button.setEnabled(False)
        self.bookmark_button.clicked.connect(self.request_bookmark)
        self._shown: tuple[Subject, str] | None = None  # subject and file SHA-256 of the finding on screen
        # --- end issue 4 ---
        self.table = KeyValueTable()
        self.plot = PlotPanel()
        self.plot.setMinimumHeight(160)
        self.details_tree = DataTree()
        self.details_tree.setVisible(False)
        self.aux_title = QtWidgets.QLabel()
        self.aux_view = ImageCanvas()
        self.aux_view.setMinimumHeight(200)
        self.aux_view.setObjectName("auxView")
        for w in (self.aux_title, self.aux_view):
            w.setVisible(False)

        self._populated = False
        QtCore.QTimer.singleShot(0, self._ensure_populated)  # after the window is shown: imports the tools
        self.search.textChanged.connect(self._filter_tree)
        self.tree.currentItemChanged.connect(self._on_tool_selected)
        self._debounce = QtCore.QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.run_now)
        self.form.values_changed.connect(lambda _v: self._debounce.start())

        tools = QtWidgets.QWidget()
        tl = QtWidgets.QVBoxLayout(tools)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.search)
        tl.addWidget(self.tree, 1)
        settings_body = QtWidgets.QWidget()
        sl = QtWidgets.QVBoxLayout(settings_body)
        sl.setContentsMargins(0, 0, 4, 0)
        sl.addWidget(self.how_to_read)
        sl.addWidget(self.form)
        sl.addWidget(self.overlay)
        sl.addStretch(1)
        settings = QtWidgets.QScrollArea()
        settings.setWidgetResizable(True)
        settings.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        settings.setWidget(settings_body)
        results = QtWidgets.QWidget()
        rl = QtWidgets.QVBoxLayout(results)
        rl.setContentsMargins(0, 0, 0, 0)
        summary_row = QtWidgets.QHBoxLayout()  # issue 4: summary with the Bookmark button beside it
        summary_row.addWidget(self.summary, 1)
        summary_row.addWidget(self.bookmark_button, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        rl.addLayout(summary_row)
        rl.addWidget(self.table, 1)
        rl.addWidget(self.details_tree, 2)
        rl.addWidget(self.aux_title)
        rl.addWidget(self.aux_view, 2)
        rl.addWidget(self.plot, 1)
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        for w in (tools, settings, results):
            split.addWidget(w)
        split.setSizes([200, 360, 260])
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split)

    # ------------------------------------------------------------------ tools
    def _ensure_populated(self) -> None:
        if not self._populated:
            self._populated = True
            self._populate_tree()

    def _populate_tree(self) -> None:
        self.tree.clear()
        groups: dict[str, QtWidgets.QTreeWidgetItem] = {}
        for analysis in list_analyses():
            parent = groups.get(analysis.group)
            if parent is None:
                parent = QtWidgets.QTreeWidgetItem([analysis.group])
                parent.setFlags(QtCore.Qt.ItemFlag.ItemIsEnabled)
                self.tree.addTopLevelItem(parent)
                groups[analysis.group] = parent
            item = QtWidgets.QTreeWidgetItem([analysis.title])
            item.setData(0, QtCore.Qt.ItemDataRole.UserRole, analysis.id)
            item.setToolTip(0, analysis.how_to_read)
            parent.addChild(item)
        self.tree.expandAll()

    def _filter_tree(self, text: str) -> None:
        needle = text.strip().lower()
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            visible = 0
            for c in range(group.childCount()):
                item = group.child(c)
                tool_id = item.data(0, QtCore.Qt.ItemDataRole.UserRole)
                haystack = f"{item.text(0)} {tool_id} {group.text(0)}".lower()
                match = not needle or needle in haystack
                item.setHidden(not match)
                visible += match
            group.setHidden(visible == 0)

    def tool_ids(self, visible_only: bool = False) -> list[str]:
        self._ensure_populated()
        out = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            for c in range(group.childCount()):
                item = group.child(c)
                if not (visible_only and (item.isHidden() or group.isHidden())):
                    out.append(item.data(0, QtCore.Qt.ItemDataRole.UserRole))
        return out

    def select_tool(self, tool_id: str) -> None:
        """Select a tool by id (runs it on the current frame)."""
        self._ensure_populated()
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            for c in range(group.childCount()):
                if group.child(c).data(0, QtCore.Qt.ItemDataRole.UserRole) == tool_id:
                    self.tree.setCurrentItem(group.child(c))
                    return
        raise KeyError(tool_id)

    def _on_tool_selected(self, item: QtWidgets.QTreeWidgetItem | None, _prev: object) -> None:
        tool_id = item.data(0, QtCore.Qt.ItemDataRole.UserRole) if item else None
        if not tool_id:
            return
        analysis = get_analysis(tool_id)
        self._tool_id = tool_id
        self.how_to_read.setText(f"<b>{analysis.title}</b><br>{analysis.how_to_read}")
        self.form.set_schema(analysis.params)
        self.run_now()

    @property
    def tool_id(self) -> str | None:
        return self._tool_id

    # ---------------------------------------------------------------- subject
    def set_frame(self, image: np.ndarray, path: Path | None, frame_index: int, sha256: str, fmt: str | None) -> None:
        """The image the tools work on (the current frame of the open media)."""
        self._subject = Subject(image=image, path=path, frame_index=frame_index, format=fmt)
        self._sha = sha256
        if self._tool_id:
            self.bookmark_button.setEnabled(False)  # issue 4: the shown finding is for another frame now
            self._debounce.start()

    # -------------------------------------------------------------------- run
    def run_now(self) -> None:
        """Run the selected tool on the current frame (supersedes a running one)."""
        self._debounce.stop()
        if not self._tool_id or self._subject is None:
            return
        params = self.form.values()
        key = make_key(f"{self._sha}:{self._subject.frame_index}", self._tool_id, params)
        self.summary.setText("Running…")
        self.bookmark_button.setEnabled(False)  # issue 4
        self.run_count += 1
        analysis = get_analysis(self._tool_id)
        self._tasks.submit(
            run_tool, self._tool_id, self._subject, params, title=analysis.title,
            supersede="analyze", cache_key=key, on_success=self._show, on_error=self._on_error,
        )

    def _on_error(self, exc: BaseException, details: str) -> None:
        self.summary.setText(f"<span style='color:#e66'>Failed: {exc}</span>")

    def _show(self, result: DisplayResult) -> None:
        if self._subject is None or self._tool_id is None:  # issue 4: no tool = another pane owns the overlay
            return
        finding = result.finding
        self.last_finding = finding
        self._shown = (self._subject, self._sha)  # issue 4
        self.bookmark_button.setEnabled(True)  # issue 4
        self.summary.setText(finding.summary)
        self.overlay.show_maps({"Heatmap": result.heat, **result.extra_maps})
        self._canvas.set_mask(result.mask)
        self.table.set_rows(finding.table)
        self.table.setVisible(bool(finding.table))
        self.plot.set_curves([(p.title, p.x, p.y, p.x_label, p.y_label) for p in finding.plots])
        self.plot.setVisible(bool(finding.plots))
        tree = finding.details.get("tree") if isinstance(finding.details, dict) else None
        self.details_tree.setVisible(bool(tree))
        self.details_tree.set_nodes(tree or [])
        self.aux_title.setText(result.aux_title)
        for w in (self.aux_title, self.aux_view):
            w.setVisible(result.aux is not None)
        if result.aux is not None:
            self.aux_view.set_image(result.aux)
        self.finding_ready.emit(finding)

    # ------------------------------------------------------------ issue 4: cases
    def request_bookmark(self) -> bool:
        """Ask for the finding on screen to be bookmarked (``bookmark_requested``); False when there is none."""
        if self.last_finding is None or self._shown is None or not self.bookmark_button.isEnabled():
            return False
        subject, sha256 = self._shown
        self.bookmark_requested.emit(self.last_finding, subject, sha256)
        return True

    def clear_tool(self) -> None:
        """Deselect the tool so nothing re-runs over a map another pane shows (a stored finding)."""
        self._debounce.stop()
        self._tool_id = None
        self._shown = None
        self.bookmark_button.setEnabled(False)
        with QtCore.QSignalBlocker(self.tree):
            self.tree.setCurrentItem(None)
            self.tree.clearSelection()
        self.summary.setText("Choose a tool.")
