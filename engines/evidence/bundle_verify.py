"""Verify an evidence bundle: safe member names, signed manifest, every member's hash, audit chain."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path
from typing import Any

from engines.evidence.audit import verify_chain
from engines.evidence.bundle_format import (
    AUDIT_NAME,
    BUNDLE_FORMAT,
    MANIFEST_NAME,
    MANIFEST_SIG_NAME,
    MAX_MANIFEST_BYTES,
    check_member,
    copy_hashed,
    unsafe_name_reason,
)
from engines.evidence.errors import AuditChainBroken, BundleError, SignatureInvalid
from engines.evidence.signed_files import check_subject
from engines.evidence.signing import SignatureCheck, verify_document


@dataclasses.dataclass(frozen=True)
class BundleCheck:
    """Outcome of verifying a bundle; ``problems`` is empty when everything matched."""

    manifest: dict[str, Any]
    signature: SignatureCheck
    members: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def open_bundle(path: Path) -> zipfile.ZipFile:
    """Open a bundle zip and reject unsafe members and duplicate names before anything is read."""
    try:
        zf = zipfile.ZipFile(Path(path).expanduser())
    except FileNotFoundError:
        raise BundleError(f"file not found: {path}") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleError(f"{Path(path).name} is not a readable zip file: {exc}") from None
    try:
        names: set[str] = set()
        for info in zf.infolist():
            check_member(info)
            if info.filename in names:
                raise BundleError(f"unsafe bundle: member {info.filename!r} appears twice")
            names.add(info.filename)
    except BaseException:
        zf.close()
        raise
    return zf


def _read_small(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise BundleError(f"bundle has no {name}") from None
    if info.file_size > MAX_MANIFEST_BYTES:
        raise BundleError(f"{name} is implausibly large ({info.file_size:,} bytes)")
    with zf.open(info) as fh:
        return fh.read(MAX_MANIFEST_BYTES + 1)


def read_manifest(zf: zipfile.ZipFile, expected_fingerprint: str | None = None) -> tuple[dict, SignatureCheck]:
    """The manifest after checking its signature; raises ``BundleError`` / ``SignatureInvalid``."""
    data = _read_small(zf, MANIFEST_NAME)
    try:
        sig = json.loads(_read_small(zf, MANIFEST_SIG_NAME))
        manifest = json.loads(data)
    except ValueError as exc:
        raise BundleError(f"bundle manifest or signature is not valid JSON: {exc}") from None
    check = verify_document(sig, expected_fingerprint)
    check_subject(sig, data, MANIFEST_NAME)
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        raise BundleError("not a TrueLens evidence bundle (unknown manifest format)")
    members = manifest.get("members")
    if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
        raise BundleError("bundle manifest has no member list")
    for member in members:
        reason = unsafe_name_reason(str(member.get("path", "")))
        if reason:
            raise BundleError(f"unsafe bundle: manifest {reason}")
        if not isinstance(member.get("size"), int) or member["size"] < 0 or not isinstance(member.get("sha256"), str):
            raise BundleError(f"manifest entry {member.get('path')!r} lacks a size or hash")
    return manifest, check


def listing_problems(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> list[str]:
    """Members missing from the zip, present but unlisted, or of the wrong size."""
    problems = []
    files = {i.filename: i for i in zf.infolist() if not i.is_dir()}
    listed = {m["path"]: m for m in manifest["members"]}
    if len(listed) != len(manifest["members"]):
        problems.append("the manifest lists a member twice")
    for name, member in listed.items():
        info = files.get(name)
        if info is None:
            problems.append(f"{name}: listed in the manifest but missing from the bundle")
        elif info.file_size != member["size"]:
            problems.append(f"{name}: size {info.file_size:,} differs from the manifest ({member['size']:,})")
    for name in sorted(set(files) - set(listed) - {MANIFEST_NAME, MANIFEST_SIG_NAME}):
        problems.append(f"{name}: present in the bundle but not in the signed manifest")
    return problems


def audit_problems(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> list[str]:
    if AUDIT_NAME not in {m["path"] for m in manifest["members"]}:
        return [f"bundle has no {AUDIT_NAME}"]
    try:
        log = json.loads(_read_small(zf, AUDIT_NAME))
        head = log.get("head", {})
        check = verify_chain(log["entries"], str(log["case_uuid"]), (int(head["count"]), str(head["entry_hash"])))
    except (KeyError, TypeError, ValueError, AuditChainBroken, BundleError) as exc:
        return [f"audit log unreadable: {exc}"]
    if log.get("case_uuid") != manifest.get("case", {}).get("uuid"):
        return ["the audit log belongs to a different case than the manifest"]
    return [f"audit log: {p}" for p in check.problems]


def verify_bundle(path: Path, expected_fingerprint: str | None = None) -> BundleCheck:
    """Fully verify a bundle. Unsafe or unsigned bundles raise; content differences are listed as problems."""
    with open_bundle(path) as zf:
        try:
            manifest, signature = read_manifest(zf, expected_fingerprint)
        except SignatureInvalid as exc:
            raise BundleError(f"bundle signature: {exc}") from None
        problems = listing_problems(zf, manifest)
        files = {i.filename for i in zf.infolist()}
        for member in manifest["members"]:
            if member["path"] not in files:
                continue
            with zf.open(member["path"]) as fh:
                try:
                    digest, _ = copy_hashed(fh, None, member["size"])
                except (BundleError, zipfile.BadZipFile) as exc:
                    problems.append(f"{member['path']}: {exc}")
                    continue
            if digest != member["sha256"]:
                problems.append(f"{member['path']}: SHA-256 does not match the manifest (altered)")
        problems.extend(audit_problems(zf, manifest))
    return BundleCheck(manifest, signature, len(manifest["members"]), tuple(problems))
