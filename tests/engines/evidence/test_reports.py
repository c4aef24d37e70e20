"""Report model, HTML / JSON rendering, detached signatures and their verification."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from importlib import metadata
from pathlib import Path

import pytest

import engines
from engines.evidence import (
    SignatureInvalid,
    add_bookmark,
    build_report,
    render_html,
    render_json,
    verify_signed_file,
    write_signed_report,
)
from engines.evidence.signed_files import signature_path
from tests.engines.evidence.helpers import case_with_item, finding_with_mask, spliced_image


@pytest.fixture()
def case_and_report(tmp_path):
    case, path, mask = case_with_item(tmp_path)
    add_bookmark(case, 1, finding_with_mask(mask), frame=spliced_image()[0], note="<script>alert(1)</script>",
                 status="warning", weights_sha256="cd" * 32)
    report = build_report(case)
    yield case, path, report
    case.close()


def test_report_model_contents(case_and_report):
    case, path, report = case_and_report
    [item] = report.items
    assert item.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and item.verification == "verified"
    [finding] = report.findings
    assert finding.title == "Error level analysis" and ("quality", "90") in finding.params
    assert [im.role for im in finding.images] == ["frame", "map", "mask"]
    assert report.weights == (("ela", "cd" * 32),)
    assert report.methods[0].how_to_read  # method description from the registry
    software = dict(report.software)
    assert software["TrueLens"] == engines.__version__
    assert software["numpy"] == metadata.version("numpy")
    assert re.fullmatch(r"\d+\.\d+.*", software["PySide6"]) and re.fullmatch(r"\d+\.\d+.*", software["PyTorch"])
    assert report.audit_ok and report.audit_count == len(case.audit_entries())
    assert report.status_counts() == {"OK": 0, "To check": 0, "Warning": 1}


def test_report_shows_a_changed_evidence_file(tmp_path):
    case, path, _ = case_with_item(tmp_path)
    with case:
        path.write_bytes(path.read_bytes() + b"\0")
        report = build_report(case)
        assert report.items[0].verification == "mismatch"
        assert "MISMATCH" in render_html(report)


def test_html_is_self_contained_and_escaped(case_and_report):
    _, _, report = case_and_report
    html = render_html(report)
    srcs = re.findall(r'<img src="([^"]+)"', html)
    assert len(srcs) == 3 and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert report.items[0].sha256 in html and "Limitations" in html


def test_json_embeds_exact_images(case_and_report):
    _, _, report = case_and_report
    data = json.loads(render_json(report))
    assert data["format"] == "truelens-report/1" and data["items"][0]["sha256"] == report.items[0].sha256
    image = data["findings"][0]["images"][1]
    assert hashlib.sha256(base64.b64decode(image["png_base64"])).hexdigest() == image["sha256"]
    assert data["findings"][0]["params"] == {"quality": "90", "scale": "20"}
    assert {"name": "TrueLens", "version": engines.__version__} in data["software"]


def test_signed_report_verifies_and_one_changed_byte_fails(case_and_report, tmp_path):
    case, _, report = case_and_report
    out = tmp_path / "report.html"
    write_signed_report(case, report, render_html(report).encode(), out, "html")
    result = verify_signed_file(out)
    assert result.signature.local_key and result.evidence_ok
    assert [e.status for e in result.evidence] == ["verified"]
    assert case.audit_entries()[-1].action == "report"
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x20
    out.write_bytes(bytes(data))
    with pytest.raises(SignatureInvalid, match="changed after it was signed"):
        verify_signed_file(out)


def test_verification_reports_evidence_state(case_and_report, tmp_path):
    case, evidence, report = case_and_report
    out = tmp_path / "report.json"
    write_signed_report(case, report, render_json(report), out, "json")
    evidence.write_bytes(b"changed")
    assert [e.status for e in verify_signed_file(out).evidence] == ["mismatch"]
    evidence.unlink()
    assert [e.status for e in verify_signed_file(out).evidence] == ["unreachable"]
    sig = json.loads(signature_path(out).read_text())
    sig["evidence"][0]["sha256"] = hashlib.sha256(b"changed").hexdigest()  # forge the evidence list
    signature_path(out).write_text(json.dumps(sig))
    with pytest.raises(SignatureInvalid, match="altered"):
        verify_signed_file(out)
    signature_path(out).unlink()
    with pytest.raises(SignatureInvalid, match="no signature file"):
        verify_signed_file(out)


def test_report_cannot_overwrite_evidence(case_and_report):
    case, evidence, report = case_and_report
    before = evidence.read_bytes()
    with pytest.raises(Exception, match="refusing to overwrite evidence"):
        write_signed_report(case, report, b"x", evidence, "html")
    with pytest.raises(Exception, match="does not exist"):
        write_signed_report(case, report, b"x", Path("/nonexistent-dir/r.html"), "html")
    assert evidence.read_bytes() == before
