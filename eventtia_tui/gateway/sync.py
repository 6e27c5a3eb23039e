"""Event sync: pull every attendee (all pages, bounded concurrency) plus types, activities and B2B data.

The first sync of an event is full; later ones ask only for what changed since the newest `updated_at`
seen (`updated_date_time`, archived included, so cancellations arrive too).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ..api.client import MAX_PAGE_SIZE
from ..api.errors import ApiError
from ..api.models import field_names_by_type
from .gateway import AttendeeSnapshot, Gateway
from .records import AttendeeRecord, record_from_resource

# Re-ask a little before the watermark: a record changed while a page was being read is not missed.
OVERLAP = timedelta(minutes=2)


@dataclass(frozen=True)
class SyncProgress:
    stage: str
    done: int
    total: int


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
    warnings: list[str] | None = None


def newest(first: str | None, second: str | None) -> str | None:
    """The later of two ISO timestamps (unparseable ones lose)."""
    def parsed(value: str | None) -> datetime | None:
        try:
            return datetime.fromisoformat(value) if value else None
        except ValueError:
            return None

    a, b = parsed(first), parsed(second)
    if a is None:
        return second if b is not None else None
    if b is None:
        return first
    return first if a >= b else second


def since(watermark: str) -> str:
    return (datetime.fromisoformat(watermark) - OVERLAP).isoformat(timespec="seconds")


async def sync_event(gateway: Gateway, uri: str, *, concurrency: int = 6, full: bool = False,
                     on_progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
    started = time.perf_counter()
    progress = on_progress or (lambda _: None)
    previous = None if full else await asyncio.to_thread(gateway.load_snapshot, uri)
    report = SyncReport(uri, "incremental" if previous and previous.watermark else "full", warnings=[])

    progress(SyncProgress("attendee types", 0, 1))
    types = (await gateway.attendee_types(uri, force=True)).value
    names_by_type = field_names_by_type(types)
    type_names = {t.id: t.name or "" for t in types if t.id}

    params: dict[str, object] = {"include_archived": True}
    if report.mode == "incremental":
        params["updated_date_time"] = since(previous.watermark)

    def page_progress(done: int, total: int) -> None:
        progress(SyncProgress("attendees", done, total))

    document = await gateway.call(gateway.client.collect(
        f"events/{uri}/attendees", params, size=MAX_PAGE_SIZE, concurrency=concurrency, on_progress=page_progress))
    incremental = report.mode == "incremental"
    records: dict[str, AttendeeRecord] = previous.records if incremental else {}
    changed: dict[str, AttendeeRecord | None] = {}
    watermark = previous.watermark if incremental else None
    for resource in document.data:
        record = record_from_resource(resource, names_by_type)
        if record is None:
            continue
        old = records.get(record.id)
        if old is None or old != record:
            changed[record.id] = record
            if record.cancelled and (old is None or not old.cancelled):
                report.cancelled += 1
        if not incremental:
            records[record.id] = record
        watermark = newest(watermark, record.updated_at)
    report.changed = len(changed)
    if incremental:
        # Only what changed is written and re-indexed: the 50,000 others stay as they are.
        await asyncio.to_thread(gateway.save_changes, uri, changed, watermark, gateway.clock())
    else:
        await asyncio.to_thread(gateway.save_snapshot, uri,
                                AttendeeSnapshot(records, watermark, gateway.clock(), type_names))
    snapshot = await asyncio.to_thread(gateway.load_snapshot, uri)
    snapshot.type_names = type_names
    report.attendees = len(snapshot.records)
    report.active = sum(1 for r in snapshot.records.values() if not r.cancelled)

    await sync_related(gateway, uri, report, progress)
    report.seconds = time.perf_counter() - started
    return report


async def sync_related(gateway: Gateway, uri: str, report: SyncReport,
                       progress: Callable[[SyncProgress], None]) -> None:
    """Activities, ticket stats and the B2B data, so every tab opens from the cache."""
    progress(SyncProgress("activities", 0, 1))
    report.workshops = len((await gateway.workshops(uri, force=True)).value)
    await gateway.tickets_stats(uri, force=True)
    progress(SyncProgress("B2B", 0, 1))
    try:
        conferences = (await gateway.conferences(uri, force=True)).value
    except ApiError as error:  # an event without matchmaking may answer 403/404 here: not a failed sync
        report.warnings.append(f"B2B: {error.message}")
        return
    report.conferences = len(conferences)

    async def conference_data(conference_id: str) -> None:
        async def hours() -> None:
            for ptype in (await gateway.participant_types(uri, conference_id, force=True)).value:
                await gateway.unavailable_hours(uri, conference_id, ptype.id or "", force=True)

        await asyncio.gather(hours(), gateway.participants(uri, conference_id, force=True),
                             gateway.meetings(uri, conference_id, force=True))

    await asyncio.gather(*(conference_data(c.id or "") for c in conferences))
    progress(SyncProgress("done", 1, 1))
