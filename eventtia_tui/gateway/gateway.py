"""The cached gateway: every read the screens make goes through here.

A read answers from the cache at once when it can (fresh, or stale with a refresh started behind it),
fetches when nothing is cached, and falls back to the last copy, marked offline, when the API cannot
be reached. Writes elsewhere call `invalidate` for what they touch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from ..api.client import EventtiaClient
from ..api.errors import Unavailable
from ..api.models import (
    AttendeeType,
    BusinessConference,
    Event,
    Meeting,
    Participant,
    ParticipantAgenda,
    ParticipantType,
    TicketStat,
    UnavailableHour,
    Workshop,
)
from ..store.attendee_db import AttendeeDB
from ..store.cache import CACHE_ERRORS, CacheStore, describe_cache_error
from ..store.index import AttendeeIndex
from ..store.json_disk import Entry
from ..store.pages import FullSyncState
from ..store.records import AttendeeRecord
from ..store.synced import AttendeeSnapshot, SyncedAttendees
from .checks import Checks
from .connection import ConnectionWatch
from .freshness import Freshness, Result
from .reports import SyncProgress, SyncReport

T = TypeVar("T")
# Inside `Gateway.revalidating()`, a stale read waits for the fresh copy instead of refreshing behind.
REVALIDATE: ContextVar[bool] = ContextVar("eventtia_revalidate", default=False)
OnUpdate = Callable[[Result[Any]], None]


class SharedReads(Protocol):
    """Venue mode (venue/reads.py): reads another machine made lately, shared instead of asked again. Blocking;
    never raises (a venue that cannot be reached answers None and takes nothing)."""

    def get(self, kind: str, parts: tuple[str, ...], lifetime: float) -> tuple[Any, float] | None:
        """The value and its age in seconds, if one machine of the venue read it less than `lifetime` ago."""

    def put(self, kind: str, parts: tuple[str, ...], value: Any) -> None:
        """A value this machine just read from Eventtia, for the others."""
class CheckTurn(Protocol):
    """Venue mode (venue/checks.py): one machine checks an event's copy against Eventtia for the venue, the others
    take the time of its last check. Blocking; never raises."""

    def take(self, uri: str, seconds: float) -> bool:
        """Whether it is this machine's turn (held `seconds`)."""

    def checked(self, uri: str) -> float | None:
        """When a machine of the venue last checked the event whole."""

    def done(self, uri: str, at: float) -> None:
        """This machine checked it whole; the check began at `at`."""


# (uri, run the sync here, full, on_progress) → its report, or the report of the machine that ran it
SyncCoordinator = Callable[[str, Callable[[], Awaitable[SyncReport]], bool, Callable[[SyncProgress], None]],
                           Awaitable[SyncReport]]


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of cached read: the group a write marks it stale by, and how long it counts as fresh."""

    group: str
    lifetime: float  # seconds


# Every cached read. A read's key is its kind and its parts (the event's uri first, but for the event list); its
# group is per event, but for the event list's.
KINDS: dict[str, Kind] = {
    "events": Kind("events", 3600), "event": Kind("event", 3600),
    "attendee_types": Kind("attendees", 6 * 3600), "tickets_stats": Kind("attendees", 10),
    "workshops": Kind("workshops", 60), "roster": Kind("workshops", 60), "attendee_workshops": Kind("workshops", 60),
    "conferences": Kind("b2b", 300), "participant_types": Kind("b2b", 300), "participants": Kind("b2b", 300),
    "unavailable_hours": Kind("b2b", 60), "agenda": Kind("b2b", 60), "meetings": Kind("b2b", 60),
}
GROUPS = frozenset(kind.group for kind in KINDS.values())


def group_key(uri: str, group: str) -> str:
    """The generation a group's cached reads are checked against (`Gateway.invalidate` bumps it)."""
    if group not in GROUPS:
        raise ValueError(f"no cached read is in the group {group!r}")
    return group if group == "events" else f"{uri}:{group}"


@dataclass(frozen=True, slots=True)
class RecordsChanged:
    """Attendees changed in this machine's copy (a sync page, a sync's changes, a write's record), as told to
    `Gateway.record_listeners` (venue mode passes them on to the other machines)."""

    uri: str
    records: dict[str, AttendeeRecord | None]
    page: int | None = None  # the full-sync page they are
    watermark: str | None = None
    synced_at: float | None = None
    # With a page: the listing as its sync knows it (pages, served per page, attendees), so a machine that
    # takes the sync over asks only for the pages missing, not page 1 again to learn them.
    listing: tuple[int, int, int] | None = None


class Gateway(ConnectionWatch):
    """Every read the screens make (KINDS, cached with their freshness), over the connection's state; the synced
    attendees are the store's (`synced`), passed on with what the gateway adds: disk problems, record listeners."""

    def __init__(self, client: EventtiaClient, store: CacheStore, *, clock: Callable[[], float] = time.time,
                 lifetimes: dict[str, float] | None = None) -> None:
        super().__init__(client, clock)
        self.store = store
        self.lifetimes = {**{name: kind.lifetime for name, kind in KINDS.items()}, **(lifetimes or {})}
        self.on_change: Callable[[str], None] | None = None  # an event's cached data changed locally
        self._background: dict[str, asyncio.Task[None]] = {}
        self.synced = SyncedAttendees(store, clock)
        self.checks = Checks(store, clock)  # when the copy was last checked against Eventtia (gateway/reconcile.py)
        self.cache_problem = ""  # why the last local change could not be saved to disk
        self.record_listeners: list[Callable[[RecordsChanged], None]] = []  # called in the thread that changed them
        # Venue mode: one machine syncs, the others follow; reads one machine made serve the others.
        self.sync_coordinator: SyncCoordinator | None = None
        self.check_turn: CheckTurn | None = None  # venue mode: whose turn it is to check the copy (venue/checks.py)
        self.shared_reads: SharedReads | None = None
        self._invalidated_at: dict[str, float] = {}  # per group: when a write here made its reads stale

    def _persist(self, write: Callable[[], Any]) -> None:
        """A local change's disk write: on a full or read-only disk the problem is kept for whoever made the
        change to report."""
        try:
            write()
        except CACHE_ERRORS as error:
            self.cache_problem = describe_cache_error(error)

    def take_cache_problem(self) -> str:
        problem, self.cache_problem = self.cache_problem, ""
        return problem

    # Cached reads -----------------------------------------------------------------------------------

    def _is_fresh(self, kind: str, group: str, entry: Entry) -> bool:
        age = self.clock() - entry.fetched_at
        return age < self.lifetimes[kind] and entry.generation == self.store.generation(group)

    @staticmethod
    def _group(kind: str, parts: tuple[str, ...]) -> str:
        return group_key(parts[0] if parts else "", KINDS[kind].group)

    async def read(self, kind: str, parts: tuple[str, ...], fetch: Callable[[], Awaitable[T]],
                   on_update: OnUpdate | None = None, force: bool = False) -> Result[T]:
        """Cached if fresh; cached now and refreshed behind if stale; fetched if missing or `force`d. `kind`: one
        of KINDS; `parts`: the event's uri first (none for the event list), then what else names the read."""
        key = self.store.key(kind, *parts)
        group = self._group(kind, parts)
        entry = await asyncio.to_thread(self.store.get, key)
        if force:
            return await self._fetch(key, group, fetch, entry, (kind, parts))
        if entry is not None and await asyncio.to_thread(self._is_fresh, kind, group, entry):
            return Result(entry.value, Freshness.FRESH, entry.fetched_at)
        if (shared := await self._from_venue(kind, parts, key, group)) is not None:
            return shared
        if entry is not None:
            if REVALIDATE.get():
                return await self._fetch(key, group, fetch, entry, (kind, parts))
            self._refresh_behind(key, group, fetch, entry, on_update, (kind, parts))
            state = Freshness.OFFLINE if self.connection.online is False else Freshness.STALE
            return Result(entry.value, state, entry.fetched_at)
        return await self._fetch(key, group, fetch, None, (kind, parts))

    async def _from_venue(self, kind: str, parts: tuple[str, ...], key: str, group: str) -> Result[Any] | None:
        """Venue mode: what another machine read lately (and after this machine's last write touching it)."""
        if self.shared_reads is None:
            return None
        found = await asyncio.to_thread(self.shared_reads.get, kind, parts, self.lifetimes[kind])
        if found is None:
            return None
        value, age = found
        fetched_at = self.clock() - age
        if fetched_at <= self._invalidated_at.get(group, float("-inf")):
            return None  # read before a write of this machine changed it: asked again
        self._persist(lambda: self.store.cache.set(key, Entry(value, fetched_at, self.store.generation(group))))
        return Result(value, Freshness.FRESH, fetched_at)

    @staticmethod
    @contextmanager
    def revalidating() -> Iterator[None]:
        token = REVALIDATE.set(True)
        try:
            yield
        finally:
            REVALIDATE.reset(token)

    def cached(self, kind: str, *parts: str) -> Result[Any] | None:
        """The cached copy without any I/O beyond the cache (blocking: call from a thread or at start-up)."""
        entry = self.store.get(self.store.key(kind, *parts))
        return None if entry is None else Result(entry.value, Freshness.STALE, entry.fetched_at)

    async def _fetch(self, key: str, group: str, fetch: Callable[[], Awaitable[T]], entry: Entry | None,
                     read: tuple[str, tuple[str, ...]] | None = None) -> Result[T]:
        generation = await asyncio.to_thread(self.store.generation, group)
        try:
            value = await self.call(fetch())
        except Unavailable:
            if entry is None:
                raise
            return Result(entry.value, Freshness.OFFLINE, entry.fetched_at)
        stored = await asyncio.to_thread(self.store.put, key, value, group, generation)
        if self.shared_reads is not None and read is not None:
            await asyncio.to_thread(self.shared_reads.put, read[0], read[1], value)
        return Result(value, Freshness.FRESH, stored.fetched_at)

    def _refresh_behind(self, key: str, group: str, fetch: Callable[[], Awaitable[Any]], entry: Entry,
                        on_update: OnUpdate | None, read: tuple[str, tuple[str, ...]] | None = None) -> None:
        if key in self._background and not self._background[key].done():
            return

        async def run() -> None:
            try:
                result = await self._fetch(key, group, fetch, entry, read)
            except Exception:  # a background refresh must never take the app down; the next read retries
                return
            if on_update is not None:
                on_update(result)

        self._background[key] = asyncio.ensure_future(run())

    def patch(self, kind: str, parts: tuple[str, ...], change: Callable[[Any], Any]) -> bool:
        """Blocking: rewrite a cached value in place (an optimistic write), keeping its freshness.

        Returns False when nothing is cached under that key (there is nothing on screen to update).
        """
        key = self.store.key(kind, *parts)
        entry = self.store.get(key)
        if entry is None:
            return False
        self._persist(lambda: self.store.cache.set(key, Entry(change(entry.value), entry.fetched_at, entry.generation)))
        return True

    def put_cached(self, kind: str, parts: tuple[str, ...], value: Any) -> None:
        """Blocking: a value cached as if it had just been read (a write's answer stands in for a read)."""
        self._persist(lambda: self.store.put(self.store.key(kind, *parts), value, self._group(kind, parts)))

    def changed(self, uri: str) -> None:
        """Tell the app an event's cached data changed here (not on the server): screens re-read it."""
        if self.on_change is not None:
            self.on_change(uri)

    def invalidate(self, uri: str, *groups: str) -> None:
        """Mark what a write touched as stale; the cached copies stay for offline reads."""
        for group in groups:
            self.store.bump(group_key(uri, group))
            self._invalidated_at[group_key(uri, group)] = self.clock()

    async def wait_for_background(self) -> None:
        """Let pending background refreshes finish (tests and clean shutdown)."""
        tasks = [task for task in self._background.values() if not task.done()]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # Typed reads --------------------------------------------------------------------------------------

    async def events(self, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[Event]]:
        return await self.read("events", (), self._items(lambda: self.client.list_events(page=None)),
                               on_update, force)

    async def event(self, uri: str, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[Event]:
        return await self.read("event", (uri,), lambda: self.client.get_event(uri), on_update, force)

    async def attendee_types(self, uri: str, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[AttendeeType]]:
        return await self.read("attendee_types", (uri,),
                               self._items(lambda: self.client.attendee_types(uri)), on_update, force)

    async def tickets_stats(self, uri: str, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[TicketStat]]:
        return await self.read("tickets_stats", (uri,),
                               lambda: self.client.tickets_stats(uri), on_update, force)

    async def workshops(self, uri: str, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[Workshop]]:
        return await self.read("workshops", (uri,),
                               self._items(lambda: self.client.list_workshops(uri, page=None)), on_update, force)

    async def roster(self, uri: str, workshop_id: str, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[Any]]:
        return await self.read("roster", (uri, workshop_id),
                               self._items(lambda: self.client.workshop_attendees(uri, workshop_id, page=None)),
                               on_update, force)

    async def attendee_workshops(self, uri: str, attendee_id: str,
                                 on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[Workshop]]:
        return await self.read("attendee_workshops", (uri, attendee_id),
                               self._items(lambda: self.client.attendee_workshops(uri, attendee_id)), on_update, force)

    async def conferences(self, uri: str, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[BusinessConference]]:
        return await self.read("conferences", (uri,),
                               self._items(lambda: self.client.business_conferences(uri)), on_update, force)

    async def participant_types(self, uri: str, conference_id: str,
                                on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[ParticipantType]]:
        return await self.read("participant_types", (uri, conference_id),
                               self._items(lambda: self.client.participant_types(uri, conference_id)), on_update, force)

    async def participants(self, uri: str, conference_id: str, participant_type_id: str | None = None,
                           on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[Participant]]:
        fetch = self._items(lambda: self.client.participants(uri, conference_id, participant_type_id))
        return await self.read("participants", (uri, conference_id, participant_type_id or "*"),
                               fetch, on_update, force)

    async def unavailable_hours(self, uri: str, conference_id: str, participant_type_id: str,
                                on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[UnavailableHour]]:
        fetch = self._items(lambda: self.client.unavailable_hours(uri, conference_id, participant_type_id))
        return await self.read("unavailable_hours", (uri, conference_id, participant_type_id),
                               fetch, on_update, force)

    async def agenda(self, uri: str, conference_id: str, participant_id: str,
                     on_update: OnUpdate | None = None,
            force: bool = False) -> Result[ParticipantAgenda]:
        return await self.read("agenda", (uri, conference_id, participant_id),
                               lambda: self.client.participant_agenda(uri, conference_id, participant_id), on_update, force)

    async def meetings(self, uri: str, conference_id: str, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[Meeting]]:
        return await self.read("meetings", (uri, conference_id),
                               self._items(lambda: self.client.meetings(uri, conference_id)), on_update, force)

    @staticmethod
    def _items(fetch_page: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[list[Any]]]:
        async def fetch() -> list[Any]:
            return list((await fetch_page()).items)

        return fetch

    # Synced attendees ----------------------------------------------------------------------------------
    #
    # They live in the cache's own database file (the store's SyncedAttendees), one copy for every process on
    # the host. A full sync writes each page as it lands, a change writes only what changed. What is here adds
    # what the store does not know of: a failed disk write kept as `cache_problem`, and the record listeners.

    @property
    def attendees(self) -> AttendeeDB:
        return self.store.attendees

    def load_snapshot(self, uri: str) -> AttendeeSnapshot | None:
        """Blocking but cheap: the synced attendees of an event (read from disk as asked), or None."""
        return self.synced.snapshot(uri)

    def is_complete(self, uri: str) -> bool:
        return self.synced.is_complete(uri)

    def synced_at(self, uri: str) -> float | None:
        """Blocking but cheap: when the event's attendees were last synced, without loading them."""
        return self.synced.synced_at(uri)

    def index(self, uri: str) -> AttendeeIndex | None:
        """Blocking: the event's search index, or None before any sync."""
        return self.synced.index(uri)

    def index_if_loaded(self, uri: str) -> AttendeeIndex | None:
        """The index if this process has opened it already (never blocks)."""
        return self.synced.index_if_loaded(uri)

    async def attendee_index(self, uri: str) -> AttendeeIndex | None:
        return self.synced.index_if_loaded(uri) or await asyncio.to_thread(self.synced.index, uri)

    def save_changes(self, uri: str, records: dict[str, AttendeeRecord | None], watermark: str | None = None,
                     synced_at: float | None = None) -> None:
        """Blocking: some attendees changed (None = gone); only those are written (and re-indexed)."""
        if self.synced.live(uri) is None:
            return
        self._persist(lambda: self.synced.save_changes(uri, records, watermark, synced_at))
        self._tell(RecordsChanged(uri, records, None, watermark, synced_at))

    def put_attendee(self, uri: str, record: AttendeeRecord) -> None:
        """A write's answer (or its optimistic guess) into the index and the cache, blocking."""
        self.save_changes(uri, {record.id: record})

    def drop_attendee(self, uri: str, attendee_id: str) -> None:
        index = self.index(uri)
        if index is not None and index.get(attendee_id) is not None:
            self.save_changes(uri, {attendee_id: None})

    def _tell(self, change: RecordsChanged) -> None:
        for listener in self.record_listeners:
            listener(change)

    # A full sync's pages, from a machine this one follows (venue mode), or this one's sync -----------------

    def full_sync_state(self, uri: str) -> FullSyncState | None:
        """Blocking: the unfinished full sync of an event, if one was interrupted."""
        return self.synced.full_sync_state(uri)

    def begin_full_sync(self, uri: str, started_at: str, type_names: dict[str, str], *,
                        restart: bool = False) -> tuple[FullSyncState, dict[str, AttendeeRecord]]:
        """Blocking: the sync to resume or a new one, and an empty dict for the caller's own bookkeeping."""
        return self.synced.begin_full_sync(uri, started_at, type_names, restart=restart), {}

    def save_sync_pages(self, uri: str, state: FullSyncState, pages: list[tuple[int, list[AttendeeRecord]]]) -> None:
        """Blocking: pages kept in one transaction (and searchable at once when this is the event's first sync)."""
        self.synced.save_sync_pages(state, pages)
        listing = (state.total_pages, state.page_size, state.total_attendees)
        for number, records in pages:
            self._tell(RecordsChanged(uri, {record.id: record for record in records}, number, listing=listing))

    def save_sync_page(self, uri: str, state: FullSyncState, number: int, records: list[AttendeeRecord]) -> None:
        self.save_sync_pages(uri, state, [(number, records)])

    def finish_full_sync(self, uri: str, state: FullSyncState, records: Mapping[str, AttendeeRecord] | None = None,
                         watermark: str | None = None, synced_at: float | None = None) -> AttendeeSnapshot | None:
        """Blocking: the pulled list becomes the event's list (see SyncedAttendees.finish_full_sync). `records`:
        unused (the pages are in the list already); kept for callers that track them."""
        self.synced.finish_full_sync(uri, state, watermark, synced_at)
        if watermark is not None:  # whole: the default listing read from end to end, a check from when it began
            try:
                began = datetime.fromisoformat(state.started_at)
            except ValueError:
                began = None
            if began is not None:
                self.checks.event_checked(uri, (began if began.tzinfo else began.replace(tzinfo=UTC)).timestamp())
        return self.synced.snapshot(uri)
