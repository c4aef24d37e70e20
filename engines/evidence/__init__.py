"""Cases, evidence intake, hash-chained audit log, bookmarks, reports, signatures and bundles (no Qt).

Typical use::

    case = create_case("Harbour fire", examiner="A. Examiner")
    [item] = add_evidence(case, ["photo.jpg"])
    check = open_item(case, item.id)            # re-hashes; raises EvidenceMismatch if the file changed
    add_bookmark(case, item.id, finding, frame=pixels, note="edge halo", status="warning")
    report = build_report(case)
    write_signed_report(case, report, render_html(report).encode(), Path("report.html"), "html")
"""

from engines.evidence.audit import AuditEntry, ChainCheck, verify_chain
from engines.evidence.bookmarks import (
    STATUS_LABELS,
    Bookmark,
    add_bookmark,
    get_bookmark,
    list_bookmarks,
    parse_status,
    record_analysis,
    set_note,
    set_status,
)
from engines.evidence.bundle_export import BundleResult, export_bundle
from engines.evidence.bundle_import import import_bundle
from engines.evidence.bundle_verify import BundleCheck, verify_bundle
from engines.evidence.cases import Case, CaseInfo, create_case, list_cases, open_case
from engines.evidence.errors import (
    AuditChainBroken,
    BundleError,
    CaseExists,
    CaseNotFound,
    EvidenceError,
    EvidenceMismatch,
    EvidenceMissing,
    ItemNotFound,
    SignatureInvalid,
)
from engines.evidence.intake import Item, ItemCheck, add_evidence, check_item, get_item, list_items, open_item
from engines.evidence.paths import data_dir
from engines.evidence.report_html import render_html
from engines.evidence.report_json import render_json
from engines.evidence.report_model import Report, build_report
from engines.evidence.signed_files import FileVerification, verify_signed_file, write_signed_report


def verify_audit_chain(case: Case) -> ChainCheck:
    """Verify a case's hash-chained audit log (links, hashes, numbering and recorded head)."""
    return case.verify_audit()


__all__ = [
    "STATUS_LABELS",
    "AuditChainBroken",
    "AuditEntry",
    "Bookmark",
    "BundleCheck",
    "BundleError",
    "BundleResult",
    "Case",
    "CaseExists",
    "CaseInfo",
    "CaseNotFound",
    "ChainCheck",
    "EvidenceError",
    "EvidenceMismatch",
    "EvidenceMissing",
    "FileVerification",
    "Item",
    "ItemCheck",
    "ItemNotFound",
    "Report",
    "SignatureInvalid",
    "add_bookmark",
    "add_evidence",
    "build_report",
    "check_item",
    "create_case",
    "data_dir",
    "export_bundle",
    "get_bookmark",
    "get_item",
    "import_bundle",
    "list_bookmarks",
    "list_cases",
    "list_items",
    "open_case",
    "open_item",
    "parse_status",
    "record_analysis",
    "render_html",
    "render_json",
    "set_note",
    "set_status",
    "verify_audit_chain",
    "verify_bundle",
    "verify_chain",
    "verify_signed_file",
    "write_signed_report",
]
