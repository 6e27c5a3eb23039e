"""The synced attendees of one scope (an API and an account), event by event, in the cache's database file.

Each event has its live list (searchable through its index); a full sync that finds a complete list already
there fills a list of its own and swaps it in whole when it finishes, and a first sync fills the live list
page by page. Every call blocks (a thread's job, or cheap enough for start-up); the gateway decides when.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from .attendee_db import AttendeeDB, ListRow, decode
from .cache import CacheStore
from .index import AttendeeIndex
from .pages import FullSyncState
from .records import AttendeeRecord

# What older versions kept in the cache's key-value rows for an event's attendees (read no more: dropped).
OLD_KINDS = ("attendees", "attendee-changes", "full-sync", "synced_at")


@dataclass(slots=True)
class AttendeeSnapshot:
    """The synced attendees of one event: `records` reads them from the cache's database as asked."""

    records: Mapping[str, AttendeeRecord]
    watermark: str | None  # the newest updated_at seen: the next incremental sync asks from here
    synced_at: float
    type_names: dict[str, str]


class SyncedAttendees:
    def __init__(self, cache: CacheStore, clock: Callable[[], float] = time.time) -> None:
        self.cache = cache
        self.scope = cache.scope
        self.clock = clock
        self._indexes: dict[str, AttendeeIndex] = {}  # events whose index this process has opened

    @property
    def db(self) -> AttendeeDB:
        """The cache's database (opened on first use: blocking)."""
        return self.cache.attendees

    def live(self, uri: str) -> ListRow | None:
        return self.db.live(self.scope, uri)

    def _index_object(self, uri: str) -> AttendeeIndex:
        index = self._indexes.get(uri)
        if index is None:
            index = AttendeeIndex(db=self.db, scope=self.scope, event=uri)
        return index

    def index(self, uri: str) -> AttendeeIndex | None:
        """The event's search index (over the cache's database: nothing to load), or None before any sync."""
        if self.live(uri) is None:
            return None
        index = self._indexes[uri] = self._index_object(uri)
        return index

    def index_if_loaded(self, uri: str) -> AttendeeIndex | None:
        """The index if this process has opened it already (never blocks)."""
        return self._indexes.get(uri)

    def snapshot(self, uri: str) -> AttendeeSnapshot | None:
        """The event's attendees (read from disk as asked), or None. Before the first full sync has finished,
        this is what it has pulled so far (`is_complete` False)."""
        row = self.live(uri)
        if row is None:
            return None
        return AttendeeSnapshot(self._index_object(uri).records, row.watermark, row.synced_at or 0.0, row.type_names)

    def counts(self, uri: str) -> tuple[int, int]:
        """(attendees, active ones) of an event's list."""
        index = self.index(uri)
        return (len(index), index.active) if index is not None else (0, 0)

    def is_complete(self, uri: str) -> bool:
        """Whether the event's attendees are all here (False while a first full sync is still pulling)."""
        row = self.live(uri)
        return row is not None and row.complete

    def synced_at(self, uri: str) -> float | None:
        """When the event's attendees were last synced, without loading them."""
        row = self.live(uri)
        return row.synced_at if row is not None and row.complete and isinstance(row.synced_at, float) else None

    def set_type_names(self, uri: str, type_names: dict[str, str]) -> None:
        row = self.live(uri)
        if row is not None and row.type_names != type_names:
            with self.db.writing() as db:
                self.db.update_list(db, row.list, type_names=type_names)

    def save_changes(self, uri: str, records: Mapping[str, AttendeeRecord | None], watermark: str | None = None,
                     synced_at: float | None = None) -> None:
        """Some attendees changed (None = gone); only those are written (and re-indexed). Nothing is written to
        an event without a list (never synced here)."""
        with self.db.writing() as db:
            # The list is looked up inside the transaction: another process may have swapped a re-synced list in.
            row = self.db.list_row(db, self.scope, uri)
            if row is None:
                return
            kept = [record for record in records.values() if record is not None]
            if kept:
                self.db.put(db, row.list, kept, local=True)
            gone = [ident for ident, record in records.items() if record is None]
            if gone:
                self.db.remove(db, row.list, gone)
            marks = {name: value for name, value in (("watermark", watermark), ("synced_at", synced_at)) if value}
            if marks:
                self.db.update_list(db, row.list, **marks)

    # A full sync, page by page ---------------------------------------------------------------------------

    def _pulling(self, db: sqlite3.Connection, uri: str) -> ListRow | None:
        """The list an unfinished full sync fills: a list of its own, or the event's own on a first sync."""
        pulling = self.db.list_row(db, self.scope, uri, "pull")
        if pulling is not None:
            return pulling
        live = self.db.list_row(db, self.scope, uri)
        return live if live is not None and not live.complete else None

    def full_sync_state(self, uri: str) -> FullSyncState | None:
        """The unfinished full sync of an event, if one was interrupted."""
        with self.db.reading() as db:
            target = self._pulling(db, uri)
            return self.db.sync_state(db, target.list) if target is not None else None

    def begin_full_sync(self, uri: str, started_at: str, type_names: dict[str, str], *,
                        restart: bool = False) -> FullSyncState:
        """The sync to resume, or a new one. With no complete list yet, the pages go straight into the event's
        searchable list as they arrive; otherwise into a list of their own, swapped in whole at the end."""
        self._drop_leftovers(uri)
        with self.db.writing() as db:
            target = self._pulling(db, uri)
            state = self.db.sync_state(db, target.list) if target is not None and not restart else None
            if state is None:
                live = self.db.list_row(db, self.scope, uri)
                if target is not None and target.list != (live.list if live else None):
                    self._retire(db, target.list)  # an earlier re-sync's pages: page numbers may not line up
                    target = None
                if target is None:
                    role: Literal["pull", "live"] = "pull" if live is not None else "live"
                    list_id = self.db.create_list(db, self.scope, uri, role, type_names)
                else:
                    list_id = target.list
                state = FullSyncState(started_at, type_names, list=list_id, pull=self.db.bump(db, list_id))
            state.type_names = type_names
            self.db.update_list(db, state.list, sync_state=state, type_names=type_names)
        return state

    def save_sync_pages(self, state: FullSyncState, pages: list[tuple[int, list[AttendeeRecord]]]) -> None:
        """Pages kept in one transaction (one write of the index pages they touch), with the sync's state."""
        self.db.keep_pages(state, pages)

    def finish_full_sync(self, uri: str, state: FullSyncState, watermark: str | None = None,
                         synced_at: float | None = None) -> None:
        """The pulled list becomes the event's list. What was added here meanwhile and is not in it (a walk-in
        still being registered, an attendee looked up in the API) stays."""
        with self.db.writing() as db:
            live = self.db.list_row(db, self.scope, uri)
            if live is not None and live.list != state.list:
                carried = [decode(blob) for (blob,) in db.execute(
                    "select record from attendee_docs as old where list = ? and local = 1 and not exists "
                    "(select 1 from attendee_docs as new where new.list = ? and new.id = old.id)",
                    (live.list, state.list))]
                self.db.put(db, state.list, [record for record in carried if record is not None], local=True)
                self._retire(db, live.list)
                db.execute("update attendee_lists set role = 'live' where list = ?", (state.list,))
            else:
                # A first sync: what an earlier, restarted run wrote that this one did not, and nobody changed
                # here, is no longer listed.
                stale = [ident for (ident,) in db.execute(
                    "select id from attendee_docs where list = ? and pull != ? and local = 0", (state.list, state.pull))]
                self.db.remove(db, state.list, stale)
            db.execute("update attendee_docs set local = 0 where list = ? and local = 1", (state.list,))
            self.db.update_list(db, state.list, complete=1, watermark=watermark, synced_at=synced_at or self.clock(),
                                type_names=state.type_names, sync_state=None)
            self.db.bump(db, state.list)
        self._drop_leftovers(uri)
        for kind in OLD_KINDS:
            self.cache.cache.delete(self.cache.key(kind, uri))

    @staticmethod
    def _retire(db: sqlite3.Connection, list_id: int) -> None:
        """Mark a list to be deleted (outside this transaction, a chunk at a time)."""
        db.execute("update attendee_lists set role = 'drop-' || list where list = ?", (list_id,))

    def _drop_leftovers(self, uri: str) -> None:
        with self.db.reading() as db:
            retired = [list_id for (list_id,) in db.execute(
                "select list from attendee_lists where scope = ? and event = ? and role like 'drop-%'",
                (self.scope, uri))]
        for list_id in retired:
            self.db.drop_list(list_id)
