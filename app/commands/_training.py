"""Shared tail of the training commands: a log tee into OUT/train.log and one-line errors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.cli import CliError


def run_training(train: Callable[[Any, Callable[[str], None]], Path], config: Any, out: str) -> int:
    """Run ``train(config, log)``, echoing every log line to stdout and ``OUT/train.log``."""
    from engines.models.manifest import WeightsError

    Path(out).mkdir(parents=True, exist_ok=True)
    log_path = Path(out) / "train.log"

    def log(line: str) -> None:
        print(line, flush=True)
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    try:
        folder = train(config, log)
    except (FileExistsError, FileNotFoundError, WeightsError) as exc:
        raise CliError(str(exc)) from None
    print(f"model written to {folder}", file=sys.stderr)
    return 0
