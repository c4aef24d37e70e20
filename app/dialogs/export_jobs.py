"""Background jobs of the Export dialog: report preview, signed report and bundle writing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6 import QtCore, QtGui

from engines.evidence import (
    BundleCheck,
    BundleResult,
    EvidenceError,
    FileVerification,
    Report,
    build_report,
    export_bundle,
    open_case,
    render_html,
    render_json,
    verify_bundle,
    verify_signed_file,
    write_signed_report,
)
from engines.evidence.images import display_png
from engines.evidence.report_model import ReportImage
from engines.evidence.signed_files import ensure_writable_output, signature_path
from engines.evidence.signing import fingerprint, load_or_create_key

FORMATS = (("pdf", "PDF"), ("html", "HTML"), ("json", "JSON"))


@dataclasses.dataclass(frozen=True)
class Preview:
    """What the preview shows: HTML with named image resources, or plain JSON text."""

    fmt: str
    text: str
    images: tuple[tuple[str, QtGui.QImage], ...]
    item_count: int
    finding_count: int


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """A written, signed and re-verified report, and the bundle when one was asked for."""

    fmt: str
    path: Path
    signature: Path
    size: int
    verification: FileVerification
    failed_items: tuple[str, ...]
    audit_ok: bool
    bundle: BundleResult | None = None
    bundle_check: BundleCheck | None = None


def signer_fingerprint(ctx) -> str:
    """This installation's signing-key fingerprint (the key pair is created on first use)."""
    return fingerprint(load_or_create_key().public_key())


def resource_name(image: ReportImage) -> str:
    """Name under which the preview document holds a report image."""
    return f"truelens-preview-{image.sha256}.png"


def preview(ctx, folder: Path, fmt: str) -> Preview:
    """Lay out the report without re-hashing the evidence (a preview writes nothing to the audit log)."""
    with open_case(folder) as case:
        report = build_report(case, verify=False, signer_fingerprint=signer_fingerprint(ctx))
    if fmt == "json":
        text = render_json(report, embed_images=False).decode("utf-8")  # the file embeds the PNGs as base64
        return Preview(fmt, text, (), len(report.items), len(report.findings))
    images = []
    for finding in report.findings:
        for image in finding.images:
            qimage = QtGui.QImage.fromData(display_png(image.file))
            if not qimage.isNull():
                images.append((resource_name(image), qimage))
    html = render_html(report, image_src=resource_name)
    return Preview(fmt, html, tuple(images), len(report.items), len(report.findings))


def render(report: Report, fmt: str) -> bytes:
    """Report bytes in ``fmt``; the PDF is laid out by Qt on this worker thread."""
    if fmt == "html":
        return render_html(report).encode("utf-8")
    if fmt == "json":
        return render_json(report)
    if fmt == "pdf":
        from app.report_pdf import render_pdf

        loop = QtCore.QEventLoop()  # gives this worker thread an event dispatcher for Qt's layout timers
        try:
            return render_pdf(report)
        finally:
            del loop
    raise ValueError(f"unknown report format {fmt!r}")


def export(ctx, folder: Path, fmt: str, out: Path, bundle_out: Path | None = None) -> ExportResult:
    """Write the signed report (and optionally the bundle), then verify what was written."""
    with open_case(folder) as case:
        ensure_writable_output(case, out)  # fail before anything is re-hashed or logged
        if bundle_out is not None:
            ensure_writable_output(case, bundle_out)
            if Path(bundle_out).resolve() == Path(out).resolve():
                raise EvidenceError("the report and the bundle need different file names")
        ctx.progress(0.05, "re-hashing evidence")
        report = build_report(case, signer_fingerprint=signer_fingerprint(ctx))
        ctx.progress(0.4, f"rendering {fmt.upper()}")
        data = render(report, fmt)
        write_signed_report(case, report, data, out, fmt)
        failed = tuple(f"item {i.id} ({i.name}): {i.verification}" for i in report.items
                       if i.verification != "verified")
        bundle = bundle_check = None
        if bundle_out is not None:
            if failed:
                raise EvidenceError(f"the report was written, but no bundle: {failed[0]}")
            if not report.audit_ok:
                raise EvidenceError("the report was written, but no bundle: the audit log is not intact")
            ctx.progress(0.6, "rendering the bundle's reports")
            reports = {f"report.{fmt}": data}
            for other in ("html", "json", "pdf"):
                if other != fmt:
                    reports[f"report.{other}"] = render(report, other)
            ctx.progress(0.8, "writing the bundle")
            bundle = export_bundle(case, Path(bundle_out), reports, report_id=report.report_id)
    verification = verify_signed_file(Path(out))
    if bundle is not None:
        bundle_check = verify_bundle(bundle.path)
    return ExportResult(fmt, Path(out).resolve(), signature_path(Path(out).resolve()), len(data), verification,
                        failed, report.audit_ok, bundle, bundle_check)
