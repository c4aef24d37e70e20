"""``truelens case …``: create cases, take in evidence, bookmark analyses, list, and check the audit log."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``case`` and its actions (new, add, list, bookmark, status, note, audit)."""
    parser = subparsers.add_parser("case", help="investigation cases: evidence intake, bookmarks, audit log")
    sub = parser.add_subparsers(dest="case_command", metavar="ACTION", required=True)

    new = sub.add_parser("new", help="create a case")
    new.add_argument("name", help="case name")
    new.add_argument("--examiner", default="", help="examiner's name shown in reports")
    new.set_defaults(handler=_new)

    add = sub.add_parser("add", help="take files in as evidence (hashed, never modified)")
    add.add_argument("case", help="case name or folder")
    add.add_argument("files", nargs="+", metavar="FILE")
    add.set_defaults(handler=_add)

    listing = sub.add_parser("list", help="list cases, or the items and bookmarks of one case")
    listing.add_argument("case", nargs="?", help="case name or folder")
    listing.set_defaults(handler=_list)

    bookmark = sub.add_parser("bookmark", help="run an analysis on an item and bookmark the finding")
    bookmark.add_argument("case", help="case name or folder")
    bookmark.add_argument("item", help="item number, file name or SHA-256 prefix")
    bookmark.add_argument("--engine", required=True, help="analysis id, e.g. ela")
    bookmark.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="analysis parameter")
    bookmark.add_argument("--frame", type=int, default=0, help="frame index for animations and videos")
    bookmark.add_argument("--note", default="", help="examiner's note")
    bookmark.add_argument("--status", default="check", help="ok, check (default) or warning")
    bookmark.set_defaults(handler=_bookmark)

    status = sub.add_parser("status", help="change a bookmark's status")
    status.add_argument("case")
    status.add_argument("bookmark", type=int)
    status.add_argument("status", help="ok, check or warning")
    status.set_defaults(handler=_status)

    note = sub.add_parser("note", help="replace a bookmark's note")
    note.add_argument("case")
    note.add_argument("bookmark", type=int)
    note.add_argument("text")
    note.set_defaults(handler=_note)

    audit = sub.add_parser("audit", help="verify the case's hash-chained audit log")
    audit.add_argument("case")
    audit.add_argument("--show", action="store_true", help="also print every entry")
    audit.set_defaults(handler=_audit)


def open_case_cli(ref: str) -> Any:
    """Open a case or raise ``CliError`` with the reason."""
    from engines.evidence import EvidenceError, open_case

    try:
        return open_case(ref)
    except EvidenceError as exc:
        raise CliError(str(exc)) from None


def evidence_errors() -> tuple[type[Exception], ...]:
    """Exceptions that become a one-line CLI error."""
    from engines.evidence import EvidenceError
    from engines.media import MediaError

    return (EvidenceError, MediaError, ValueError)


def _new(args: argparse.Namespace) -> int:
    from engines.evidence import create_case

    try:
        with create_case(args.name, examiner=args.examiner) as case:
            print(f"created case {case.info.name!r} in {case.folder}")
    except evidence_errors() as exc:
        raise CliError(str(exc)) from None
    return 0


def _add(args: argparse.Namespace) -> int:
    from engines.evidence import add_evidence

    with open_case_cli(args.case) as case:
        try:
            items = add_evidence(case, args.files)
        except evidence_errors() as exc:
            raise CliError(str(exc)) from None
        for item in items:
            print(f"item {item.id}: {item.name}  {item.size:,} bytes  sha256 {item.sha256}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from engines.evidence import list_bookmarks, list_cases, list_items

    if args.case is None:
        cases = list_cases()
        if not cases:
            print("no cases yet (create one with 'truelens case new NAME')")
        for info in cases:
            print(f"{info.folder.name}\t{info.name}\texaminer: {info.examiner or '—'}\tcreated {info.created_at}")
        return 0
    with open_case_cli(args.case) as case:
        info = case.info
        print(f"case {info.name!r}  examiner: {info.examiner or '—'}  created {info.created_at}  ({case.folder})")
        items = list_items(case)
        print(f"{len(items)} item(s)")
        for item in items:
            print(f"  item {item.id}: {item.name}  {item.size:,} bytes  sha256 {item.sha256}  "
                  f"taken in {item.intake_at}")
        bookmarks = list_bookmarks(case)
        print(f"{len(bookmarks)} bookmark(s)")
        for bm in bookmarks:
            score = "" if bm.score is None else f"  score {bm.score:.3f}"
            note = f"  note: {bm.note}" if bm.note else ""
            print(f"  bookmark {bm.id}: item {bm.item_id} frame {bm.frame_index}  {bm.engine} {bm.engine_version}  "
                  f"[{bm.status_label}]{score}{note}")
    return 0


def parse_params(pairs: list[str]) -> dict[str, str]:
    """``["quality=80", …]`` → ``{"quality": "80"}``; values are validated later by the analysis schema."""
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--param expects NAME=VALUE, got {pair!r}")
        params[name.strip()] = value.strip()
    return params


def _bookmark(args: argparse.Namespace) -> int:
    from engines.evidence import add_bookmark, open_item, parse_status, record_analysis
    from engines.forensics import Subject, get_analysis, run_analysis
    from engines.media import open_media

    params = parse_params(args.param)
    try:
        status = parse_status(args.status)
        get_analysis(args.engine)
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    with open_case_cli(args.case) as case:
        try:
            check = open_item(case, args.item)
            item = check.item
            with open_media(item.path) as media:
                if media.sha256 != item.sha256:
                    raise CliError(f"{item.name} changed while it was being opened; not analysed")
                if not 0 <= args.frame < media.frame_count:
                    raise CliError(f"frame {args.frame} is out of range 0..{media.frame_count - 1}")
                frame = media.frame(args.frame)
                subject = Subject(image=frame, path=media.path, frame_index=args.frame, format=media.info.format)
                finding = run_analysis(args.engine, subject, params)
            record_analysis(case, item.id, finding, args.frame)
            bm = add_bookmark(case, item.id, finding, frame=frame, frame_index=args.frame, note=args.note,
                              status=status)
        except evidence_errors() as exc:
            raise CliError(str(exc)) from None
        print(f"bookmark {bm.id}: {bm.engine} {bm.engine_version} on item {item.id} [{bm.status_label}]")
        print(f"  {bm.summary}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from engines.evidence import set_status

    with open_case_cli(args.case) as case:
        try:
            bm = set_status(case, args.bookmark, args.status)
        except evidence_errors() as exc:
            raise CliError(str(exc)) from None
        print(f"bookmark {bm.id}: status {bm.status_label}")
    return 0


def _note(args: argparse.Namespace) -> int:
    from engines.evidence import set_note

    with open_case_cli(args.case) as case:
        try:
            bm = set_note(case, args.bookmark, args.text)
        except evidence_errors() as exc:
            raise CliError(str(exc)) from None
        print(f"bookmark {bm.id}: note saved")
    return 0


def _audit(args: argparse.Namespace) -> int:
    from engines.evidence.report_model import describe_entry

    with open_case_cli(args.case) as case:
        check = case.verify_audit()
        if args.show:
            for entry in case.audit_entries():
                print(f"{entry.seq:5d}  {entry.at}  {entry.action:<13} {entry.actor:<10} {describe_entry(entry)}")
        integrity = case.db.integrity_check()
    if integrity != "ok":
        raise CliError(f"case database is damaged: {integrity}")
    if not check.ok:
        raise CliError("audit log is NOT intact: " + "; ".join(check.problems[:3]))
    print(f"audit log intact: {check.count} entries, head {check.head}")
    return 0
