"""Reusable Qt widgets; they take numpy arrays and plain data, never engines."""
