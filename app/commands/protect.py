"""``truelens protect IN OUT [--strength S] [--owner TEXT --key KEY] [--c2pa] [--json]`` and
``truelens train-surrogates`` (the models the protection is optimised against)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from app.cli import EXIT_USAGE, CliError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``protect`` and ``train-surrogates`` commands."""
    parser = sub.add_parser(
        "protect", help="add adversarial protection against face-swap / face-editing pipelines",
        description="Write a protected copy of the photo IN to OUT (a new file; its suffix picks the format): an "
                    "invisible perturbation against face-swap / face-editing models and the face detectors that "
                    "harvest training faces, optionally the ownership mark and Content Credentials. Prints what "
                    "was measured on the written file and the known limits.")
    parser.add_argument("input", metavar="IN")
    parser.add_argument("output", metavar="OUT")
    parser.add_argument("--strength", type=float, default=1.0, metavar="S",
                        help="perturbation budget (0 < S ≤ 4; default 1: L∞ 6/255, 2.4/255 on flat skin, "
                             "colour changes ≤ 0.2 × that, PSNR ≥ 35 dB, SSIM ≥ 0.95)")
    parser.add_argument("--steps", type=int, default=None, metavar="N", help="optimisation steps per face")
    parser.add_argument("--owner", metavar="TEXT", help="also embed the ownership mark for this owner")
    keys = parser.add_mutually_exclusive_group()
    keys.add_argument("--key", metavar="KEY", help="secret key of the mark (prefer --key-file or --key-env)")
    keys.add_argument("--key-file", metavar="PATH", help="read the key from the first line of a file")
    keys.add_argument("--key-env", metavar="VAR", help="read the key from an environment variable")
    parser.add_argument("--c2pa", action="store_true", help="sign OUT with Content Credentials (needs --owner)")
    parser.add_argument("--target", action="append", default=[], metavar="MODEL",
                        help="also protect against your own face-manipulation model (a torch.export .pt2 file or a "
                             "TorchScript file); repeat")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT if it exists (never IN)")
    parser.add_argument("--json", action="store_true", help="print the protection report as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.set_defaults(handler=_protect)

    train = sub.add_parser("train-surrogates", help="train the surrogate face-manipulation models",
                           description="Train the surrogate swap autoencoder, editor and held-out swap models "
                                       "(minutes each, CPU or --device cuda) into OUT/<name>/ with manifests, or "
                                       "write a face pack for training on another machine.")
    train.add_argument("--data", default="../shared/data", help="shared data folder (faces/celeba-hq)")
    train.add_argument("--out", help="output folder (e.g. resources/models)")
    train.add_argument("--minutes", type=float, default=5.0, help="training time per model")
    train.add_argument("--only", action="append", default=None, metavar="NAME", help="train only this model")
    train.add_argument("--evaluate", action="store_true",
                       help="only score the models in OUT on the held-out faces (no training)")
    train.add_argument("--device", default="cpu", help="torch device to train on (e.g. cuda)")
    train.add_argument("--write-pack", metavar="DIR",
                       help="only write a face pack (training faces + landmarks) to DIR, for training elsewhere "
                            "with python -m engines.protect.train_surrogates --pack DIR")
    train.set_defaults(handler=_train)


def _key(args: argparse.Namespace) -> str | None:
    if args.key_file:
        try:
            lines = Path(args.key_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read the key file: {exc}") from None
        return lines[0] if lines else ""
    if args.key_env:
        return os.environ.get(args.key_env, "")
    return args.key


class _Progress:
    """Progress on stderr, one line per tenth (and per stage)."""

    def __init__(self, quiet: bool):
        self.quiet, self.last, self.stage = quiet, -1, ""

    def __call__(self, fraction: float, message: str) -> None:
        stage = message.split(":")[0]
        tenth = int(fraction * 10)
        if self.quiet or (tenth == self.last and stage == self.stage):
            return
        self.last, self.stage = tenth, stage
        print(f"[{100 * fraction:3.0f} %] {message}", file=sys.stderr, flush=True)


def _protect(args: argparse.Namespace) -> int:
    from engines.media import MediaError
    from engines.media.c2pa_signer import C2paSigningError
    from engines.models.manifest import WeightsError
    from engines.protect.service import DEFAULT_STEPS, protect_file

    key = _key(args)
    if not 0 < args.strength <= 4:
        raise CliError("--strength must be in (0, 4]", EXIT_USAGE)
    if args.steps is not None and not 1 <= args.steps <= 2000:
        raise CliError("--steps must be in [1, 2000]", EXIT_USAGE)
    if (args.owner is None) != (key is None):
        raise CliError("--owner and --key go together", EXIT_USAGE)
    if args.owner is not None and (not args.owner.strip() or not key):
        raise CliError("--owner and the key must not be empty", EXIT_USAGE)
    if args.c2pa and args.owner is None:
        raise CliError("--c2pa needs --owner and --key", EXIT_USAGE)
    try:
        report = protect_file(args.input, args.output, args.strength, args.owner, key, args.c2pa,
                              _Progress(args.quiet or args.json), overwrite=args.overwrite,
                              extra_targets=tuple(args.target), steps=args.steps or DEFAULT_STEPS)
    except (ValueError, MediaError, C2paSigningError, WeightsError, OSError) as exc:
        raise CliError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(f"wrote {report.output}")
        for line in report.summary_lines():
            print(line)
    return 0


def _train(args: argparse.Namespace) -> int:
    from engines.models.manifest import WeightsError
    from engines.protect.train_surrogates import RECIPES, evaluate, train_all, write_pack

    names = tuple(args.only or RECIPES)
    unknown = [n for n in names if n not in RECIPES]
    if unknown:
        raise CliError(f"unknown model {unknown[0]}; choose from {', '.join(RECIPES)}", EXIT_USAGE)
    if args.minutes <= 0:
        raise CliError("--minutes must be positive", EXIT_USAGE)
    if not args.write_pack and not args.out:
        raise CliError("give --out (or --write-pack DIR)", EXIT_USAGE)
    try:
        if args.write_pack:
            write_pack(args.data, args.write_pack)
        elif args.evaluate:
            evaluate(args.data, args.out, names)
        else:
            train_all(args.data, args.out, args.minutes, names, device=args.device)
    except (FileNotFoundError, ValueError, OSError, WeightsError) as exc:
        raise CliError(str(exc).splitlines()[0]) from None
    return 0
