"""``truelens train-faces --data DIR --out DIR [--resume] [--minutes N]``: train the face-forgery classifier.

A separate command because ``truelens train`` (``app/commands/train.py``) is owned by the localizer and
its handler serves only that kind; ``train_faces.handle`` is written so that ``train faces`` can
dispatch to it unchanged.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli import EXIT_USAGE, CliError
from app.commands._training import run_training

ARCHITECTURES = ("face_dpnet", "face_amten", "face_gocnet", "face_grnet")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train-faces", help="train the face-forgery classifier on self-blended pseudo-fakes",
                       description="Train a face-forgery classifier on self-blended pseudo-fakes made from the "
                                   "real faces under DATA/faces (held-out identities are never used).")
    add_arguments(p)
    p.set_defaults(handler=handle)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", default="../shared/data", help="shared data folder (default ../shared/data)")
    p.add_argument("--out", required=True, metavar="DIR", help="checkpoints, log and the exported model go here")
    p.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint.pt")
    p.add_argument("--minutes", type=float, default=25.0, help="training time budget in minutes (default 25)")
    p.add_argument("--batch", type=int, default=16, help="batch size, half real half fake (default 16)")
    p.add_argument("--size", type=int, default=128, help="face crop size in pixels (default 128)")
    p.add_argument("--architecture", choices=ARCHITECTURES, default="face_dpnet", help="model (default face_dpnet)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--seed", type=int, default=0, help="data and initialisation seed (default 0)")
    p.add_argument("--crop-augment", type=float, default=1.0, metavar="S",
                   help="strength of the blur/resize/JPEG augmentation of aligned crops, 0 = off (default 1)")


def handle(args: argparse.Namespace) -> int:
    from engines.facetrain.train import FaceTrainConfig, train

    bad_shape = args.batch < 2 or args.batch % 2 or args.size < 64 or args.size % 32
    if args.minutes <= 0 or bad_shape or args.threads < 1 or not 0 <= args.crop_augment <= 2:
        raise CliError("--minutes must be > 0, --batch even ≥ 2, --size a multiple of 32 ≥ 64, --threads ≥ 1, "
                       "--crop-augment in [0, 2]",
                       EXIT_USAGE)
    if not (Path(args.data) / "faces").is_dir():
        raise CliError(f"no faces folder under {args.data} (expected DATA/faces/celeba-hq etc.)", EXIT_USAGE)
    cfg = FaceTrainConfig(data=args.data, out=args.out, architecture=args.architecture, minutes=args.minutes,
                          batch=args.batch, size=args.size, seed=args.seed, threads=args.threads, resume=args.resume,
                          crop_augment=args.crop_augment)
    return run_training(train, cfg, args.out)
