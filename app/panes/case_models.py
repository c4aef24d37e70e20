"""Plain data the Case pane shows: one consistent snapshot of a case, read on a worker thread.

No Qt here: snapshots are built by background jobs and handed to the GUI thread whole. The evidence
engine (SQLite, cryptography) is imported only by the jobs, on a worker thread, so that the main
window's start-up does not pay for it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engines.evidence import AuditEntry, Bookmark, Case, CaseInfo, Item

# What an item's last re-verification said; "intake" = hashed when taken in, not re-checked since.
ITEM_STATE_LABELS = {"intake": "hashed at intake", "verified": "verified", "mismatch": "CHANGED",
                     "missing": "MISSING"}
STATUSES = (("ok", "OK"), ("check", "To check"), ("warning", "Warning"))  # = engines.evidence.STATUS_LABELS
STATUS_FILTERS = (("all", "All statuses"), *STATUSES)
_SNAPSHOT_TRIES = 5


@dataclasses.dataclass(frozen=True)
class ItemRow:
    """An evidence item with the outcome of its latest hash check."""

    item: Item
    state: str  # key of ITEM_STATE_LABELS
    checked_at: str

    @property
    def state_label(self) -> str:
        return ITEM_STATE_LABELS.get(self.state, self.state)

    @property
    def ok(self) -> bool:
        return self.state in ("intake", "verified")


@dataclasses.dataclass(frozen=True)
class AuditLine:
    """One audit entry as the pane lists it."""

    seq: int
    at: str
    action: str
    actor: str
    description: str
    entry_hash: str


@dataclasses.dataclass(frozen=True)
class CaseSnapshot:
    """Everything the pane lists about one case, read at one audit-log position (``version``)."""

    folder: Path
    info: CaseInfo
    version: int
    items: tuple[ItemRow, ...]
    bookmarks: tuple[Bookmark, ...]
    audit: tuple[AuditLine, ...]
    titles: dict[str, str] = dataclasses.field(default_factory=dict)  # analysis id -> title

    def item(self, item_id: int) -> ItemRow | None:
        return next((row for row in self.items if row.item.id == item_id), None)

    def bookmark(self, bookmark_id: int) -> Bookmark | None:
        return next((bm for bm in self.bookmarks if bm.id == bookmark_id), None)

    def find_item(self, path: Path, sha256: str) -> ItemRow | None:
        """The item recorded for exactly this file (same resolved path and same intake hash)."""
        resolved = Path(path).resolve()
        return next((row for row in self.items if row.item.path == resolved and row.item.sha256 == sha256), None)


def item_states(entries: Iterable[AuditEntry]) -> dict[int, tuple[str, str]]:
    """Latest hash-check outcome per item id, from the audit log: ``{item_id: (state, at)}``."""
    states: dict[int, tuple[str, str]] = {}
    for entry in entries:
        details = entry.details
        if entry.action == "intake":
            states[int(details.get("item_id", 0))] = ("intake", entry.at)
        elif entry.action == "verify":
            result = str(details.get("result", ""))
            states[int(details.get("item_id", 0))] = (result if result in ITEM_STATE_LABELS else "missing", entry.at)
    return states


def filter_bookmarks(bookmarks: Iterable[Bookmark], status: str) -> list[Bookmark]:
    """Bookmarks with ``status`` ("ok", "check", "warning"), or all of them for "all"."""
    return [bm for bm in bookmarks if status == "all" or bm.status == status]


def case_job(ctx, name: str, *args: Any) -> Any:
    """Run ``app.panes.case_jobs.<name>(ctx, *args)``; the jobs module (and the engine) loads on the worker."""
    from app.panes import case_jobs

    return getattr(case_jobs, name)(ctx, *args)


def _audit_position(case: Case) -> int:
    row = case.db.read_one("SELECT seq FROM audit_head WHERE id = 1")
    return 0 if row is None else int(row[0])


def read_snapshot(case: Case) -> CaseSnapshot:
    """Read items, bookmarks and audit log of ``case`` consistently (retried if a writer got in between).

    Every change to a case appends to its audit log, so an unchanged audit position before and after
    the reads means the lists belong together; that position is the snapshot's ``version``.
    """
    from engines.evidence import list_bookmarks, list_items
    from engines.evidence.report_model import describe_entry

    for _ in range(_SNAPSHOT_TRIES):
        before = _audit_position(case)
        items = list_items(case)
        bookmarks = list_bookmarks(case)
        entries = case.audit_entries()
        if _audit_position(case) == before:
            break
    states = item_states(entries)
    rows = tuple(ItemRow(item, *states.get(item.id, ("intake", item.intake_at))) for item in items)
    audit = tuple(AuditLine(e.seq, e.at, e.action, e.actor, describe_entry(e), e.entry_hash) for e in entries)
    return CaseSnapshot(case.folder, case.info, before, rows, tuple(bookmarks), audit, method_titles(bookmarks))


def method_titles(bookmarks: Iterable[Bookmark]) -> dict[str, str]:
    """Display titles of the bookmarked analyses (the id itself for analyses this build does not know)."""
    from engines.forensics import get_analysis

    titles = {}
    for bm in bookmarks:
        try:
            titles[bm.engine] = get_analysis(bm.engine).title
        except KeyError:
            titles[bm.engine] = bm.engine
    return titles
