"""Event sync: pull every attendee (all pages, bounded concurrency) plus types, activities and B2B data.

The first sync of an event is full and pulls the default listing: the registrations that are active (the
reference: `include_archived` "also lists deleted and rejected participants", `include_rejected` lists
rejected ones "as well", so the default listing has neither). Later ones ask only for what changed since
the watermark (`updated_date_time`), twice: with `include_archived`, then without; a changed record only the
first listing holds was cancelled or rejected. No attribute is read as a cancellation: the reference
documents none. They cost requests in proportion to what changed. Every request goes in the budget's background lane, so the desk's own lookups and
writes go first. A full sync keeps each page as it arrives: the attendees are searchable while it runs,
and one interrupted (quit, crash, network) resumes at the pages it had not pulled yet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..api.budget import background_lane
from ..api.client import MAX_PAGE_SIZE, gather_or_cancel
from ..api.errors import ApiError, Malformed
from ..api.models import field_names_by_type, has_next_page
from ..store.page_writer import FROM_ATTENDEES, Page, PageWriter, ThreadPageWriter, WriterGone
from ..store.pages import FullSyncState, PageShape, newest, oldest, page_shape, records_from_page
from ..store.records import AttendeeRecord, unlisted
from ..store.writer_child import NotAListing, Written
from .gateway import Gateway
from .reports import SyncProgress, SyncReport

# Re-ask a little before the watermark: a record changed while a page was being read is not missed.
OVERLAP = timedelta(minutes=2)


FURTHEST_WEST = timedelta(hours=12)  # the largest negative UTC offset in use


class SyncStopped(Exception):
    """Raised by a sync guard: this machine must not ask for another page (venue mode: it lost the sync lease)."""


# Venue mode: awaited before each attendee page is asked for (venue/coordinator.py's fence); raises SyncStopped.
SYNC_GUARD: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar("eventtia_sync_guard", default=None)


def since(watermark: str, zone: str | None = None) -> str:
    """`updated_date_time` in the reference's format, 2021-10-31T14:25:46: a wall-clock time, no offset.

    The reference does not say in which zone the server reads it, so this is the earlier of the two
    readings (UTC and the event's zone): whichever the server uses, nothing changed since the watermark is
    missed; the cost is re-reading a few hours of changes when it reads the other one.
    """
    moment = datetime.fromisoformat(watermark)
    moment = (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment) - OVERLAP
    try:
        local = moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None) if zone else None
    except (ValueError, ZoneInfoNotFoundError):
        local = None
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    earliest = min(utc, local) if local is not None else utc - FURTHEST_WEST
    return earliest.isoformat(timespec="seconds")


@dataclass
class PageCount:
    pages: int | None  # None: the server did not say (follow links.next)
    attendees: int | None
    has_next: bool


def page_count(raw: Any, full: int | None = None) -> PageCount:
    """What a page says of the listing. `full`: how many page 1 served (the server's page size), for a
    listing that sends no `links.next`: it goes on until a short or empty page."""
    return counted(page_shape(raw), full)


def counted(shape: PageShape, full: int | None = None) -> PageCount:
    meta, links, served = shape

    def number(value: Any) -> int | None:
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None

    return PageCount(number(meta.get("total_pages")), number(meta.get("total_attendees")),
                     has_next_page(links, served, served if full is None else full))


class AttendeePages:
    """The attendee listing of one event, one page at a time, in the background lane."""

    def __init__(self, gateway: Gateway, uri: str, params: dict[str, Any], concurrency: int) -> None:
        self.gateway, self.uri = gateway, uri
        self.path = f"events/{uri}/attendees"
        self.params = params
        self.gate = asyncio.Semaphore(max(1, concurrency))
        # Pages asked for or received but not handled yet: when handling lags (a slow disk), no more are asked
        # for, so pages never pile up in memory.
        self.unhandled = asyncio.Semaphore(max(1, concurrency) * 2)
        self.requests = 0

    @property
    def asked(self) -> int:
        """The page size asked for (what the server is known to serve, at most 100)."""
        return self.gateway.client.paging.ask(MAX_PAGE_SIZE)

    def goes_on(self, served: list[int], total: int | None = None) -> bool:
        """Whether the listing has a page after these (items served on each, in page order): see api/paging."""
        return self.gateway.client.paging.goes_on(self.asked, served, total)

    async def get(self, number: int, size: int = MAX_PAGE_SIZE, *, decode: bool = True) -> Any:
        """The page's JSON (with `decode=False`, its bytes)."""
        async with self.gate:
            guard = SYNC_GUARD.get()
            if guard is not None:
                await guard()
            self.requests += 1
            client = self.gateway.client
            return await self.gateway.call(client.page(self.path, self.params, number, size, decode=decode))

    async def each(self, numbers: list[int], handle: Callable[[int, Any], Awaitable[None]], *,
                   decode: bool = True) -> None:
        """Fetch these pages, at most `concurrency` at a time, handing each over as it arrives."""
        async def one(number: int) -> None:
            async with self.unhandled:
                await handle(number, await self.get(number, decode=decode))

        await gather_or_cancel([one(number) for number in numbers])


async def sync_event(gateway: Gateway, uri: str, *, concurrency: int = 6, full: bool = False,
                     on_progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
    progress = on_progress or (lambda _: None)

    async def run() -> SyncReport:
        with background_lane():
            return await _sync_event(gateway, uri, concurrency, full, progress)

    if gateway.sync_coordinator is not None:  # venue mode: this machine syncs, or follows the one that does
        return await gateway.sync_coordinator(uri, run, full, progress)
    return await run()


async def _sync_event(gateway: Gateway, uri: str, concurrency: int, full: bool,
                      progress: Callable[[SyncProgress], None]) -> SyncReport:
    started = time.perf_counter()
    previous = await asyncio.to_thread(gateway.load_snapshot, uri)
    complete = previous is not None and await asyncio.to_thread(gateway.is_complete, uri)
    # An incremental sync asks from the watermark of a complete list; anything else is a full one.
    watermark = previous.watermark if previous is not None and complete and not full else None
    incremental = watermark is not None
    report = SyncReport(uri, "incremental" if incremental else "full")

    progress(SyncProgress("attendee types", 0, 1))
    types = (await gateway.attendee_types(uri, force=not incremental)).value
    names_by_type = field_names_by_type(types)
    type_names = {t.id: t.name or "" for t in types if t.id}

    if watermark is not None:
        await pull_changes(gateway, uri, watermark, names_by_type, concurrency, report, progress)
    else:
        await FullSync(gateway, uri, names_by_type, type_names, concurrency, report, progress).run()
    await asyncio.to_thread(gateway.synced.set_type_names, uri, type_names)
    report.attendees, report.active = await asyncio.to_thread(gateway.synced.counts, uri)

    await sync_related(gateway, uri, report, progress, force=not incremental)
    report.seconds = time.perf_counter() - started
    return report


async def pull_listing(pages: AttendeePages, names_by_type: dict[str, dict[str, str]],
                       progress: Callable[[SyncProgress], None], stage: str,
                       report: SyncReport | None = None) -> list[AttendeeRecord]:
    """Every record of one (small) listing: the pages its count says at once, then one by one until a short
    or empty page. A listing that ends short of the total it gave is noted in `report`."""
    found: list[AttendeeRecord] = []
    served: dict[int, int] = {}

    async def take(number: int, raw: Any) -> None:
        served[number] = page_shape(raw)[2]
        found.extend(records_from_page(raw, names_by_type))

    first = await pages.get(1)
    await take(1, first)
    count = page_count(first)
    if count.pages is not None:
        progress(SyncProgress(stage, 1, max(count.pages, 1)))
        await pages.each(list(range(2, count.pages + 1)), take)
    while pages.goes_on([served[number] for number in sorted(served)], count.attendees):
        number = len(served) + 1
        await take(number, await pages.get(number))
    if report is not None:
        received = sum(served.values())
        report.check_total(await believed_total(pages, count.attendees, received), received, "changed attendee")
    return found


async def believed_total(pages: AttendeePages, total: int | None, received: int) -> int | None:
    """The listing's `meta.total_attendees`, unless it is not this listing's count. The reference shows the field
    once and never defines it; a server may count the deleted and rejected too. So when a listing served fewer
    than it says, the same query with `include_archived`, one record a page, is asked how many that would be
    (its `meta.total_pages`, which the reference defines): the same number means the total counted those too,
    and the listing is whole."""
    if total is None or received >= total or pages.params.get("include_archived"):
        return total
    everything = AttendeePages(pages.gateway, pages.uri, {**pages.params, "include_archived": True}, 1)
    shape = page_shape(await everything.get(1, size=1))
    pages.requests += everything.requests
    return None if counted(shape).pages == total and shape[2] == min(total, 1) else total


async def pull_changes(gateway: Gateway, uri: str, watermark: str, names_by_type: dict[str, dict[str, str]],
                       concurrency: int, report: SyncReport, progress: Callable[[SyncProgress], None]) -> None:
    """What changed since the watermark: a handful of requests when a handful changed."""
    changed_since = since(watermark, await event_zone(gateway, uri))
    every = AttendeePages(gateway, uri, {"include_archived": True, "updated_date_time": changed_since}, concurrency)
    active = AttendeePages(gateway, uri, {"updated_date_time": changed_since}, concurrency)
    archived_too = await pull_listing(every, names_by_type, progress, "changes", report)
    merged = {record.id: unlisted(record) for record in archived_too}
    if not await all_still_active(active, len(archived_too)):
        active_now = await pull_listing(active, names_by_type, progress, "changes", report)
        merged.update((record.id, record) for record in active_now)
    else:
        merged = {record.id: record for record in archived_too}

    def compare() -> tuple[dict[str, AttendeeRecord | None], str | None]:
        index = gateway.index(uri)
        changed: dict[str, AttendeeRecord | None] = {}
        newest_seen: str | None = watermark
        for record in merged.values():
            old = index.get(record.id) if index is not None else None
            if old is None or old != record:
                changed[record.id] = record
                if record.cancelled and (old is None or not old.cancelled):
                    report.cancelled += 1
            newest_seen = newest(newest_seen, record.updated_at)
        return changed, newest_seen

    changed, newest_seen = await asyncio.to_thread(compare)
    # Not moved on when the listing ended short: the next sync asks for these changes again.
    moved_to = watermark if report.short else newest_seen
    report.changed = len(changed)
    report.requests = every.requests + active.requests
    # Only what changed is written and re-indexed: the 50,000 others stay as they are.
    await asyncio.to_thread(gateway.save_changes, uri, changed, moved_to, gateway.clock())


async def all_still_active(active: AttendeePages, changed: int) -> bool:
    """Whether every changed registration is still in the default listing (which the reference says leaves the
    deleted and rejected out), asked with one record a page: `meta.total_pages` — which the reference defines
    as the number of pages for the query — is then the number of active changes. Never judged by
    `meta.total_attendees`, which it shows once and never defines (counting archived ones too, it hid a
    cancellation made at another desk). The page must agree: one record when there are changes (a server that
    serves more than the one asked for, or none, has not said)."""
    shape = page_shape(await active.get(1, size=1))
    return shape[2] == min(changed, 1) and counted(shape).pages == changed


async def event_zone(gateway: Gateway, uri: str) -> str | None:
    """The event's time zone (cached with the event), or None when it cannot be had now."""
    try:
        return (await gateway.event(uri)).value.timezone
    except ApiError:
        return None


class FullSync:
    """Every attendee of an event, page by page; each page is kept as it lands (by a thread of this process, or by
    the writer child for a big first sync), so the sync can stop and resume anywhere, and the pages written so
    far are searchable at once on a first sync."""

    def __init__(self, gateway: Gateway, uri: str, names_by_type: dict[str, dict[str, str]],
                 type_names: dict[str, str], concurrency: int, report: SyncReport,
                 progress: Callable[[SyncProgress], None]) -> None:
        self.gateway, self.uri = gateway, uri
        self.names_by_type, self.type_names = names_by_type, type_names
        self.report, self.progress = report, progress
        self.pages = AttendeePages(gateway, uri, {}, concurrency)  # the default listing: active registrations
        self.started_at = datetime.fromtimestamp(gateway.clock(), UTC).isoformat(timespec="seconds")
        self.state = FullSyncState(self.started_at, type_names)  # until run() begins (or resumes) the sync
        self.served: dict[int, int] = {}  # page number → items it served (this run's pages)
        self.thread = ThreadPageWriter(lambda state, pages: gateway.save_sync_pages(uri, state, pages))
        self.child: PageWriter | None = None
        self.clock_started = time.perf_counter()

    async def run(self) -> None:
        await self._begin()
        try:
            await self._pull()
        finally:
            await self.thread.close()
            if self.child is not None:
                await self.child.close()
        await self._finish()

    async def _begin(self, restart: bool = False) -> None:
        self.state, _ = await asyncio.to_thread(self.gateway.begin_full_sync, self.uri, self.started_at,
                                                self.type_names, restart=restart)
        self.report.resumed_pages = len(self.state.done)
        self.served.clear()

    async def _pull(self) -> None:
        self._report_progress()
        while True:
            state = self.state
            missing = [n for n in range(1, state.total_pages + 1) if n not in state.done]
            if not missing and state.total_pages:
                so_far = [self.served.get(n, state.done.get(n, 0)) for n in range(1, state.total_pages + 1)]
                if not self.pages.goes_on(so_far, state.total_attendees or None):
                    return
                # The listing goes on past what its links and meta said (a server counting its pages on the size
                # asked for, not the size it serves, or giving no count): the pages its total says, else one more.
                state.page_size = state.page_size or self.served.get(1, state.done.get(1, 0))
                by_total = -(-state.total_attendees // state.page_size) if state.page_size else 0
                state.total_pages = max(state.total_pages + 1, by_total)
                continue
            # One page first: it says how many there are now (and that the page size is what it was).
            number = missing[0] if missing else 1
            raw = await self.pages.get(number)
            count = page_count(raw)
            if count.pages is None:  # no page count: one page at a time, until a short or empty one (above)
                await self._keep(number, raw)
                state.total_pages = max(state.total_pages, number)
                continue
            items = page_shape(raw)[2]
            if not state.page_size and count.pages > 1:
                state.page_size = items
            elif state.page_size and number < count.pages and items != state.page_size:
                # The server pages differently than when this sync began: page numbers no longer line up.
                await self._begin(restart=True)
                continue
            await self._keep(number, raw)
            state.total_pages = max(state.total_pages, number)
            rest = [n for n in range(1, state.total_pages + 1) if n not in state.done]
            if self.child is None and (path := self._child_path(len(rest))) is not None:
                self.child = await PageWriter.start(path)
            await self.pages.each(rest, self._keep, decode=self.child is None)

    def _child_path(self, pages_left: int) -> str | None:
        """The database file a big sync's pages are written into from a process of their own (page_writer.py);
        None to write them here: a smaller sync, an in-memory database, or venue mode (whose feed publishes
        every page's records from this process)."""
        state = self.state
        attendees = max(state.total_attendees, pages_left * (state.page_size or MAX_PAGE_SIZE))
        big = attendees >= FROM_ATTENDEES and not self.gateway.record_listeners
        return self.gateway.attendees.path if big else None

    async def _keep(self, number: int, page: Page) -> None:
        """A page written, then counted (the one place a sync's pages are: what the writer said of each)."""
        if isinstance(page, dict):  # counted before it is written too: the state saved with it says how many
            self._learn(counted(page_shape(page)))  # pages there are, so a sync resumed from it need not ask again
        try:
            written = await self._write(number, page)
        except NotAListing:
            raise Malformed() from None
        self.served[number] = written.shape[2]
        self._learn(counted(written.shape))
        self.state.page_kept(number, written.attendees, written.newest)
        self._report_progress()

    async def _write(self, number: int, page: Page) -> Written:
        if self.child is not None and isinstance(page, bytes):
            try:
                return await self.child.write(replace(self.state, done=dict(self.state.done)), number, page,
                                              self.names_by_type)
            except WriterGone:
                self.child = None  # the rest through this process
        return await self.thread.write(self.state, number, page, self.names_by_type)

    def _learn(self, count: PageCount) -> None:
        """What a page said of the listing's size."""
        if count.pages is not None and count.pages > self.state.total_pages:
            self.state.total_pages = count.pages
        if count.attendees is not None:
            self.state.total_attendees = count.attendees

    def _report_progress(self) -> None:
        state, report = self.state, self.report
        total = state.total_attendees or state.total_pages * (state.page_size or MAX_PAGE_SIZE)
        left = max(0, state.total_pages - len(state.done))
        fetched = len(state.done) - report.resumed_pages
        by_pace = (time.perf_counter() - self.clock_started) / fetched * left if fetched else None
        by_budget = self.gateway.client.budget.seconds_for(left)
        seconds = max(by_pace or 0.0, by_budget) if (by_pace is not None or by_budget) else None
        self.progress(SyncProgress("attendees", state.received, max(total, state.received, 1), seconds))

    async def _finish(self) -> None:
        state, report = self.state, self.report
        report.check_total(await believed_total(self.pages, state.total_attendees or None, state.received),
                           state.received, "attendee")
        report.requests = self.pages.requests
        # Changes made while a long sync ran may sit on pages pulled before them: the next incremental sync
        # asks from when this one began (or from the newest change seen, if the clocks disagree).
        watermark = oldest(state.started_at, state.newest) if state.newest else state.started_at
        if report.short:
            watermark = None  # no watermark: the next sync is a full one again (changes since would never fill the gap)
        report.changed = state.received
        await asyncio.to_thread(self.gateway.finish_full_sync, self.uri, state, None, watermark, self.gateway.clock())


async def sync_related(gateway: Gateway, uri: str, report: SyncReport,
                       progress: Callable[[SyncProgress], None], force: bool = True) -> None:
    """Activities, ticket stats and the B2B data, so every tab opens from the cache.

    Without `force`, only what has outlived its lifetime is asked for again (the budget is 100 a minute).
    """
    with gateway.revalidating():
        await _sync_related(gateway, uri, report, progress, force)


async def _sync_related(gateway: Gateway, uri: str, report: SyncReport,
                        progress: Callable[[SyncProgress], None], force: bool) -> None:
    progress(SyncProgress("activities", 0, 1))
    report.workshops = len((await gateway.workshops(uri, force=force)).value)
    await gateway.tickets_stats(uri, force=force)
    progress(SyncProgress("B2B", 0, 1))
    try:
        conferences = (await gateway.conferences(uri, force=force)).value
    except ApiError as error:  # an event without matchmaking may answer 403/404 here: not a failed sync
        report.warnings.append(f"B2B: {error.message}")
        return
    report.conferences = len(conferences)

    async def conference_data(conference_id: str) -> None:
        async def hours() -> None:
            for ptype in (await gateway.participant_types(uri, conference_id, force=force)).value:
                await gateway.unavailable_hours(uri, conference_id, ptype.id or "", force=force)

        await asyncio.gather(hours(), gateway.participants(uri, conference_id, force=force),
                             gateway.meetings(uri, conference_id, force=force))

    await asyncio.gather(*(conference_data(c.id or "") for c in conferences))
    progress(SyncProgress("done", 1, 1))
