"""Command-line interface. ``truelens [FILE]`` opens the GUI; sub-commands run headless.

Each sub-command lives in ``app/commands/<name>.py`` and exposes ``register(subparsers)``,
which adds its parser and sets ``handler=<function(args) -> int>``. Handlers print a
one-line reason to stderr and return a non-zero code on bad input; they never raise.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code ``code``."""

    def __init__(self, message: str, code: int = EXIT_ERROR):
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="truelens",
        description="TrueLens offline forensic workbench. Without a sub-command, opens the GUI.",
    )
    parser.add_argument("--device", choices=["auto", "cuda", "mps", "cpu"], default=None,
                        help="compute device (default: TRUELENS_DEVICE or auto)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = sub.add_parser("gui", help="open the desktop application (default)")
    gui.add_argument("paths", nargs="*", help="files to open")
    gui.add_argument("--sample", action="store_true", help="open the bundled sample with an analysis shown")
    gui.add_argument("--screenshot", metavar="PNG", help=argparse.SUPPRESS)
    gui.add_argument("--quit-after", type=float, default=None, help=argparse.SUPPRESS)
    gui.set_defaults(handler=_run_gui)
    import app.commands as commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"app.commands.{info.name}").register(sub)
    return parser


def _run_gui(args: argparse.Namespace) -> int:
    from app.gui import run_gui

    return run_gui(args)


def _normalise(argv: list[str], commands: set[str]) -> list[str]:
    """Insert the implicit ``gui`` command (``truelens photo.jpg`` means ``truelens gui photo.jpg``) and
    accept the spaced form of the hyphenated commands (``truelens train faces`` = ``truelens train-faces``)."""
    head: list[str] = []
    rest = list(argv)
    while rest[:1] == ["--device"] and len(rest) >= 2:
        head += rest[:2]
        rest = rest[2:]
    if len(rest) >= 2 and f"{rest[0]}-{rest[1]}" in commands:
        rest = [f"{rest[0]}-{rest[1]}", *rest[2:]]
    if not rest or (rest[0] not in commands and rest[0] not in ("-h", "--help")):
        rest = ["gui", *rest]
    return head + rest


def run(argv: list[str]) -> int:
    """Parse ``argv`` and dispatch; all errors become a one-line message and an exit code."""
    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    args = parser.parse_args(_normalise(argv, commands))
    if args.device:
        import os

        os.environ["TRUELENS_DEVICE"] = args.device
    try:
        return int(args.handler(args) or 0)
    except CliError as exc:
        print(f"truelens: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("truelens: interrupted", file=sys.stderr)
        return 130
