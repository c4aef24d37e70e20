"""``truelens train-aigen --data DIR --out DIR``: fit the AI-generated-image probe and print its
cross-validated AUC for each feature set."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import EXIT_USAGE, CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train-aigen", help="fit the AI-generated-image probe (research data)",
                       description="Fit the linear probe behind the AI-generated score on DATA/aigen and report "
                                   "repeated 5-fold cross-validated AUC.")
    p.add_argument("--data", default="../shared/data", help="shared data folder (default ../shared/data)")
    p.add_argument("--out", required=True, metavar="DIR", help="the probe folder is written here")
    p.add_argument("--l2", type=float, default=1.0, help="L2 penalty of the final probe (default 1.0)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from engines.detect.aigen_probe import train_aigen
    from engines.models.manifest import WeightsError

    if args.l2 <= 0:
        raise CliError("--l2 must be > 0", EXIT_USAGE)
    if not (Path(args.data) / "aigen" / "ml72").is_dir():
        raise CliError(f"no aigen/ml72 folder under {args.data}", EXIT_USAGE)
    try:
        train_aigen(args.data, args.out, args.l2)
    except (FileNotFoundError, ValueError, WeightsError) as exc:
        raise CliError(str(exc)) from None
    print(f"probe written to {Path(args.out) / 'aigen_probe'}", file=sys.stderr)
    return 0
