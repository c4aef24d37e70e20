"""Cases: one folder per case holding its SQLite database and derived images.

Design choice — one database per case (``<data>/cases/<slug>/case.sqlite``) rather than one for
all cases: a case is then a self-contained folder that can be archived, handed over or deleted
as a unit; its audit chain and integrity do not depend on other cases; a damaged file affects
one case only; and writers on different cases never contend for the same lock.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import tempfile
import uuid
from pathlib import Path

from engines.evidence import audit
from engines.evidence.canonical import utc_now
from engines.evidence.db import CaseDatabase
from engines.evidence.errors import CaseExists, CaseNotFound, EvidenceError
from engines.evidence.paths import CASE_DB_NAME, DERIVED_DIR_NAME, case_slug, cases_dir


@dataclasses.dataclass(frozen=True)
class CaseInfo:
    """A case's identity."""

    uuid: str
    name: str
    examiner: str
    created_at: str
    folder: Path


class Case:
    """An open case. Keep it for as long as needed: each write is its own short transaction."""

    def __init__(self, folder: Path):
        db_path = folder / CASE_DB_NAME
        if not db_path.is_file():
            raise CaseNotFound(f"no case in {folder}")
        self.folder = folder
        self.db = CaseDatabase(db_path)
        row = self.db.read_one("SELECT uuid, name, examiner, created_at FROM case_info WHERE id = 1")
        if row is None:
            self.db.close()
            raise EvidenceError(f"{db_path} has no case record")
        self.info = CaseInfo(row[0], row[1], row[2], row[3], folder)

    @property
    def derived_dir(self) -> Path:
        """Folder for images derived from evidence (maps, masks, frame previews)."""
        return self.folder / DERIVED_DIR_NAME

    def verify_audit(self) -> audit.ChainCheck:
        """Verify this case's hash-chained audit log."""
        with self.db.read() as conn:
            return audit.verify_connection(conn)

    def audit_entries(self) -> list[audit.AuditEntry]:
        """All audit entries, oldest first."""
        with self.db.read() as conn:
            return audit.read_entries(conn)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Case:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def create_case(name: str, examiner: str = "", root: Path | None = None) -> Case:
    """Create a case folder and database atomically (built in a temporary folder, then renamed)."""
    name = name.strip()
    try:
        slug = case_slug(name)
    except ValueError as exc:
        raise EvidenceError(str(exc)) from None
    base = root or cases_dir()
    base.mkdir(parents=True, exist_ok=True)
    final = base / slug
    if final.exists():
        raise CaseExists(f"a case named {slug!r} already exists in {base}")
    staging = Path(tempfile.mkdtemp(prefix=f".{slug}.", suffix=".new", dir=base))
    try:
        (staging / DERIVED_DIR_NAME).mkdir()
        db = CaseDatabase(staging / CASE_DB_NAME, create=True)
        try:
            with db.write() as conn:
                conn.execute(
                    "INSERT INTO case_info (id, uuid, name, examiner, created_at) VALUES (1, ?, ?, ?, ?)",
                    (str(uuid.uuid4()), name, examiner.strip(), utc_now()),
                )
                audit.append(conn, "case-created", {"name": name, "examiner": examiner.strip()})
        finally:
            db.close()
        try:
            staging.rename(final)
        except OSError as exc:
            raise CaseExists(f"a case named {slug!r} already exists in {base}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(staging)
        raise
    return Case(final)


def find_case_folder(ref: str | Path, root: Path | None = None) -> Path:
    """The folder of a case given its name, slug or folder path."""
    path = Path(ref).expanduser()
    if (path / CASE_DB_NAME).is_file():
        return path
    if path.name == CASE_DB_NAME and path.is_file():
        return path.parent
    base = root or cases_dir()
    try:
        folder = base / case_slug(str(ref))
    except ValueError:
        raise CaseNotFound(f"no case named {str(ref)!r}") from None
    if (folder / CASE_DB_NAME).is_file():
        return folder
    raise CaseNotFound(f"no case named {str(ref)!r} (see 'truelens case list')")


def open_case(ref: str | Path, root: Path | None = None) -> Case:
    """Open an existing case by name, slug or folder path."""
    return Case(find_case_folder(ref, root))


def list_cases(root: Path | None = None) -> list[CaseInfo]:
    """Every case under the data folder, oldest first; unreadable folders are skipped."""
    base = root or cases_dir()
    if not base.is_dir():
        return []
    found = []
    for folder in sorted(base.iterdir()):
        if folder.name.startswith(".") or not (folder / CASE_DB_NAME).is_file():
            continue
        try:
            with Case(folder) as case:
                found.append(case.info)
        except EvidenceError:
            continue
    return sorted(found, key=lambda info: info.created_at)
