"""Evidence bundles: export, verify, import; traversal, links and hash mismatches are rejected cleanly."""

from __future__ import annotations

import hashlib
import json
import stat
import zipfile

import pytest

from engines.evidence import (
    BundleError,
    EvidenceMismatch,
    add_bookmark,
    export_bundle,
    import_bundle,
    verify_bundle,
)
from engines.evidence.bundle_format import BUNDLE_FORMAT, MANIFEST_NAME, MANIFEST_SIG_NAME
from engines.evidence.signing import sign_document
from tests.engines.evidence.helpers import case_with_item, finding_with_mask, spliced_image


@pytest.fixture()
def bundle(tmp_path):
    case, evidence, mask = case_with_item(tmp_path)
    with case:
        add_bookmark(case, 1, finding_with_mask(mask), frame=spliced_image()[0])
        result = export_bundle(case, tmp_path / "case.zip", {"report.html": b"<html>report</html>"}, "rid")
        assert case.audit_entries()[-1].action == "export"
    return result.path, evidence


def _signed_zip(path, members, *, sign_members=None, link=None):
    """A bundle whose manifest is properly signed but whose members are whatever the test wants."""
    listed = sign_members if sign_members is not None else members
    manifest = {"format": BUNDLE_FORMAT, "case": {"uuid": "u"}, "members": [
        {"path": n, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d), "role": "x"} for n, d in listed.items()]}
    data = json.dumps(manifest).encode()
    sig = sign_document({"subject": {"file": MANIFEST_NAME, "size": len(data),
                                     "sha256": hashlib.sha256(data).hexdigest()}})
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
        zf.writestr(MANIFEST_NAME, data)
        zf.writestr(MANIFEST_SIG_NAME, json.dumps(sig))
    return path


def test_export_verify_import_round_trip(bundle, tmp_path):
    path, evidence = bundle
    check = verify_bundle(path)
    assert check.ok and check.signature.local_key
    roles = sorted({m["role"] for m in check.manifest["members"]})
    assert roles == ["audit", "derived", "evidence", "report"] and check.members == 6  # 1 + 3 images + report + log
    target = import_bundle(path, tmp_path / "imported")
    [copied] = (target / "evidence").iterdir()
    assert copied.read_bytes() == evidence.read_bytes()
    assert (target / "reports" / "report.html").read_bytes() == b"<html>report</html>"
    assert (target / MANIFEST_NAME).is_file() and (target / MANIFEST_SIG_NAME).is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_tampered_member_fails_verify_and_import_leaves_nothing(bundle, tmp_path):
    path, _ = bundle
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("evidence/"):
                data = bytes([data[0] ^ 1]) + data[1:]
            dst.writestr(info, data)
    check = verify_bundle(tampered)
    assert not check.ok and any("evidence/" in p and "altered" in p for p in check.problems)
    with pytest.raises(BundleError, match="does not match the signed manifest"):
        import_bundle(tampered, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("name", ["../evil.txt", "/abs/evil.txt", "a/../../evil.txt", "C:/evil.txt", "a\\..\\e"])
def test_unsafe_member_names_are_rejected(tmp_path, name):
    bad = _signed_zip(tmp_path / "bad.zip", {name: b"payload"})
    with pytest.raises(BundleError, match="unsafe bundle"):
        verify_bundle(bad)
    with pytest.raises(BundleError, match="unsafe bundle"):
        import_bundle(bad, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "out").exists()


def test_symlink_members_are_rejected(tmp_path):
    bad = _signed_zip(tmp_path / "link.zip", {"a.txt": b"a"}, link="evidence/link")
    with pytest.raises(BundleError, match="symbolic link"):
        import_bundle(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_unlisted_member_and_unsigned_manifest(tmp_path):
    bad = _signed_zip(tmp_path / "extra.zip", {"a.txt": b"a", "b.txt": b"b"}, sign_members={"a.txt": b"a"})
    assert any("not in the signed manifest" in p for p in verify_bundle(bad).problems)
    with pytest.raises(BundleError, match="not in the signed manifest"):
        import_bundle(bad, tmp_path / "out")
    with zipfile.ZipFile(tmp_path / "unsigned.zip", "w") as zf:
        zf.writestr(MANIFEST_NAME, "{}")
    with pytest.raises(BundleError, match=r"manifest\.sig"):
        verify_bundle(tmp_path / "unsigned.zip")
    (tmp_path / "not.zip").write_bytes(b"plain text")
    with pytest.raises(BundleError, match="not a readable zip"):
        verify_bundle(tmp_path / "not.zip")


def test_import_refuses_a_non_empty_target(bundle, tmp_path):
    path, _ = bundle
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(BundleError, match="not an empty folder"):
        import_bundle(path, target)
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_export_refuses_changed_evidence(tmp_path):
    case, evidence, _ = case_with_item(tmp_path)
    with case:
        evidence.write_bytes(evidence.read_bytes()[:-1])
        with pytest.raises(EvidenceMismatch, match="no longer matches"):
            export_bundle(case, tmp_path / "case.zip", {}, "")
    assert not (tmp_path / "case.zip").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
