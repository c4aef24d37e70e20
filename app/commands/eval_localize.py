"""``truelens eval localize --pairs DIR [--json] [--baseline] [--model DIR]`` (parser in ``evaluate.py``)."""

from __future__ import annotations

import argparse
import json
import sys

from app.cli import EXIT_USAGE, CliError


def register(sub: argparse._SubParsersAction) -> None:
    """Nothing to add: ``eval`` (with its ``localize`` kind) is registered by ``app.commands.evaluate``."""


def run_localize(args: argparse.Namespace) -> int:
    """Score the learned localizer (and, with --baseline, the classical map tools) on a pairs folder."""
    from engines.localize.evaluate import evaluate_localizer, format_report
    from engines.models.manifest import WeightsError

    if args.tools:
        raise CliError("--tool is for 'eval analyze'; 'eval localize' uses --baseline", EXIT_USAGE)
    try:
        report = evaluate_localizer(args.pairs, baseline=args.baseline, model_dir=args.model)
    except (FileNotFoundError, ValueError, WeightsError) as exc:
        raise CliError(str(exc)) from None
    learned = report["learned"]
    if args.json:
        json.dump(report, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print(format_report(report))
    if learned["errors"] and learned["pixel_auc"] is None and learned["image_auc"] is None:
        raise CliError(f"the learned localizer failed on every image: {learned['errors'][0]}")
    return 0
