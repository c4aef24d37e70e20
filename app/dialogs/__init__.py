"""Dialogs of the main window (case creation, bookmarking, report export)."""
