"""``truelens report CASE …`` and ``truelens report verify REPORT`` (in-process), including the PDF."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from app.cli import run
from engines.evidence import open_case
from tests.engines.evidence.helpers import spliced_image, write_jpeg


@pytest.fixture()
def case_with_bookmark(tmp_path):
    evidence = write_jpeg(tmp_path / "spliced.jpg", spliced_image()[0])
    assert run(["case", "new", "Report case", "--examiner", "Examiner"]) == 0
    assert run(["case", "add", "report-case", str(evidence)]) == 0
    assert run(["case", "bookmark", "report-case", "1", "--engine", "ela", "--status", "warning"]) == 0
    return evidence


def _audit_len() -> int:
    with open_case("report-case") as case:
        return len(case.audit_entries())


@pytest.mark.parametrize("fmt", ["html", "json", "pdf"])
def test_report_written_signed_and_verified(case_with_bookmark, tmp_path, capsys, fmt):
    out = tmp_path / f"report.{fmt}"
    assert run(["report", "report-case", "--out", str(out)]) == 0  # format from the suffix
    data = out.read_bytes()
    sig = json.loads((tmp_path / f"report.{fmt}.sig").read_text())
    assert sig["report_format"] == fmt and sig["algorithm"] == "Ed25519"
    if fmt == "pdf":
        assert data.startswith(b"%PDF")
    elif fmt == "json":
        assert json.loads(data)["case_name"] == "Report case"
    capsys.readouterr()
    assert run(["report", "verify", str(out)]) == 0
    text = capsys.readouterr().out
    assert "signature valid" in text and "evidence item 1 spliced.jpg: hash matches" in text
    out.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])  # one changed byte
    assert run(["report", "verify", str(out)]) == 1
    assert "changed after it was signed" in capsys.readouterr().err


def test_pdf_has_page_x_of_y_footer(case_with_bookmark, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    out = tmp_path / "r.pdf"
    assert run(["report", "report-case", "--format", "pdf", "--out", str(out)]) == 0
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.count("\f")
    assert pages >= 3
    for page in range(1, pages + 1):
        assert f"Page {page} of {pages}" in text
    assert "Error level analysis" in text and "Limitations" in text and "spliced.jpg" in text


def test_changed_evidence_fails_report_verification(case_with_bookmark, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert run(["report", "report-case", "--out", str(out)]) == 0
    case_with_bookmark.write_bytes(b"replaced")
    capsys.readouterr()
    assert run(["report", "verify", str(out)]) == 1
    captured = capsys.readouterr()
    assert "HASH MISMATCH" in captured.out and "no longer matches" in captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "report-case"], "--out FILE is required"),
        (["report", "report-case", "--out", "{tmp}/r.txt"], "cannot tell the format"),
        (["report", "report-case", "--out", "{tmp}/missing/r.html"], "does not exist"),
        (["report", "report-case", "--out", "{tmp}", "--format", "html"], "is a folder"),
        (["report", "report-case", "--out", "{tmp}/spliced.jpg", "--format", "html"], "refusing to overwrite evidence"),
        (["report", "nope", "--out", "{tmp}/r.html"], "no case named 'nope'"),
        (["report", "a", "b"], "usage"),
        (["report", "verify", "{tmp}/none.pdf"], "file not found"),
        (["report", "verify", "{tmp}/r.html", "--out", "x"], "takes only REPORT"),
        (["report", "report-case", "--out", "{tmp}/r.html", "--expect-key", "ab"], "only for 'report verify'"),
    ],
)
def test_bad_report_input_writes_nothing(case_with_bookmark, tmp_path, capsys, argv, message):
    before = _audit_len()
    listing = sorted(p.name for p in tmp_path.iterdir())
    capsys.readouterr()
    assert run([a.replace("{tmp}", str(tmp_path)) for a in argv]) != 0
    err = capsys.readouterr().err.strip()
    assert message in err and err.count("\n") == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == listing
    assert _audit_len() == before
