"""Import an evidence bundle into a new folder: verify, extract to a temporary folder, then rename.

Nothing is left behind on failure: unsafe names, symbolic links, a bad signature or a hash
mismatch abort before the target folder appears.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from engines.evidence.bundle_format import MANIFEST_NAME, MANIFEST_SIG_NAME, copy_hashed
from engines.evidence.bundle_verify import audit_problems, listing_problems, open_bundle, read_manifest
from engines.evidence.errors import BundleError, SignatureInvalid


def _target(into: Path) -> Path:
    into = Path(into).expanduser().absolute()
    if into.exists() and (not into.is_dir() or any(into.iterdir())):
        raise BundleError(f"{into} already exists and is not an empty folder")
    if not into.parent.is_dir():
        raise BundleError(f"folder {into.parent} does not exist")
    return into


def _extract_member(zf: zipfile.ZipFile, member: dict, root: Path) -> None:
    dest = root.joinpath(*member["path"].split("/"))
    if not dest.resolve().is_relative_to(root.resolve()):
        raise BundleError(f"unsafe bundle: {member['path']!r} resolves outside the target folder")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(member["path"]) as src, open(dest, "xb") as dst:
        try:
            digest, _ = copy_hashed(src, dst, member["size"])
        except zipfile.BadZipFile as exc:
            raise BundleError(f"{member['path']}: damaged member ({exc})") from None
    if digest != member["sha256"]:
        raise BundleError(f"{member['path']}: SHA-256 does not match the signed manifest; nothing was imported")


def import_bundle(path: Path, into: Path, expected_fingerprint: str | None = None) -> Path:
    """Verify and extract a bundle into the new (or empty) folder ``into``; returns that folder."""
    target = _target(into)
    with open_bundle(path) as zf:
        try:
            manifest, _ = read_manifest(zf, expected_fingerprint)
        except SignatureInvalid as exc:
            raise BundleError(f"bundle signature: {exc}") from None
        problems = listing_problems(zf, manifest) + audit_problems(zf, manifest)
        if problems:
            raise BundleError(f"bundle does not match its manifest: {problems[0]}")
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".import", dir=target.parent))
        try:
            for member in manifest["members"]:
                _extract_member(zf, member, staging)
            for name in (MANIFEST_NAME, MANIFEST_SIG_NAME):
                with zf.open(name) as src, open(staging / name, "xb") as dst:
                    shutil.copyfileobj(src, dst)
            if target.exists():
                target.rmdir()  # empty, checked above
            os.rename(staging, target)
        except BaseException:
            with contextlib.suppress(OSError):
                shutil.rmtree(staging)
            raise
    return target
