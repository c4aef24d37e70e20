"""The TrueLens Qt application: main window, panes, task bridge, settings and CLI."""
