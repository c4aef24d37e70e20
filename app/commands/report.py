"""``truelens report CASE --format pdf|html|json --out FILE`` and ``truelens report verify REPORT``.

Both forms share the ``report`` command: the first word is ``verify`` followed by a report path
for verification; otherwise the single word is the case.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli import CliError

FORMATS = ("pdf", "html", "json")
_USAGE = ("truelens report CASE [--format {pdf,html,json}] --out FILE [--title TEXT]\n"
          "       truelens report verify REPORT [--expect-key FINGERPRINT]")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` command."""
    parser = subparsers.add_parser(
        "report", usage=_USAGE, help="write a signed case report (PDF, HTML, JSON), or verify one",
        description="Write a signed report of a case, or verify a report and its evidence hashes.",
    )
    parser.add_argument("words", nargs="+", metavar="CASE | verify REPORT")
    parser.add_argument("--format", choices=FORMATS, help="report format (default: from the --out suffix)")
    parser.add_argument("--out", metavar="FILE", help="report file to write; its signature goes to FILE.sig")
    parser.add_argument("--title", metavar="TEXT", help="report title")
    parser.add_argument("--expect-key", metavar="FINGERPRINT",
                        help="with verify: require this signing-key fingerprint (at least 16 hex digits)")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    words = args.words
    if words[0] == "verify" and len(words) == 2:
        if args.format or args.out or args.title:
            raise CliError("'report verify' takes only REPORT and --expect-key")
        return _verify(Path(words[1]), args.expect_key)
    if len(words) != 1:
        raise CliError(f"usage: {_USAGE.splitlines()[0]}  or  truelens report verify REPORT", code=2)
    if args.expect_key:
        raise CliError("--expect-key is only for 'report verify'")
    return _write(words[0], args)


def report_format(fmt: str | None, out: Path) -> str:
    """The explicit format, or the one implied by the output suffix."""
    if fmt:
        return fmt
    suffix = out.suffix.lower().lstrip(".")
    if suffix in ("htm", "html"):
        return "html"
    if suffix in FORMATS:
        return suffix
    raise CliError(f"cannot tell the format from {out.name!r}; add --format pdf, html or json")


def render(report: Any, fmt: str) -> bytes:
    """Report bytes in one format (PDF through Qt in ``app.report_pdf``)."""
    from engines.evidence import render_html, render_json

    if fmt == "html":
        return render_html(report).encode("utf-8")
    if fmt == "json":
        return render_json(report)
    try:
        from app.report_pdf import render_pdf
    except ImportError as exc:
        raise CliError(f"PDF output needs PySide6 ({exc}); use --format html") from None
    return render_pdf(report)


def _write(case_ref: str, args: argparse.Namespace) -> int:
    from app.commands.case import evidence_errors, open_case_cli
    from engines.evidence import build_report, write_signed_report
    from engines.evidence.signed_files import ensure_writable_output
    from engines.evidence.signing import fingerprint, load_or_create_key

    if not args.out:
        raise CliError("--out FILE is required")
    out = Path(args.out)
    fmt = report_format(args.format, out)
    with open_case_cli(case_ref) as case:
        try:
            ensure_writable_output(case, out)  # fail before anything is verified, rendered or logged
            signer = fingerprint(load_or_create_key().public_key())
            report = build_report(case, title=args.title, signer_fingerprint=signer)
            data = render(report, fmt)
            write_signed_report(case, report, data, out, fmt)
        except evidence_errors() as exc:
            raise CliError(str(exc)) from None
    print(f"wrote {out} ({len(data):,} bytes) and signature {out.name}.sig")
    failed = [i for i in report.items if i.verification != "verified"]
    for item in failed:
        print(f"warning: item {item.id} ({item.name}) {item.verification}: {item.verification_note}")
    if not report.audit_ok:
        print("warning: the case's audit log is not intact; the report says so")
    return 0


def _verify(path: Path, expected_key: str | None) -> int:
    from engines.evidence import EvidenceError, verify_signed_file

    try:
        result = verify_signed_file(path, expected_fingerprint=expected_key)
    except EvidenceError as exc:
        raise CliError(f"report verification failed: {exc}") from None
    sig = result.signature
    whose = "this installation's key" if sig.local_key else "NOT this installation's key: compare the fingerprint"
    print(f"signature valid: Ed25519 key {sig.fingerprint} ({whose}), signed {sig.signed_at}")
    print(f"report bytes match the signature: sha256 {result.subject_sha256}")
    for e in result.evidence:
        label = {"verified": "hash matches", "mismatch": "HASH MISMATCH", "unreachable": "not reachable"}[e.status]
        print(f"evidence item {e.item_id} {e.name}: {label} ({e.path})")
    bad = [e for e in result.evidence if e.status == "mismatch"]
    if bad:
        raise CliError(f"evidence item {bad[0].item_id} ({bad[0].name}) no longer matches the signed report")
    return 0
