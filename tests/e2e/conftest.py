"""End-to-end fixtures: the real main window (shared with the pane tests)."""

from tests.app.pane_window import window  # noqa: F401 - re-exported fixture
