"""Background jobs of the Case pane: every database and file operation runs here, off the GUI thread.

Each job opens the case by folder for its own short use (SQLite in WAL mode lets the GUI and the
CLI work on one case at once) and, when it changed something, returns a fresh snapshot read after
the change so the pane never shows a list older than its own action.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import cv2
import numpy as np

from app.panes.case_models import CaseSnapshot, read_snapshot
from engines.evidence import (
    Bookmark,
    CaseInfo,
    ChainCheck,
    EvidenceMismatch,
    Item,
    ItemCheck,
    add_bookmark,
    add_evidence,
    check_item,
    create_case,
    get_item,
    list_cases,
    list_items,
    open_case,
    record_analysis,
    set_note,
    set_status,
)
from engines.findings import Finding
from engines.media.hashing import sha256_file


@dataclasses.dataclass(frozen=True)
class ItemMatch:
    """Whether the file shown in the viewer is in the case.

    ``item``: recorded with the same path and hash. ``changed``: the same path was taken in with
    other bytes (the file changed since intake, or the open copy differs).
    """

    item: Item | None
    changed: Item | None


@dataclasses.dataclass(frozen=True)
class ChainResult:
    """Outcome of "Verify chain": the audit chain and SQLite's own integrity check."""

    chain: ChainCheck
    integrity: str

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.integrity == "ok"


@dataclasses.dataclass(frozen=True)
class StoredOverlay:
    """A bookmark's stored map (RGB) and mask, resized to the frame they are drawn over."""

    bookmark_id: int
    heat: np.ndarray | None
    mask: np.ndarray | None
    problems: tuple[str, ...]


def cases(ctx) -> list[CaseInfo]:
    """Every case in the data folder."""
    return list_cases()


def new_case(ctx, name: str, examiner: str) -> CaseSnapshot:
    """Create a case and return its (nearly empty) snapshot."""
    with create_case(name, examiner=examiner) as case:
        return read_snapshot(case)


def snapshot(ctx, folder: Path) -> CaseSnapshot:
    """Read the case's lists."""
    with open_case(folder) as case:
        return read_snapshot(case)


def add_files(ctx, folder: Path, paths: list[Path], expected_sha256: str = "") -> tuple[list[Item], CaseSnapshot]:
    """Take files in as evidence. With ``expected_sha256`` (one file: the one shown in the viewer), the
    intake is rolled back unless the file still has the bytes that were opened."""
    with open_case(folder) as case:
        if expected_sha256 and len(paths) == 1:
            digest = sha256_file(Path(paths[0]))
            if digest != expected_sha256:
                raise EvidenceMismatch(f"{Path(paths[0]).name} changed since it was opened in the viewer; "
                                       "open it again before adding it", expected=expected_sha256, actual=digest)
        items = add_evidence(case, paths)
        return items, read_snapshot(case)


def verify_item(ctx, folder: Path, item_id: int) -> tuple[ItemCheck, CaseSnapshot]:
    """Re-hash one item (audited) before it is opened."""
    with open_case(folder) as case:
        check = check_item(case, get_item(case, item_id))
        return check, read_snapshot(case)


def verify_all(ctx, folder: Path) -> tuple[list[ItemCheck], CaseSnapshot]:
    """Re-hash every item (each check audited)."""
    with open_case(folder) as case:
        items = list_items(case)
        checks = []
        for index, item in enumerate(items):
            ctx.progress(index / max(1, len(items)), f"re-hashing {item.name}")
            checks.append(check_item(case, item))
        return checks, read_snapshot(case)


def change_status(ctx, folder: Path, bookmark_id: int, status: str) -> CaseSnapshot:
    """Set a bookmark's status (audited)."""
    with open_case(folder) as case:
        set_status(case, bookmark_id, status)
        return read_snapshot(case)


def change_note(ctx, folder: Path, bookmark_id: int, note: str) -> CaseSnapshot:
    """Replace a bookmark's note (audited)."""
    with open_case(folder) as case:
        set_note(case, bookmark_id, note)
        return read_snapshot(case)


def verify_chain(ctx, folder: Path) -> tuple[ChainResult, CaseSnapshot]:
    """Verify the hash-chained audit log and the database file."""
    with open_case(folder) as case:
        result = ChainResult(case.verify_audit(), case.db.integrity_check())
        return result, read_snapshot(case)


def match_item(ctx, folder: Path, path: Path, sha256: str) -> ItemMatch:
    """Find the item recorded for the file at ``path`` with hash ``sha256``."""
    resolved = Path(path).resolve()
    with open_case(folder) as case:
        same_path = [item for item in list_items(case) if item.path == resolved]
    exact = next((item for item in same_path if item.sha256 == sha256), None)
    return ItemMatch(exact, None if exact or not same_path else same_path[-1])


def record_run(ctx, folder: Path, item_id: int, finding: Finding, frame_index: int) -> None:
    """Audit an analysis run on an item of the case."""
    with open_case(folder) as case:
        record_analysis(case, item_id, finding, frame_index)


def bookmark(
    ctx, folder: Path, item_id: int | None, path: Path, sha256: str, finding: Finding, frame: np.ndarray | None,
    frame_index: int, note: str, status: str,
) -> tuple[Bookmark, CaseSnapshot]:
    """Bookmark a finding; with ``item_id`` None the file is taken in first (its bytes must match ``sha256``)
    and the analysis that ran before the intake is logged. Runs on items already in the case are logged
    when they happen (``record_run``)."""
    with open_case(folder) as case:
        if item_id is None:
            digest = sha256_file(Path(path))
            if digest != sha256:
                raise EvidenceMismatch(f"{Path(path).name} changed since it was opened; open it again, then "
                                       "bookmark", expected=sha256, actual=digest)
            [item] = add_evidence(case, [path])
            if item.sha256 != sha256:
                raise EvidenceMismatch(f"{item.name} changed while it was being taken in; it is item {item.id} now, "
                                       "open it again, then bookmark", expected=sha256, actual=item.sha256)
            item_id = item.id
            record_analysis(case, item_id, finding, frame_index)  # ran before intake, so not logged yet
        saved = add_bookmark(case, item_id, finding, frame=frame, frame_index=frame_index, note=note, status=status)
        return saved, read_snapshot(case)


def load_overlay(ctx, bm: Bookmark, shape: tuple[int, int]) -> StoredOverlay:
    """Read a bookmark's stored map and mask PNGs, check their hashes and fit them to ``shape`` (H, W)."""
    heat = mask = None
    problems = []
    for image in bm.images:
        if image.role not in ("map", "mask"):
            continue
        try:
            data = image.file.read_bytes()
        except OSError as exc:
            problems.append(f"stored {image.role} {image.file.name} cannot be read: {exc.strerror or exc}")
            continue
        if hashlib.sha256(data).hexdigest() != image.sha256:
            problems.append(f"stored {image.role} {image.file.name} does not match its recorded SHA-256")
            continue
        decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if decoded is None:
            problems.append(f"stored {image.role} {image.file.name} is not a readable PNG")
            continue
        fitted = cv2.resize(decoded, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
        if image.role == "map":
            heat = np.ascontiguousarray(fitted[:, :, ::-1])
        else:
            mask = fitted[:, :, 0] > 127
    return StoredOverlay(bm.id, heat, mask, tuple(problems))

