"""``truelens eval KIND --pairs DIR``: evaluate on a folder of images with ``<stem>_gt.png`` masks
(images without a mask count as authentic). KIND ``localize`` scores the learned localizer (with
``--baseline`` the classical map tools too); ``analyze`` scores chosen forensic analyses."""

from __future__ import annotations

import argparse
import json
import sys

from app.cli import EXIT_USAGE, CliError

KINDS = ("localize", "analyze")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="score the localizer or analyses on images with ground-truth masks",
                       description=__doc__)
    p.add_argument("kind", choices=KINDS, help="localize: learned localizer; analyze: forensic analyses")
    p.add_argument("--pairs", required=True, metavar="DIR", help="folder of images and <stem>_gt.png masks")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--baseline", action="store_true", help="localize: also run the classical map tools")
    p.add_argument("--model", metavar="DIR", help="localize: a model folder (manifest.json) instead of the shipped one")
    p.add_argument("--tool", action="append", dest="tools", metavar="ID",
                   help="analyze: analysis id (repeatable; default every map/mask tool)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.kind == "localize":
        from app.commands.eval_localize import run_localize

        return run_localize(args)
    if args.baseline or args.model:
        raise CliError("--baseline and --model are for 'eval localize'", EXIT_USAGE)
    return _run_analyze(args)


def _run_analyze(args: argparse.Namespace) -> int:
    try:
        from engines.evaluation.analyze_eval import describe_folder, evaluate_analyses, format_table
    except ImportError as exc:
        raise CliError(f"'eval analyze' is not available in this build ({exc})") from None
    from engines.forensics import get_analysis

    for tool in args.tools or []:
        try:
            get_analysis(tool)
        except KeyError as exc:
            raise CliError(str(exc).strip("'\""), EXIT_USAGE) from None
    try:
        results = evaluate_analyses(args.pairs, args.tools)
        header = describe_folder(args.pairs)
    except (FileNotFoundError, ValueError) as exc:
        raise CliError(str(exc)) from None
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(header + "\n\n" + format_table(results))
    return 0
