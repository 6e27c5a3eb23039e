"""What a sync tells while it runs (SyncProgress) and when it is done (SyncReport)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class SyncProgress:
    stage: str
    done: int
    total: int
    seconds_left: float | None = None  # about how long the rest takes (pages left at the request budget)


@dataclass
class SyncReport:
    uri: str
    mode: Literal["full", "incremental"]
    attendees: int = 0  # in the cache after the sync, cancelled ones included
    active: int = 0
    changed: int = 0
    cancelled: int = 0
    workshops: int = 0
    conferences: int = 0
    seconds: float = 0.0
    requests: int = 0  # attendee pages asked for
    resumed_pages: int = 0  # pages an interrupted full sync had kept, not asked for again
    warnings: list[str] = field(default_factory=list)
    short: str = ""  # why the attendees pulled are fewer than Eventtia counted ("": none missing)

    def check_total(self, total: int | None, received: int, listing: str) -> None:
        """A listing that gave its total (`meta.total_attendees`) and served fewer: the sync ended short."""
        if total is not None and received < total:
            self.short = (f"Eventtia counted {total:,} attendees in the {listing} listing but served {received:,}: "
                          "this copy may be missing some. Run the sync again (`sync --full` reads everything).")
