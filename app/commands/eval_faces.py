"""``truelens eval-faces --model DIR [--data DIR] [--out DIR] [--json]``: evaluate a face-forgery model on
cross-identity face swaps and real faces of identities its training never saw."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.cli import EXIT_USAGE, CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval-faces", help="evaluate a face model on held-out face swaps (research data)",
                       description="Score held-out cross-identity face swaps, self-blends and real faces, plus "
                                   "DATA/deepfake; print AUC and accuracy.")
    p.add_argument("--model", metavar="DIR", help="model folder with manifest.json (default: the shipped one)")
    p.add_argument("--data", default="../shared/data", help="shared data folder (default ../shared/data)")
    p.add_argument("--out", default="eval_faces_out", metavar="DIR", help="face cache and eval.json (default "
                   "eval_faces_out)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from engines.facetrain.evaluate import evaluate
    from engines.models.manifest import WeightsError, shipped_model_dir

    if not (Path(args.data) / "faces").is_dir():
        raise CliError(f"no faces folder under {args.data}", EXIT_USAGE)
    try:
        result = evaluate(args.model or shipped_model_dir("face_dpnet"), args.data, args.out, log=lambda s: None)
    except (FileNotFoundError, WeightsError, ValueError) as exc:
        raise CliError(str(exc)) from None
    print(json.dumps(result, indent=2))
    return 0
