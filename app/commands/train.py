"""``truelens train localize --data DIR --out DIR [--resume] [--minutes N]``: train a learned model."""

from __future__ import annotations

import argparse

from app.cli import EXIT_USAGE, CliError
from app.commands._training import run_training

KINDS = ("localize",)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a learned model on generated data (research data, CPU or CUDA)",
                       description="Train the manipulation localizer on synthetic forgeries made from BSDS500.")
    p.add_argument("kind", choices=KINDS, help="what to train")
    p.add_argument("--data", default="../shared/data", help="shared data folder (default ../shared/data)")
    p.add_argument("--out", required=True, metavar="DIR", help="checkpoints, logs and the exported model go here")
    p.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint.pt")
    p.add_argument("--minutes", type=float, default=60.0, help="training time budget in minutes (default 60)")
    p.add_argument("--batch", type=int, default=8, help="batch size (default 8)")
    p.add_argument("--crop", type=int, default=256, help="training crop size in pixels (default 256)")
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (default 1e-3)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--seed", type=int, default=0, help="data and initialisation seed (default 0)")
    p.add_argument("--arch", default="localizer_mnv2_ela", choices=("localizer_mnv2", "localizer_mnv2_ela"),
                   help="architecture (default localizer_mnv2_ela; localizer_mnv2 has no JPEG error-level inputs)")
    p.add_argument("--mix", type=int, choices=(1, 2), default=1,
                   help="forgery-kind mix: 1 original, 2 adds large-region (background) replacement (default 1)")
    p.add_argument("--init", metavar="MODEL", help="warm start from a model folder (manifest.json) or a state dict")
    p.add_argument("--validate-every", type=float, default=10.0, metavar="MIN",
                   help="minutes between held-out validations (default 10)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from engines.localize.pools import bsds_root
    from engines.localize.train import TrainConfig, train

    if args.minutes <= 0 or args.lr <= 0 or args.batch < 1 or args.crop < 64 or args.crop % 16 or args.threads < 1:
        raise CliError("--minutes and --lr must be > 0, --batch ≥ 1, --crop a multiple of 16 ≥ 64, --threads ≥ 1",
                       EXIT_USAGE)
    if not (bsds_root(args.data) / "images").is_dir():
        raise CliError(f"BSDS500 not found under {args.data} (expected natural/bsds500/images)", EXIT_USAGE)
    cfg = TrainConfig(data=args.data, out=args.out, minutes=args.minutes, lr=args.lr, batch=args.batch, crop=args.crop,
                      threads=args.threads, seed=args.seed, resume=args.resume, init=args.init,
                      mix=args.mix, architecture=args.arch,
                      validate_every_s=args.validate_every * 60.0)
    return run_training(train, cfg, args.out)
