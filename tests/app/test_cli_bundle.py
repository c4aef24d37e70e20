"""``truelens bundle export|verify|import`` (in-process)."""

from __future__ import annotations

import zipfile

import pytest

from app.cli import run
from tests.engines.evidence.helpers import spliced_image, write_jpeg


@pytest.fixture()
def exported(tmp_path):
    evidence = write_jpeg(tmp_path / "spliced.jpg", spliced_image()[0])
    assert run(["case", "new", "Bundle case"]) == 0
    assert run(["case", "add", "bundle-case", str(evidence)]) == 0
    assert run(["case", "bookmark", "bundle-case", "1", "--engine", "ela"]) == 0
    out = tmp_path / "case.zip"
    assert run(["bundle", "export", "bundle-case", "--out", str(out), "--no-pdf"]) == 0
    return out, evidence


def test_export_verify_import(exported, tmp_path, capsys):
    out, evidence = exported
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
    assert {"manifest.json", "manifest.sig", "reports/report.html", "reports/report.json",
            "audit/audit-log.json"} <= set(names)
    assert any(n.startswith("evidence/0001-spliced.jpg") for n in names)
    capsys.readouterr()
    assert run(["bundle", "verify", str(out)]) == 0
    assert "all 6 members match" in capsys.readouterr().out
    assert run(["bundle", "import", str(out), "--into", str(tmp_path / "imported")]) == 0
    assert (tmp_path / "imported" / "evidence" / "0001-spliced.jpg").read_bytes() == evidence.read_bytes()


def test_tampered_bundle_is_refused(exported, tmp_path, capsys):
    out, _ = exported
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(".html"):
                data = data.replace(b"Bundle case", b"Bundle cash")
            dst.writestr(info, data)
    capsys.readouterr()
    assert run(["bundle", "verify", str(bad)]) == 1
    assert "reports/report.html: SHA-256 does not match" in capsys.readouterr().err
    assert run(["bundle", "import", str(bad), "--into", str(tmp_path / "x")]) == 1
    assert not (tmp_path / "x").exists()


def test_bundle_bad_input(exported, tmp_path, capsys):
    out, evidence = exported
    for argv, message in (
        (["bundle", "verify", str(tmp_path / "none.zip")], "file not found"),
        (["bundle", "import", str(out), "--into", str(tmp_path)], "not an empty folder"),
        (["bundle", "export", "bundle-case", "--out", str(evidence)], "refusing to overwrite evidence"),
        (["bundle", "verify", str(out), "--expect-key", "0" * 64], "not the expected key"),
    ):
        capsys.readouterr()
        assert run(argv) == 1
        assert message in capsys.readouterr().err
