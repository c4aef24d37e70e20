"""Headless sub-commands, one module each (see app/cli.py)."""
