"""``truelens watermark embed IN OUT --owner TEXT --key KEY [--faces]`` and ``truelens watermark verify FILE --key KEY``
(with a per-face report: which face, whose, altered where)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from app.cli import EXIT_USAGE, CliError

EXIT_NOT_FOUND = 3


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``watermark`` command with its ``embed`` and ``verify`` actions."""
    parser = sub.add_parser("watermark", help="embed or verify an invisible ownership watermark",
                            description="Invisible, keyed ownership watermarks for images, GIFs and videos.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    emb = actions.add_parser("embed", help="write a marked copy of a file",
                             description="Write a marked copy of IN to OUT (a new file; its suffix picks the format).")
    emb.add_argument("input", metavar="IN")
    emb.add_argument("output", metavar="OUT")
    emb.add_argument("--owner", required=True, metavar="TEXT", help="owner name or ID carried by the mark")
    _key_options(emb)
    emb.add_argument("--strength", type=float, default=1.0, metavar="X",
                     help="mark amplitude relative to the default (0 < X ≤ 10; default 1)")
    emb.add_argument("--c2pa", action="store_true", help="also sign OUT with Content Credentials naming the mark")
    emb.add_argument("--tamper-layer", action="store_true",
                     help="add the semi-fragile layer: sharper tamper maps in busy regions (mark 5 %% weaker)")
    emb.add_argument("--faces", action="store_true",
                     help="also give every face its own mark (owner + landmarks) so verify can say which face was "
                          "altered, where, and whose it is (stills only)")
    emb.add_argument("--face-owner", action="append", metavar="TEXT", default=[],
                     help="owner of the next face from the left (repeat; the rest get --owner); implies --faces")
    emb.add_argument("--overwrite", action="store_true", help="replace OUT if it exists (never IN)")
    emb.add_argument("--json", action="store_true", help="print the result as JSON")
    emb.set_defaults(handler=_embed)
    ver = actions.add_parser("verify", help="look for an ownership watermark",
                             description="Look for a mark made with KEY. Exit status 0: found; 3: no watermark.")
    ver.add_argument("file", metavar="FILE")
    _key_options(ver, repeat=True)
    ver.add_argument("--map", metavar="PNG", help="write the tamper map (red: changed after marking; blue: unknown)")
    ver.add_argument("--json", action="store_true", help="print the result as JSON")
    ver.set_defaults(handler=_verify)


def _key_options(parser: argparse.ArgumentParser, repeat: bool = False) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    if repeat:
        group.add_argument("--key", metavar="KEY", action="append",
                           help="secret key; repeat to check several marks (prefer --key-file or --key-env)")
    else:
        group.add_argument("--key", metavar="KEY", help="secret key (prefer --key-file or --key-env: argv is visible)")
    group.add_argument("--key-file", metavar="PATH", help="read the secret key from the first line of a file")
    group.add_argument("--key-env", metavar="VAR", help="read the secret key from an environment variable")


def _keys(args: argparse.Namespace) -> list[str]:
    if isinstance(args.key, list):
        if any(not k for k in args.key):
            raise CliError("the key is empty", EXIT_USAGE)
        return args.key
    return [_key(args)]


def _key(args: argparse.Namespace) -> str:
    if args.key_file:
        try:
            key = Path(args.key_file).read_text(encoding="utf-8").splitlines()[0:1]
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read the key file: {exc}") from None
        key = key[0] if key else ""
    elif args.key_env:
        key = os.environ.get(args.key_env, "")
    else:
        key = args.key
    if not key:
        raise CliError("the key is empty", EXIT_USAGE)
    return key


def _embed(args: argparse.Namespace) -> int:
    from engines.media import MediaError
    from engines.media.c2pa_signer import C2paSigningError
    from engines.watermark import embed_file

    if not args.owner.strip():
        raise CliError("--owner must not be empty", EXIT_USAGE)
    if not 0 < args.strength <= 10:
        raise CliError("--strength must be in (0, 10]", EXIT_USAGE)
    if any(not name.strip() for name in args.face_owner):
        raise CliError("--face-owner must not be empty", EXIT_USAGE)
    try:
        result = embed_file(args.input, args.output, args.owner, _key(args), strength=args.strength,
                            c2pa=args.c2pa, overwrite=args.overwrite, fragile=args.tamper_layer,
                            faces=args.faces or bool(args.face_owner), face_owners=args.face_owner)
    except (ValueError, MediaError, C2paSigningError, OSError) as exc:
        raise CliError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print(f"wrote {result.output} ({result.frames} frame{'s' if result.frames != 1 else ''}, "
              f"{result.seconds:.2f} s)")
        print(f"watermark ID {result.payload.watermark_id}  owner ID {result.payload.owner_hex}  "
              f"time {result.payload.timestamp:%Y-%m-%d %H:%M} UTC")
        print(f"PSNR {result.psnr:.2f} dB  SSIM {result.ssim:.4f}")
        if result.faces is not None:
            print(f"face marks: {result.faces} face{'s' if result.faces != 1 else ''} marked"
                  + ("" if result.faces else " (no face large enough found)"))
        if result.signed:
            print("signed with Content Credentials (assertion org.truelens.watermark)")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from engines.media import MediaError
    from engines.watermark import verify_file

    keys = _keys(args)
    results = []
    try:
        for i, key in enumerate(keys):
            results.append(verify_file(args.file, key, check_credentials=i == 0))
    except (ValueError, MediaError, OSError) as exc:
        raise CliError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    found = [r for r in results if r.found]
    if args.map:
        _write_map(args.map, found[0] if found else None)
    records = [r.as_dict() for r in results]
    if args.json:
        print(json.dumps(records[0] if len(records) == 1 else records, indent=2))
    else:
        for i, data in enumerate(records):
            if len(records) > 1:
                print(f"key {i + 1}:")
            _print_verify(data)
    return 0 if found else EXIT_NOT_FOUND


def _write_map(path: str, result) -> None:
    from engines.render import save_png
    from engines.watermark.tamper import overlay

    if result is None or result.tamper is None or result.tamper_frame is None:
        raise CliError("no tamper map: no watermark was found under the given key(s)")
    try:
        save_png(path, overlay(result.tamper_frame, result.tamper))
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None


def _print_verify(data: dict) -> None:
    if data["found"]:
        owner = data["owner"] or "(not registered on this machine)"
        print(f"watermark found: ID {data['watermark_id']}")
        print(f"owner {owner}  owner ID {data['owner_id']}  time {data['timestamp']}")
        print(f"confidence: bit agreement {data['bit_agreement']:.3f} ({data['corrected_bits']} corrected), "
              f"pilot z {data['pilot_z']:.1f}, scale {data['scale']:.3f}, rotation {data['rotation_deg']:.1f}°, "
              f"{data['frames_checked']} frame(s)")
        tamper = data.get("tamper")
        if tamper:
            print(f"tamper map: mark missing in {100 * tamper['flagged_share']:.1f} % of the picture (possible edits "
                  f"after marking), {100 * tamper['unknown_share']:.1f} % too weak to judge")
    else:
        print(f"no watermark for this key (pilot z {data['pilot_z']:.1f}, {data['frames_checked']} frame(s))")
    _print_faces(data.get("faces"))
    creds = data.get("credentials")
    if creds:
        print(creds["summary"])
        if creds.get("watermark"):
            verdict = {True: "matches the pixels", False: "does NOT match the pixels",
                       None: "not confirmed: no mark read under this key"}
            match = verdict[data["credentials_match"]]
            print(f"credentials name watermark {creds['watermark'].get('watermark_id')}: {match}")


def _print_faces(faces: list[dict] | None) -> None:
    """The per-face report: one line per face (number from the left, owner, verdict, where, why)."""
    if faces is None:
        return
    if not faces:
        print("faces: none found")
        return
    print(f"faces: {len(faces)}")
    verdicts = {True: "ALTERED", False: "not altered", None: "cannot tell"}
    for face in faces:
        x0, y0, x1, y1 = (round(v) for v in face["box"])
        if face["marked"]:
            who = f"owner {face['owner'] or '(not registered on this machine)'} (ID {face['owner_id']})"
        else:
            who = "no face mark under this key"
        where = f" in {', '.join(face['where'])}" if face["altered"] and face["where"] else ""
        print(f"  face {face['face']} at ({x0}, {y0})–({x1}, {y1}): {who}; {verdicts[face['altered']]}{where}")
        for reason in face["reasons"]:
            print(f"    {reason}")
