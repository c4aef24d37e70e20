"""``truelens bundle export|verify|import``: signed evidence bundles (zip + manifest of SHA-256)."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli import CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``bundle`` with export, verify and import."""
    parser = subparsers.add_parser("bundle", help="export, verify or import a signed evidence bundle")
    sub = parser.add_subparsers(dest="bundle_command", metavar="ACTION", required=True)

    export = sub.add_parser("export", help="write originals, derived images, reports and a signed manifest")
    export.add_argument("case", help="case name or folder")
    export.add_argument("--out", required=True, metavar="ZIP")
    export.add_argument("--no-pdf", action="store_true", help="include HTML and JSON reports only")
    export.set_defaults(handler=_export)

    verify = sub.add_parser("verify", help="check the signature and every member's hash")
    verify.add_argument("bundle", metavar="ZIP")
    verify.add_argument("--expect-key", metavar="FINGERPRINT", help="require this signing-key fingerprint")
    verify.set_defaults(handler=_verify)

    imp = sub.add_parser("import", help="verify a bundle and extract it into a new folder")
    imp.add_argument("bundle", metavar="ZIP")
    imp.add_argument("--into", required=True, metavar="DIR", help="new or empty folder")
    imp.add_argument("--expect-key", metavar="FINGERPRINT", help="require this signing-key fingerprint")
    imp.set_defaults(handler=_import)


def _export(args: argparse.Namespace) -> int:
    from app.commands.case import evidence_errors, open_case_cli
    from app.commands.report import render
    from engines.evidence import build_report, export_bundle
    from engines.evidence.signed_files import ensure_writable_output
    from engines.evidence.signing import fingerprint, load_or_create_key

    out = Path(args.out)
    with open_case_cli(args.case) as case:
        try:
            ensure_writable_output(case, out)
            audit_check = case.verify_audit()
            if not audit_check.ok:
                raise CliError("cannot export: audit log is not intact: " + "; ".join(audit_check.problems[:2]))
            signer = fingerprint(load_or_create_key().public_key())
            report = build_report(case, signer_fingerprint=signer)
            bad = [i for i in report.items if i.verification != "verified"]
            if bad:
                raise CliError(f"cannot export: item {bad[0].id} ({bad[0].name}) {bad[0].verification}")
            formats = ("html", "json") if args.no_pdf else ("html", "json", "pdf")
            reports = {f"report.{fmt}": render(report, fmt) for fmt in formats}
            result = export_bundle(case, out, reports, report_id=report.report_id)
        except evidence_errors() as exc:
            raise CliError(str(exc)) from None
    print(f"wrote {result.path}: {result.members} members, sha256 {result.sha256}")
    print(f"signed with key {result.key_fingerprint}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from engines.evidence import EvidenceError, verify_bundle

    try:
        check = verify_bundle(Path(args.bundle), expected_fingerprint=args.expect_key)
    except EvidenceError as exc:
        raise CliError(f"bundle verification failed: {exc}") from None
    sig = check.signature
    whose = "this installation's key" if sig.local_key else "NOT this installation's key: compare the fingerprint"
    print(f"manifest signature valid: Ed25519 key {sig.fingerprint} ({whose}), signed {sig.signed_at}")
    for problem in check.problems:
        print(f"problem: {problem}")
    if not check.ok:
        raise CliError(f"bundle verification failed: {len(check.problems)} problem(s), first: {check.problems[0]}")
    print(f"all {check.members} members match the signed manifest; audit log intact")
    return 0


def _import(args: argparse.Namespace) -> int:
    from engines.evidence import EvidenceError, import_bundle

    try:
        folder = import_bundle(Path(args.bundle), Path(args.into), expected_fingerprint=args.expect_key)
    except EvidenceError as exc:
        raise CliError(f"bundle import failed: {exc}") from None
    print(f"imported into {folder}")
    return 0
