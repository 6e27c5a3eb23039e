"""The cached gateway: every read the screens make goes through here.

A read answers from the cache at once when it can (fresh, or stale with a refresh started behind it),
fetches when nothing is cached, and falls back to the last copy, marked offline, when the API cannot
be reached. Writes elsewhere call `invalidate` for what they touch.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..api.budget import background_lane
from ..api.client import EventtiaClient
from ..api.errors import ApiError, Unavailable
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
from .freshness import Freshness, Result
from .index import AttendeeIndex
from .records import AttendeeRecord
from .store import CACHE_ERRORS, CacheStore, Entry, describe_cache_error

T = TypeVar("T")
# Inside `Gateway.revalidating()`, a stale read waits for the fresh copy instead of refreshing behind.
REVALIDATE: ContextVar[bool] = ContextVar("eventtia_revalidate", default=False)
OnUpdate = Callable[[Result[Any]], None]

# Seconds a cached read counts as fresh.
LIFETIMES: dict[str, float] = {
    "events": 3600, "event": 3600, "attendee_types": 6 * 3600, "tickets_stats": 10, "workshops": 60,
    "roster": 60, "attendee_workshops": 60, "conferences": 300, "participant_types": 300,
    "participants": 300, "unavailable_hours": 60, "agenda": 60, "meetings": 60,
}


# Keeping the connection state live (while someone shows it: see Gateway.watch_connection).
STALL_SECONDS = 3.0  # a request on the wire unanswered this long: "offline" (not answering) until it answers
PROBE_OFFLINE = 5.0  # offline, or writes waiting in the outbox: a probe this often, to know it is back
PROBE_IDLE = 10.0  # online with nothing asked: a probe after this long without any answer
WATCH_TICK = 0.5


@dataclass
class Connection:
    online: bool | None = None  # None until the first request answers or fails
    message: str = ""
    since: float = 0.0


COMPACT_AT = 2000  # changed records kept apart from the full list before they are folded into it


@dataclass(slots=True)
class AttendeeSnapshot:
    """The synced attendees of one event, as kept in the cache."""

    records: dict[str, AttendeeRecord]
    watermark: str | None  # the newest updated_at seen: the next incremental sync asks from here
    synced_at: float
    type_names: dict[str, str]
    index: AttendeeIndex | None = None  # saved with the records (they share the record objects)


@dataclass(slots=True)
class SnapshotChanges:
    """Attendees changed since the full list was written (None: no longer there)."""

    records: dict[str, AttendeeRecord | None] = field(default_factory=dict)
    watermark: str | None = None
    synced_at: float | None = None

    def apply_to(self, snapshot: AttendeeSnapshot) -> None:
        for ident, record in self.records.items():
            if record is None:
                snapshot.records.pop(ident, None)
            else:
                snapshot.records[ident] = record
        snapshot.watermark = self.watermark or snapshot.watermark
        snapshot.synced_at = self.synced_at or snapshot.synced_at


@dataclass(frozen=True, slots=True)
class RecordsChanged:
    """Attendees changed in this machine's copy (a sync page, a sync's changes, a write's record), as told to
    `Gateway.record_listeners` (venue mode passes them on to the other machines)."""

    uri: str
    records: dict[str, AttendeeRecord | None]
    page: int | None = None  # the full-sync page they are
    watermark: str | None = None
    synced_at: float | None = None


@dataclass(slots=True)
class FullSyncState:
    """A full sync under way. Its pages are kept as they arrive, so an interrupted one resumes there."""

    started_at: str  # ISO time it began: the incremental sync after it asks from here
    type_names: dict[str, str]
    page_size: int = 0  # what the server serves per page (0 until page 1 told)
    total_pages: int = 0
    total_attendees: int = 0
    done: dict[int, int] = field(default_factory=dict)  # page number → attendees on it

    @property
    def received(self) -> int:
        return sum(self.done.values())


class Gateway:
    def __init__(self, client: EventtiaClient, store: CacheStore, *, clock: Callable[[], float] = time.time,
                 lifetimes: dict[str, float] | None = None) -> None:
        self.client = client
        self.store = store
        self.clock = clock
        self.lifetimes = {**LIFETIMES, **(lifetimes or {})}
        self.connection = Connection()
        self.on_connection: Callable[[Connection], None] | None = None
        self.has_queued: Callable[[], bool] = lambda: False  # writes waiting in the outbox (set by the runner)
        self._watch: asyncio.Task | None = None
        self._probed_at = 0.0
        self.on_change: Callable[[str], None] | None = None  # an event's cached data changed locally
        self._background: dict[str, asyncio.Task] = {}
        self._indexes: dict[str, AttendeeIndex] = {}
        self._snapshots: dict[str, AttendeeSnapshot] = {}
        self._changes: dict[str, SnapshotChanges] = {}
        self._partial: set[str] = set()  # events whose attendees are still arriving from a first full sync
        self._load_lock = threading.RLock()  # one thread loads an event's attendees; the others wait for it
        self.cache_problem = ""  # why the last local change could not be saved to disk (it is in memory)
        self.record_listeners: list[Callable[[RecordsChanged], None]] = []  # called in the thread that changed them
        # Venue mode: (uri, run the sync here, full, on_progress) → report; one machine syncs, the others follow.
        self.sync_coordinator: Callable[..., Awaitable[Any]] | None = None

    def _persist(self, write: Callable[[], Any]) -> None:
        """A local change's disk write: on a full or read-only disk the change stays in memory (shown) and
        the problem is kept for whoever made the change to report."""
        try:
            write()
        except CACHE_ERRORS as error:
            self.cache_problem = describe_cache_error(error)

    def take_cache_problem(self) -> str:
        problem, self.cache_problem = self.cache_problem, ""
        return problem

    # Connection state -------------------------------------------------------------------------------

    def _mark(self, online: bool, message: str = "") -> None:
        changed = self.connection.online != online
        if changed:
            self.connection = Connection(online, message, self.clock())
        else:
            self.connection.message = message
        if changed and self.on_connection is not None:
            self.on_connection(self.connection)

    async def call(self, request: Awaitable[T]) -> T:
        """Run one API call, keeping the connection state up to date."""
        try:
            value = await request
        except Unavailable as error:
            self._mark(False, error.message)
            raise
        except ApiError:
            self._mark(True)  # it answered (a refusal is an answer)
            raise
        self._mark(True)
        return value

    def watch_connection(self) -> None:
        """Keep `connection` live for a header that shows it (call with the event loop running): "offline"
        within STALL_SECONDS of a request going unanswered, and a cheap probe (in the background lane of
        the request budget) while offline or writes wait, or after PROBE_IDLE without any answer."""
        if self._watch is None or self._watch.done():
            self._watch = asyncio.get_running_loop().create_task(self._watch_connection())

    def cancel_watch(self) -> asyncio.Task | None:
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.cancel()
        return watch

    async def stop_watching(self) -> None:
        watch = self.cancel_watch()
        if watch is not None:
            await asyncio.gather(watch, return_exceptions=True)

    async def _watch_connection(self) -> None:
        while True:
            await asyncio.sleep(WATCH_TICK)
            waiting = self.client.waiting_for()
            if waiting >= STALL_SECONDS:
                if self.connection.online is not False:
                    self._mark(False, f"Eventtia has not answered for {waiting:.0f} s.")
                continue
            if waiting or not self._probe_due():
                continue
            self._probed_at = time.monotonic()
            try:
                with background_lane():
                    await self.call(self.client.probe())
            except Exception:  # marked offline (or it answered): nothing else to do with it here
                pass

    def _probe_due(self) -> bool:
        now = time.monotonic()
        if self.connection.online is False or self.has_queued():
            return now - self._probed_at >= PROBE_OFFLINE
        if now - max(self.client.answered_at, self._probed_at) < PROBE_IDLE:
            return False
        budget = self.client.budget  # busy enough: its own requests say whether Eventtia answers
        return not budget.enabled or budget.remaining() >= budget.per_minute // 2

    # Cached reads -----------------------------------------------------------------------------------

    def _is_fresh(self, kind: str, group: str, entry: Entry) -> bool:
        age = self.clock() - entry.fetched_at
        return age < self.lifetimes.get(kind, 60) and entry.generation == self.store.generation(group)

    async def read(self, kind: str, group: str, parts: tuple[str, ...], fetch: Callable[[], Awaitable[T]],
                   on_update: OnUpdate | None = None, force: bool = False) -> Result[T]:
        """Cached if fresh; cached now and refreshed behind if stale; fetched if missing or `force`d."""
        key = self.store.key(kind, *parts)
        entry = await asyncio.to_thread(self.store.get, key)
        if force:
            return await self._fetch(key, group, fetch, entry)
        if entry is not None:
            if await asyncio.to_thread(self._is_fresh, kind, group, entry):
                return Result(entry.value, Freshness.FRESH, entry.fetched_at)
            if REVALIDATE.get():
                return await self._fetch(key, group, fetch, entry)
            self._refresh_behind(key, group, fetch, entry, on_update)
            state = Freshness.OFFLINE if self.connection.online is False else Freshness.STALE
            return Result(entry.value, state, entry.fetched_at)
        return await self._fetch(key, group, fetch, None)

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

    async def _fetch(self, key: str, group: str, fetch: Callable[[], Awaitable[T]], entry: Entry | None) -> Result[T]:
        generation = await asyncio.to_thread(self.store.generation, group)
        try:
            value = await self.call(fetch())
        except Unavailable:
            if entry is None:
                raise
            return Result(entry.value, Freshness.OFFLINE, entry.fetched_at)
        stored = await asyncio.to_thread(self.store.put, key, value, group, generation)
        return Result(value, Freshness.FRESH, stored.fetched_at)

    def _refresh_behind(self, key: str, group: str, fetch: Callable[[], Awaitable[Any]], entry: Entry,
                        on_update: OnUpdate | None) -> None:
        if key in self._background and not self._background[key].done():
            return

        async def run() -> None:
            try:
                result = await self._fetch(key, group, fetch, entry)
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

    def changed(self, uri: str) -> None:
        """Tell the app an event's cached data changed here (not on the server): screens re-read it."""
        if self.on_change is not None:
            self.on_change(uri)

    def invalidate(self, uri: str, *groups: str) -> None:
        """Mark what a write touched as stale; the cached copies stay for offline reads."""
        for group in groups:
            self.store.bump(f"{uri}:{group}")

    async def wait_for_background(self) -> None:
        """Let pending background refreshes finish (tests and clean shutdown)."""
        tasks = [task for task in self._background.values() if not task.done()]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # Typed reads --------------------------------------------------------------------------------------

    async def events(self, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[Event]]:
        return await self.read("events", "events", (), self._items(lambda: self.client.list_events(page=None)),
                               on_update, force)

    async def event(self, uri: str, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[Event]:
        return await self.read("event", f"{uri}:event", (uri,), lambda: self.client.get_event(uri), on_update, force)

    async def attendee_types(self, uri: str, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[AttendeeType]]:
        return await self.read("attendee_types", f"{uri}:attendees", (uri,),
                               self._items(lambda: self.client.attendee_types(uri)), on_update, force)

    async def tickets_stats(self, uri: str, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[TicketStat]]:
        return await self.read("tickets_stats", f"{uri}:attendees", (uri,),
                               lambda: self.client.tickets_stats(uri), on_update, force)

    async def workshops(self, uri: str, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[Workshop]]:
        return await self.read("workshops", f"{uri}:workshops", (uri,),
                               self._items(lambda: self.client.list_workshops(uri, page=None)), on_update, force)

    async def roster(self, uri: str, workshop_id: str, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[Any]]:
        return await self.read("roster", f"{uri}:workshops", (uri, workshop_id),
                               self._items(lambda: self.client.workshop_attendees(uri, workshop_id, page=None)),
                               on_update, force)

    async def attendee_workshops(self, uri: str, attendee_id: str,
                                 on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[Workshop]]:
        return await self.read("attendee_workshops", f"{uri}:workshops", (uri, attendee_id),
                               self._items(lambda: self.client.attendee_workshops(uri, attendee_id)), on_update, force)

    async def conferences(self, uri: str, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[BusinessConference]]:
        return await self.read("conferences", f"{uri}:b2b", (uri,),
                               self._items(lambda: self.client.business_conferences(uri)), on_update, force)

    async def participant_types(self, uri: str, conference_id: str,
                                on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[ParticipantType]]:
        return await self.read("participant_types", f"{uri}:b2b", (uri, conference_id),
                               self._items(lambda: self.client.participant_types(uri, conference_id)), on_update, force)

    async def participants(self, uri: str, conference_id: str, participant_type_id: str | None = None,
                           on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[Participant]]:
        fetch = self._items(lambda: self.client.participants(uri, conference_id, participant_type_id))
        return await self.read("participants", f"{uri}:b2b", (uri, conference_id, participant_type_id or "*"),
                               fetch, on_update, force)

    async def unavailable_hours(self, uri: str, conference_id: str, participant_type_id: str,
                                on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[UnavailableHour]]:
        fetch = self._items(lambda: self.client.unavailable_hours(uri, conference_id, participant_type_id))
        return await self.read("unavailable_hours", f"{uri}:b2b", (uri, conference_id, participant_type_id),
                               fetch, on_update, force)

    async def agenda(self, uri: str, conference_id: str, participant_id: str,
                     on_update: OnUpdate | None = None,
            force: bool = False) -> Result[ParticipantAgenda]:
        return await self.read("agenda", f"{uri}:b2b", (uri, conference_id, participant_id),
                               lambda: self.client.participant_agenda(uri, conference_id, participant_id), on_update, force)

    async def meetings(self, uri: str, conference_id: str, on_update: OnUpdate | None = None,
            force: bool = False) -> Result[list[Meeting]]:
        return await self.read("meetings", f"{uri}:b2b", (uri, conference_id),
                               self._items(lambda: self.client.meetings(uri, conference_id)), on_update, force)

    @staticmethod
    def _items(fetch_page: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[list[Any]]]:
        async def fetch() -> list[Any]:
            return list((await fetch_page()).items)

        return fetch

    # Synced attendees ----------------------------------------------------------------------------------
    #
    # The full list is one big pickle, written by a full sync. Changes after it (an incremental sync,
    # each write's optimistic record and the server's answer) go to a small separate "changes" entry, so
    # a write costs a few kilobytes, not a re-pickle of 50,000 attendees; past COMPACT_AT changes the
    # two are folded together again.

    def _snapshot_key(self, uri: str) -> str:
        return self.store.key("attendees", uri)

    def _changes_key(self, uri: str) -> str:
        return self.store.key("attendee-changes", uri)

    def load_snapshot(self, uri: str) -> AttendeeSnapshot | None:
        """Blocking: the synced attendees of an event, from memory or the cache (loaded once).

        Before the first full sync has finished, this is what it has pulled so far (`is_complete` False).
        """
        with self._load_lock:
            if uri not in self._snapshots:
                # Unpickling 50,000 records allocates a million objects: the cyclic GC would run dozens of
                # times over them for nothing (none of them is garbage), doubling the load time.
                gc.disable()
                try:
                    snapshot = self.store.get_value(self._snapshot_key(uri))
                finally:
                    gc.enable()
                if isinstance(snapshot, AttendeeSnapshot):
                    gc.freeze()  # and later full collections need not walk them again (130 ms pauses while typing)
                else:
                    snapshot = self._partial_snapshot(uri)
                if snapshot is None:
                    return None
                index = getattr(snapshot, "index", None)  # None in a copy saved without it
                snapshot.index = None
                changes = self.store.get_value(self._changes_key(uri))
                if isinstance(changes, SnapshotChanges):
                    changes.apply_to(snapshot)
                    self._changes[uri] = changes
                    if index is not None:
                        index.apply(changes.records)
                if index is not None:
                    self._indexes[uri] = index
                self._snapshots[uri] = snapshot
            return self._snapshots[uri]

    def save_snapshot(self, uri: str, snapshot: AttendeeSnapshot, index: AttendeeIndex | None = None) -> None:
        """Blocking: keep the whole synced list (a full sync) and build the search index over it."""
        index = index or AttendeeIndex(snapshot.records.values())
        with self._load_lock:
            self._store_with_index(uri, snapshot, index)
            self.store.cache.delete(self._changes_key(uri))
            self.store.set_value(self.store.key("synced_at", uri), snapshot.synced_at)
            self._changes.pop(uri, None)
            self._partial.discard(uri)
            self._snapshots[uri] = snapshot
            self._indexes[uri] = index

    def _store_with_index(self, uri: str, snapshot: AttendeeSnapshot, index: AttendeeIndex | None) -> None:
        snapshot.index = index
        try:
            self.store.set_value(self._snapshot_key(uri), snapshot)
        finally:
            snapshot.index = None

    def save_changes(self, uri: str, records: dict[str, AttendeeRecord | None], watermark: str | None = None,
                     synced_at: float | None = None) -> None:
        """Blocking: some attendees changed (None = gone); update the list, the index and the cache."""
        snapshot = self.load_snapshot(uri)
        if snapshot is None:
            return
        index = self.index(uri)
        with self._load_lock:
            changes = self._changes.setdefault(uri, SnapshotChanges())
            changes.records.update(records)
            changes.watermark = watermark or changes.watermark
            changes.synced_at = synced_at or changes.synced_at
            SnapshotChanges(records, watermark, synced_at).apply_to(snapshot)
            index.apply(records)
            self._persist(lambda: self._save_changes(uri, snapshot, index, changes, synced_at))
        self._tell(RecordsChanged(uri, records, None, watermark, synced_at))

    def _tell(self, change: RecordsChanged) -> None:
        for listener in self.record_listeners:
            listener(change)

    def _save_changes(self, uri: str, snapshot: AttendeeSnapshot, index: AttendeeIndex, changes: SnapshotChanges,
                      synced_at: float | None) -> None:
        if len(changes.records) > COMPACT_AT and uri not in self._partial:
            self._store_with_index(uri, snapshot, index)
            self.store.cache.delete(self._changes_key(uri))
            self._changes.pop(uri, None)
        else:
            self.store.set_value(self._changes_key(uri), changes)
        if synced_at is not None:
            self.store.set_value(self.store.key("synced_at", uri), synced_at)

    # A full sync, page by page ---------------------------------------------------------------------------

    def _sync_state_key(self, uri: str) -> str:
        return self.store.key("full-sync", uri)

    def _page_key(self, uri: str, number: int) -> str:
        return self.store.key("full-sync-page", uri, str(number))

    def full_sync_state(self, uri: str) -> FullSyncState | None:
        """Blocking: the unfinished full sync of an event, if one was interrupted."""
        state = self.store.get_value(self._sync_state_key(uri))
        return state if isinstance(state, FullSyncState) else None

    def is_complete(self, uri: str) -> bool:
        """Whether the event's attendees are all here (False while a first full sync is still pulling)."""
        return uri not in self._partial and self.load_snapshot(uri) is not None

    def _stored_pages(self, uri: str, state: FullSyncState) -> dict[str, AttendeeRecord]:
        records: dict[str, AttendeeRecord] = {}
        for number in sorted(state.done):
            for record in self.store.get_value(self._page_key(uri, number)) or ():
                records[record.id] = record
        return records

    def _partial_snapshot(self, uri: str) -> AttendeeSnapshot | None:
        state = self.full_sync_state(uri)
        if state is None:
            return None
        self._partial.add(uri)
        return AttendeeSnapshot(self._stored_pages(uri, state), None, 0.0, state.type_names)

    def begin_full_sync(self, uri: str, started_at: str, type_names: dict[str, str], *,
                        restart: bool = False) -> tuple[FullSyncState, dict[str, AttendeeRecord]]:
        """Blocking: the sync to resume (with what its pages hold) or a new one.

        With no complete list yet, the pages go straight into the searchable list as they arrive.
        """
        with self._load_lock:
            state = self.full_sync_state(uri)
            if state is None or restart:
                self._drop_pages(uri, state)
                state = FullSyncState(started_at, type_names)
                self.store.set_value(self._sync_state_key(uri), state)
            state.type_names = type_names
            snapshot = self.load_snapshot(uri)
            if snapshot is None:
                snapshot = AttendeeSnapshot({}, None, 0.0, type_names)
                self._snapshots[uri] = snapshot
                self._partial.add(uri)
            if uri in self._partial and uri not in self._indexes:
                # Filled page by page as they land (while the next ones are on the network), not at the end.
                self._indexes[uri] = AttendeeIndex(snapshot.records.values())
            snapshot.type_names = type_names
            return state, self._stored_pages(uri, state)

    def save_sync_page(self, uri: str, state: FullSyncState, number: int, records: list[AttendeeRecord]) -> None:
        """Blocking: one page kept (and searchable at once when this is the event's first sync)."""
        self.store.set_value(self._page_key(uri, number), records)
        with self._load_lock:
            state.done[number] = len(records)
            self.store.set_value(self._sync_state_key(uri), state)
            if uri in self._partial:
                snapshot = self._snapshots[uri]
                snapshot.records.update((record.id, record) for record in records)
                index = self._indexes.get(uri)
                if index is not None:
                    index.upsert_many(records)
        self._tell(RecordsChanged(uri, {record.id: record for record in records}, number))

    def finish_full_sync(self, uri: str, state: FullSyncState, records: dict[str, AttendeeRecord],
                         watermark: str | None, synced_at: float) -> AttendeeSnapshot:
        """Blocking: the pulled list becomes the event's list. What was added here meanwhile and is not
        in it (a walk-in still being registered, an attendee looked up in the API) stays."""
        with self._load_lock:
            changes = self._changes.get(uri)
            if changes is not None:
                for ident, record in changes.records.items():
                    if record is not None and ident not in records:
                        records[ident] = record
            snapshot = AttendeeSnapshot(records, watermark, synced_at, state.type_names)
            # A first sync filled the live index page by page: it holds these very records already.
            live = self._indexes.get(uri) if uri in self._partial else None
            self.save_snapshot(uri, snapshot, live)
            self._drop_pages(uri, state)
            return snapshot

    def _drop_pages(self, uri: str, state: FullSyncState | None) -> None:
        with self.store.cache.transact():
            for number in (state.done if state else ()):
                self.store.cache.delete(self._page_key(uri, number))
            self.store.cache.delete(self._sync_state_key(uri))

    def index(self, uri: str) -> AttendeeIndex | None:
        """Blocking on first use per event (loads the snapshot); then an in-memory lookup."""
        if uri not in self._indexes:
            snapshot = self.load_snapshot(uri)
            if snapshot is None:
                return None
            with self._load_lock:
                if uri not in self._indexes:
                    self._indexes[uri] = AttendeeIndex(snapshot.records.values())
        return self._indexes[uri]

    def index_if_loaded(self, uri: str) -> AttendeeIndex | None:
        """The index if it is in memory already (never blocks)."""
        return self._indexes.get(uri)

    async def attendee_index(self, uri: str) -> AttendeeIndex | None:
        if uri in self._indexes:
            return self._indexes[uri]
        return await asyncio.to_thread(self.index, uri)

    def put_attendee(self, uri: str, record: AttendeeRecord) -> None:
        """A write's answer (or its optimistic guess) into the index and the cache, blocking."""
        self.save_changes(uri, {record.id: record})

    def drop_attendee(self, uri: str, attendee_id: str) -> None:
        snapshot = self.load_snapshot(uri)
        if snapshot is not None and attendee_id in snapshot.records:
            self.save_changes(uri, {attendee_id: None})

    def synced_at(self, uri: str) -> float | None:
        """Blocking but cheap: when the event's attendees were last synced, without loading them."""
        value = self.store.get_value(self.store.key("synced_at", uri))
        return value if isinstance(value, float) else None
