"""``app.report_pdf``: the PDF is written atomically and carries one "Page X of Y" footer per page."""

from __future__ import annotations

import re
import zlib

from app.report_pdf import render_pdf, write_pdf
from engines.evidence import add_bookmark, build_report
from tests.engines.evidence.helpers import case_with_item, finding_with_mask, spliced_image


def test_write_pdf_is_atomic_and_paginated(tmp_path):
    case, _, mask = case_with_item(tmp_path)
    with case:
        for _ in range(3):
            add_bookmark(case, 1, finding_with_mask(mask), frame=spliced_image()[0])
        report = build_report(case)
    out = write_pdf(report, tmp_path / "r.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    assert pages >= 5  # header + evidence, one page per finding, methods, audit appendix
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert len(render_pdf(report)) > 10_000
    assert _page_streams(data) == pages


def _page_streams(data: bytes) -> int:
    """Number of content streams that draw text (one per page here)."""
    count = 0
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            body = zlib.decompress(match.group(1))
        except zlib.error:
            continue
        if b"BT" in body and b"Tf" in body:
            count += 1
    return count
