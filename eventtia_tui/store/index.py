"""The attendee index: one keystroke answers from here, never from the network.

Exact on uuid, email and a scanned qr_code; prefix, then fuzzy (rapidfuzz), on names, companies, the
email's parts and the telephone; accent- and case-insensitive. It reads the cache's database (attendee_db):
one copy on disk for every process on the host, with only the rows asked for turned into Python objects.
Built from records alone (`AttendeeIndex(records)`), it holds them in an in-memory database of its own.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from ..badge import Badge, BadgeMatch
from .attendee_db import AttendeeDB, ListRow, decode
from .records import AttendeeRecord
from .words import EXACT, fold, words

__all__ = ["AttendeeIndex", "AttendeeRecords", "Match", "fold", "words"]
log = logging.getLogger(__name__)
T = TypeVar("T")
E = TypeVar("E")
P = ParamSpec("P")


def no_match() -> BadgeMatch[AttendeeRecord]:
    return BadgeMatch("")


def answering(empty: Callable[[], E]) -> Callable[[Callable[P, T]], Callable[P, T | E]]:
    """A read the screen makes while typing: a cache database that fails under it (damaged on disk, gone)
    answers `empty()` and is logged, never a traceback in the terminal."""
    def decorate(read: Callable[P, T]) -> Callable[P, T | E]:
        @wraps(read)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> T | E:
            try:
                return read(*args, **kwargs)
            except sqlite3.Error as error:
                log.warning("the attendee index could not be read (%s)", error)
                return empty()
        return guarded
    return decorate


@dataclass(frozen=True, slots=True)
class Match:
    record: AttendeeRecord
    score: float
    exact: bool  # named by a badge's QR or code, a uuid or a whole email (Badge.resolve): open the card at once


class AttendeeIndex:
    def __init__(self, records: Iterable[AttendeeRecord] = (), *, db: AttendeeDB | None = None, scope: str = "",
                 event: str = "") -> None:
        self.scope, self.event = scope, event
        if db is None:
            db = AttendeeDB()
            with db.writing() as connection:
                list_id = db.create_list(connection, scope, event, "live", {})
                db.update_list(connection, list_id, complete=1)
                db.put(connection, list_id, records)
        self.db = db
        self.records = AttendeeRecords(self)

    def _row(self, connection: sqlite3.Connection) -> ListRow | None:
        return self.db.list_row(connection, self.scope, self.event)

    def __len__(self) -> int:
        with self.db.reading() as connection:
            row = self._row(connection)
            return self.db.counts(connection, row)[0] if row is not None else 0

    @property
    def active(self) -> int:
        """Attendees not cancelled (the search pane's count)."""
        with self.db.reading() as connection:
            row = self._row(connection)
            return self.db.counts(connection, row)[1] if row is not None else 0

    @answering(lambda: None)
    def get(self, attendee_id: str) -> AttendeeRecord | None:
        with self.db.reading() as connection:
            row = self._row(connection)
            return self.db.get(connection, row.list, attendee_id) if row is not None else None

    @answering(no_match)
    def find(self, badge: Badge) -> BadgeMatch[AttendeeRecord]:
        """The registrations a badge, a uuid or a whole email names, and how (see Badge.resolve)."""
        with self.db.reading() as connection:
            row = self._row(connection)
            return self.db.find(connection, row.list, badge) if row is not None else BadgeMatch("")

    def exact(self, query: str) -> AttendeeRecord | None:
        """The registration a scanned QR, a code, a uuid or a whole email names first, if any."""
        return self.find(Badge.parse(query)).first

    @answering(lambda: None)
    def warm(self) -> None:
        """Read into this process what the first searches would otherwise read on a key: the name words that
        fuzzy matching runs over, and the counts. A thread's job, once the index is open."""
        with self.db.reading() as connection:
            row = self._row(connection)
            if row is not None:
                self.db.vocabulary(connection, row)
                self.db.counts(connection, row)

    @answering(list)
    def search(self, query: str, limit: int = 50, include_cancelled: bool = True) -> list[Match]:
        text = query.strip()
        if not text:
            return []
        with self.db.reading() as connection:
            row = self._row(connection)
            if row is None:
                return []
            named = self.db.find(connection, row.list, Badge.parse(text))
            if named:
                return [Match(record, EXACT * 2, True) for record in named.found[:limit]]
            hits = self.db.search(connection, row, text, limit, include_cancelled)
            found = self.db.records(connection, [doc for doc, _ in hits])
        return [Match(found[doc], score, False) for doc, score in hits if doc in found]

    # Writes (the gateway writes through its own methods; these serve an index built from records) ---------

    def upsert(self, record: AttendeeRecord) -> None:
        self.upsert_many((record,))

    def upsert_many(self, records: Iterable[AttendeeRecord]) -> None:
        with self.db.writing() as connection:
            row = self._row(connection)
            if row is not None:
                self.db.put(connection, row.list, list(records))

    def apply(self, changes: dict[str, AttendeeRecord | None]) -> None:
        """Attendees changed (None: gone)."""
        with self.db.writing() as connection:
            row = self._row(connection)
            if row is not None:
                self.db.put(connection, row.list, [record for record in changes.values() if record is not None])
                self.db.remove(connection, row.list, [ident for ident, record in changes.items() if record is None])

    def remove(self, attendee_id: str) -> None:
        self.apply({attendee_id: None})


class AttendeeRecords(Mapping[str, AttendeeRecord]):
    """An index's attendees by id, read from its database as asked (iterating reads them all: a thread's job;
    `values()` streams them, so a pass over 200,000 holds one at a time)."""

    def __init__(self, index: AttendeeIndex) -> None:
        self.index = index

    def __getitem__(self, attendee_id: str) -> AttendeeRecord:
        record = self.index.get(attendee_id)
        if record is None:
            raise KeyError(attendee_id)
        return record

    def __contains__(self, attendee_id: object) -> bool:
        return isinstance(attendee_id, str) and self.index.get(attendee_id) is not None

    def __len__(self) -> int:
        return len(self.index)

    def _rows(self, columns: str) -> Iterator[tuple[Any, ...]]:
        index = self.index
        with index.db.reading() as connection:
            row = index._row(connection)
            if row is None:
                return
            cursor = connection.execute(f"select {columns} from attendee_docs where list = ? order by doc", (row.list,))
            while batch := cursor.fetchmany(1000):
                yield from batch

    def __iter__(self) -> Iterator[str]:
        return iter([ident for (ident,) in self._rows("id")])

    def values(self) -> Iterator[AttendeeRecord]:  # type: ignore[override]
        """Every attendee, one at a time (one statement: a consistent copy even while a sync writes)."""
        for (blob,) in self._rows("record"):
            record = decode(blob)
            if record is not None:
                yield record

    def items(self) -> Iterator[tuple[str, AttendeeRecord]]:  # type: ignore[override]
        return ((record.id, record) for record in self.values())
