"""FrameStepper: play/pause at native timing, step, jump, timeline slider, frame number and time."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets


def _format_time(seconds: float) -> str:
    minutes, secs = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes):02d}:{secs:06.3f}"


class FrameStepper(QtWidgets.QWidget):
    """Navigation for multi-frame media. Emits ``frame_changed(index)``.

    Keyboard: Space play/pause, ← / → step, Home / End jump (window-wide shortcuts).
    """

    frame_changed = QtCore.Signal(int)
    playing_changed = QtCore.Signal(bool)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._durations: tuple[float, ...] = ()
        self._starts: list[float] = []
        self._index = 0
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._advance)

        style = self.style()
        sp = QtWidgets.QStyle.StandardPixmap
        self.start_button = self._button(style.standardIcon(sp.SP_MediaSkipBackward), "Jump to start (Home)")
        self.back_button = self._button(style.standardIcon(sp.SP_MediaSeekBackward), "Previous frame (←)")
        self.play_button = self._button(style.standardIcon(sp.SP_MediaPlay), "Play / pause (Space)")
        self.next_button = self._button(style.standardIcon(sp.SP_MediaSeekForward), "Next frame (→)")
        self.end_button = self._button(style.standardIcon(sp.SP_MediaSkipForward), "Jump to end (End)")
        self._play_icon = style.standardIcon(sp.SP_MediaPlay)
        self._pause_icon = style.standardIcon(sp.SP_MediaPause)
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setObjectName("timeline")
        self.label = QtWidgets.QLabel("frame – / –")
        self.label.setMinimumWidth(200)

        self.start_button.clicked.connect(self.go_start)
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.play_button.clicked.connect(self.toggle_play)
        self.next_button.clicked.connect(lambda: self.step(1))
        self.end_button.clicked.connect(self.go_end)
        self.slider.valueChanged.connect(self._on_slider)

        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        for widget in (self.start_button, self.back_button, self.play_button, self.next_button, self.end_button):
            layout.addWidget(widget)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self._shortcuts = []
        for key, slot in (
            (QtCore.Qt.Key.Key_Space, self.toggle_play),
            (QtCore.Qt.Key.Key_Left, lambda: self.step(-1)),
            (QtCore.Qt.Key.Key_Right, lambda: self.step(1)),
            (QtCore.Qt.Key.Key_Home, self.go_start),
            (QtCore.Qt.Key.Key_End, self.go_end),
        ):
            shortcut = QtGui.QShortcut(QtGui.QKeySequence(key), self)
            shortcut.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            self._shortcuts.append(shortcut)
        self.set_durations(())

    def _button(self, icon: QtGui.QIcon, tip: str) -> QtWidgets.QToolButton:
        button = QtWidgets.QToolButton()
        button.setIcon(icon)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        return button

    # ------------------------------------------------------------------ state
    def set_durations(self, durations: Sequence[float]) -> None:
        """Configure for a media with these per-frame durations (seconds); empty = single still."""
        self.pause()
        self._durations = tuple(float(d) for d in durations) or (0.0,)
        self._starts = []
        total = 0.0
        for d in self._durations:
            self._starts.append(total)
            total += d
        with QtCore.QSignalBlocker(self.slider):
            self.slider.setRange(0, len(self._durations) - 1)
            self.slider.setValue(0)
        self._index = 0
        enabled = len(self._durations) > 1
        for widget in (self.start_button, self.back_button, self.play_button, self.next_button,
                       self.end_button, self.slider):
            widget.setEnabled(enabled)
        for shortcut in self._shortcuts:
            shortcut.setEnabled(enabled)
        self._update_label()

    @property
    def frame_count(self) -> int:
        return len(self._durations)

    @property
    def index(self) -> int:
        return self._index

    def is_playing(self) -> bool:
        return self._timer.isActive() or getattr(self, "_playing", False)

    def timestamp(self, index: int | None = None) -> float:
        return self._starts[self._index if index is None else index]

    # ------------------------------------------------------------- navigation
    def set_index(self, index: int) -> None:
        """Go to frame ``index`` (clamped); emits ``frame_changed`` when it changes."""
        index = max(0, min(self.frame_count - 1, int(index)))
        if index == self._index:
            return
        self._index = index
        with QtCore.QSignalBlocker(self.slider):
            self.slider.setValue(index)
        self._update_label()
        self.frame_changed.emit(index)

    def step(self, delta: int) -> None:
        self.pause()
        self.set_index(self._index + delta)

    def go_start(self) -> None:
        self.pause()
        self.set_index(0)

    def go_end(self) -> None:
        self.pause()
        self.set_index(self.frame_count - 1)

    def _on_slider(self, value: int) -> None:
        self.set_index(value)

    # --------------------------------------------------------------- playback
    def play(self) -> None:
        if self.frame_count <= 1 or getattr(self, "_playing", False):
            return
        self._playing = True
        self.play_button.setIcon(self._pause_icon)
        self._schedule()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if not getattr(self, "_playing", False):
            return
        self._playing = False
        self._timer.stop()
        self.play_button.setIcon(self._play_icon)
        self.playing_changed.emit(False)

    def toggle_play(self) -> None:
        if getattr(self, "_playing", False):
            self.pause()
        else:
            self.play()

    def _schedule(self) -> None:
        self._timer.start(max(1, round(self._durations[self._index] * 1000)))

    def _advance(self) -> None:
        if not getattr(self, "_playing", False):
            return
        nxt = self._index + 1 if self._index + 1 < self.frame_count else 0
        self.set_index(nxt)
        self._schedule()

    def _update_label(self) -> None:
        n = self.frame_count
        if n <= 1:
            self.label.setText("still image")
            return
        self.label.setText(f"frame {self._index + 1} / {n}   {_format_time(self._starts[self._index])}")
