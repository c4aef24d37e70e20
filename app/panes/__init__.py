"""One pane per user task."""
