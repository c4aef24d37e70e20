"""Render an evidence report to PDF with Qt (A4, "Page X of Y" footer on every page).

The report HTML from ``engines.evidence.report_html`` is laid out by a ``QTextDocument`` whose
paint device is the ``QPdfWriter``; each page is drawn with a clip to its slice of the document
and the footer is painted separately, so the page count is known before the first page is drawn.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from engines.evidence.atomic import atomic_write_bytes
from engines.evidence.images import display_png
from engines.evidence.report_html import render_html
from engines.evidence.report_model import Report, ReportImage

_MARGIN_MM = (18.0, 16.0, 18.0, 20.0)  # left, top, right, bottom (the footer sits in the bottom margin)
_RESOLUTION = 300
_APP = None


def _ensure_gui_application() -> None:
    """Qt text layout needs an application object; create an off-screen one when none is running.

    A QApplication (not a bare QGuiApplication) so that widgets can still be created later in the
    same process (the GUI exporting a PDF, tests).
    """
    global _APP
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    if QGuiApplication.instance() is not None:
        return
    headless = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless or os.environ.get("TRUELENS_HEADLESS"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _APP = QApplication(["truelens-report"])


def _resource_name(image: ReportImage) -> str:
    return f"truelens-image-{image.sha256}.png"


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes."""
    _ensure_gui_application()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, QSizeF, Qt, QUrl
    from PySide6.QtGui import (
        QColor,
        QFont,
        QImage,
        QPageLayout,
        QPageSize,
        QPainter,
        QPdfWriter,
        QPen,
        QTextDocument,
    )

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(_RESOLUTION)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
    writer.setTitle(report.title)
    writer.setCreator("TrueLens")

    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)
    doc.setDefaultFont(QFont("DejaVu Sans", 9))
    doc.setHtml(render_html(report, image_src=_resource_name))
    for finding in report.findings:
        for image in finding.images:
            qimage = QImage.fromData(display_png(image.file))
            if qimage.isNull():
                raise ValueError(f"cannot decode derived image {image.file.name}")
            doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(_resource_name(image)), qimage)

    px_per_mm = _RESOLUTION / 25.4
    left, top, right, bottom = (m * px_per_mm for m in _MARGIN_MM)
    page_w, page_h = float(writer.width()), float(writer.height())
    body = QSizeF(page_w - left - right, page_h - top - bottom)
    doc.setPageSize(body)
    pages = doc.pageCount()

    painter = QPainter()
    if not painter.begin(writer):
        raise RuntimeError("cannot start PDF output")
    try:
        footer_font = QFont("DejaVu Sans", 7)
        for index in range(pages):
            if index:
                writer.newPage()
            painter.save()
            painter.translate(left, top - index * body.height())
            doc.drawContents(painter, QRectF(0, index * body.height(), body.width(), body.height()))
            painter.restore()
            painter.setPen(QPen(QColor("#9aa5b1"), 2))
            rule_y = page_h - bottom + 5 * px_per_mm
            painter.drawLine(QPointF(left, rule_y), QPointF(page_w - right, rule_y))
            painter.setPen(QColor("#444444"))
            painter.setFont(footer_font)
            text_box = QRectF(left, rule_y + 1.5 * px_per_mm, body.width(), 6 * px_per_mm)
            left_text = f"{report.case_name} — report {report.report_id[:8]} — {report.generated_at[:10]}"
            painter.drawText(text_box, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), left_text)
            painter.drawText(text_box, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                             f"Page {index + 1} of {pages}")
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())


def write_pdf(report: Report, out: str | os.PathLike[str]) -> Path:
    """Render and write the PDF atomically (temp file + rename); returns the path."""
    target = Path(out)
    atomic_write_bytes(target, render_pdf(report))
    return target
