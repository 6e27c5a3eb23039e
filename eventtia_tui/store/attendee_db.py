"""The synced attendees and their search index, in SQLite tables of the cache's own database file.

One copy per host: every process (each SSH desk of a kiosk machine) reads the same file, through a memory
map the operating system shares between them, and keeps in Python only the rows a screen shows. Writes
are a page or a change at a time (no big save at the end of a sync), in WAL mode, so readers never wait
for them; the sqlite3 module lets go of the GIL while SQLite works, so a write in a worker thread does not
hold up the screen.

Tables, per list (an event's synced attendees; a full re-sync fills a second list and swaps it in):
  attendee_lists  one row per list: which scope and event, live or being pulled, its watermark, sync state
  attendee_docs   one row per attendee: sort key, a badge's keys (its QR, code, uuid, email), its ranked words, the record (an
                  index holds the first three without the record: a search reads those, never the records)
  attendee_terms  word → attendees, in (rank, sort key) order, so the best few of a word come first
  attendee_words  the distinct words (by length too), for prefixes; attendee_names those worth fuzzy matching
                  (both keep a word once seen: one no attendee carries any more just finds nobody)
"""

from __future__ import annotations

import hashlib
import heapq
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..badge import Badge, BadgeMatch, code_of
from .pages import FullSyncState, newest_change, sync_state_from_json, sync_state_json
from .records import RECORD_FIELDS, RECORD_FORMAT, AttendeeRecord, record_values
from .words import (
    COMPANY,
    EXACT,
    FUZZY_CUTOFF,
    FUZZY_FACTOR,
    PREFIX,
    WEIGHTS,
    fold,
    prefix_score,
    query_words,
    ranked_words,
)

# Bump when the tables change; a database with another version has its attendee tables dropped (a sync
# fills them again). The record format is part of it: records of another format are never read.
SCHEMA = f"4.{RECORD_FORMAT}"  # 4: the badge keys (qr_key, code_key)
# No memory map: pages read from disk land in the page cache of the operating system (shared by every process,
# counted in no process's memory) and in a small cache per connection.
MMAP_BYTES = 0
CACHE_KB = 1024
FUZZY_WORDS = 12
FUZZY_ANSWERS = 256  # a vocabulary's remembered fuzzy answers (a name is looked up on every key typed after it)
# In a query of several words, a shorter word is checked on the attendees the others find, not looked up.
SHORT_WORD = 3
WEIGHT_SQL = "(case {0} when 0 then 1.0 when 1 then 0.96 when 2 then 0.92 else 0.9 end)"
PREFIX_SQL = "90.0 - min(length(word) - ?, 10) * 0.1"
WORD_END = "\U0010ffff"
DELETE_CHUNK = 2000
ID_CHUNK = 500  # ids per `in (…)` of a batch's read (SQLite allows 32,766 parameters; older builds 999)
CHECKPOINT_PAGES = 16384
BADGE_CANDIDATES = 50  # registrations read per key of a scan (one email's family, one code's few)
CLOSE_WAIT = 2.0  # seconds close() waits for a reader to finish before leaving its connection open

TABLES = """
create table if not exists attendee_meta (key text primary key, value text) without rowid;
create table if not exists attendee_lists (
    list integer primary key autoincrement, scope text not null, event text not null, role text not null,
    complete integer not null default 0, watermark text, synced_at real, type_names text not null default '{}',
    sync_state blob, version integer not null default 0, unique (scope, event, role));
create table if not exists attendee_docs (
    doc integer primary key, list integer not null, id text not null, skey text not null,
    qr_key integer not null, code_key text not null, uuid_key text not null, email_key text not null,
    cancelled integer not null, local integer not null default 0,
    pull integer not null default 0, words text not null, record blob not null);
create unique index if not exists attendee_docs_id on attendee_docs (list, id);
create index if not exists attendee_docs_qr on attendee_docs (list, qr_key);
create index if not exists attendee_docs_code on attendee_docs (list, code_key);
create index if not exists attendee_docs_uuid on attendee_docs (list, uuid_key);
create index if not exists attendee_docs_email on attendee_docs (list, email_key);
create index if not exists attendee_docs_active on attendee_docs (list, cancelled);
create index if not exists attendee_docs_words on attendee_docs (doc, skey, words);
create table if not exists attendee_terms (
    list integer not null, word text not null, rank integer not null, skey text not null, doc integer not null,
    primary key (list, word, rank, skey, doc)) without rowid;
create table if not exists attendee_words (
    list integer not null, word text not null, size integer not null, primary key (list, word)) without rowid;
create index if not exists attendee_words_size on attendee_words (list, size, word);
create table if not exists attendee_names (
    list integer not null, word text not null, added integer not null, primary key (list, word)) without rowid;
create index if not exists attendee_names_added on attendee_names (list, added);
"""
DROP = ("attendee_lists", "attendee_docs", "attendee_terms", "attendee_words", "attendee_names")


def sort_key(record: AttendeeRecord) -> str:
    """Equal scores: active first, then by last name, first name and id (one string SQLite orders alike)."""
    return f"{int(record.cancelled)}{fold(record.last_name)}\x00{fold(record.first_name)}\x00{record.id}"


def qr_key(badge: Badge) -> int:
    """A short key for a badge's whole text (8 bytes, not the text: one per attendee, indexed); equal keys are
    only candidates, the badge compares the texts."""
    digest = hashlib.blake2b(badge.text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


# ASCII JSON: faster to write than UTF-8 JSON here (and no slower to read), and a lone surrogate stays escaped text.
_to_json = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def encode(record: AttendeeRecord) -> str:
    """JSON text: the format, then the values in field order (an array: smaller and faster than an object)."""
    return _to_json((RECORD_FORMAT, *record_values(record)))


def decode(text: str | bytes) -> AttendeeRecord | None:
    """None for a record written by another version (another format, or an older version's pickle, never loaded)."""
    if type(text) is not str:
        return None
    try:
        found = json.loads(text)
        if found[0] != RECORD_FORMAT or len(found) != RECORD_FIELDS + 1:
            return None
        return AttendeeRecord(*found[1:])
    except (ValueError, TypeError, IndexError, KeyError):
        return None


def pack_words(ranked: dict[str, int]) -> str:
    """'\x1f0ana\x1f0garcia\x1f2ana…': each word after a separator and its rank (SQL's instr finds a start)."""
    return "".join(f"\x1f{rank}{word}" for word, rank in ranked.items())


def unpack_words(packed: str) -> list[tuple[str, int]]:
    return [(item[1:], int(item[0])) for item in packed.split("\x1f") if item]


@dataclass(frozen=True, slots=True)
class ListRow:
    list: int
    complete: bool
    watermark: str | None
    synced_at: float | None
    type_names: dict[str, str]
    version: int


@dataclass
class Vocabulary:
    """A process's copy of one list's name words, for fuzzy matching (new words are added as they come)."""

    version: int = -1
    words: list[str] = field(default_factory=list)
    known: set[str] = field(default_factory=set)
    # word → (how many words there were, its fuzzy words then): the same answer while no word is added
    answers: dict[str, tuple[int, list[tuple[str, float]]]] = field(default_factory=dict)


class AttendeeDB:
    """SQLite over `path` (the cache's database file), or in memory when `path` is None (one connection)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = None if path is None else str(path)
        self._file = self.path or ":memory:"
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._in_use: dict[sqlite3.Connection, threading.RLock] = {}  # a reader's: held while it reads
        self._write_lock = threading.RLock()
        self._writer: sqlite3.Connection | None = None
        self._memory = self._connect(":memory:") if path is None else None
        self.vocabularies: dict[int, Vocabulary] = {}
        self._vocabulary_lock = threading.Lock()
        self._counts: dict[int, tuple[int, int, int]] = {}  # list → (version, attendees, active)
        self.closed = False
        with self.reading() as db:
            ready = self._schema(db) == SCHEMA
        if not ready:  # a new cache, or one another version of the app wrote
            with self.writing() as db:
                self._create(db)

    def _connect(self, target: str) -> sqlite3.Connection:
        connection = sqlite3.connect(target, timeout=60, isolation_level=None, check_same_thread=False)
        if target != ":memory:":
            connection.execute("pragma journal_mode = wal")
            connection.execute("pragma synchronous = normal")
            connection.execute(f"pragma mmap_size = {MMAP_BYTES}")
            connection.execute(f"pragma cache_size = -{CACHE_KB}")
        self._connections.append(connection)
        return connection

    @staticmethod
    def _schema(db: sqlite3.Connection) -> str | None:
        exists = db.execute("select 1 from sqlite_master where name = 'attendee_meta'").fetchone()
        version = db.execute("select value from attendee_meta where key = 'schema'").fetchone() if exists else None
        return version[0] if version is not None else None

    @classmethod
    def _create(cls, db: sqlite3.Connection) -> None:
        if cls._schema(db) == SCHEMA:
            return
        for table in DROP:
            db.execute(f"drop table if exists {table}")
        for statement in TABLES.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute("insert or replace into attendee_meta values ('schema', ?)", (SCHEMA,))

    def close(self) -> None:
        """Close every connection, each once no thread is reading through it: closing a connection while
        another thread's statement runs on it (SQLite has let go of the interpreter meanwhile) frees that
        statement under it, and the process crashed (a segmentation fault, seen at an app's exit)."""
        self.closed = True
        with self._write_lock:
            for connection in self._connections:
                in_use = self._in_use.get(connection)
                if in_use is None or in_use.acquire(timeout=CLOSE_WAIT):
                    try:
                        connection.close()
                    finally:
                        if in_use is not None:
                            in_use.release()
            self._connections.clear()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        if self._memory is not None:
            with self._write_lock:
                yield self._memory
            return
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect(self._file)
            self._in_use[connection] = threading.RLock()
        with self._in_use[connection]:
            yield connection

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction (nested calls join the outer one)."""
        with self._write_lock:
            if self._memory is not None:
                connection = self._memory
            else:
                if self._writer is None:
                    self._writer = self._connect(self._file)
                    # Each commit of a sync writes a thousand-odd index pages: the log is copied back into the
                    # database when it holds CHECKPOINT_PAGES (not at SQLite's 1,000, nearly every commit), and cut
                    # back to that size after.
                    self._writer.execute(f"pragma wal_autocheckpoint = {CHECKPOINT_PAGES}")
                    self._writer.execute(f"pragma journal_size_limit = {CHECKPOINT_PAGES * 4096}")
                connection = self._writer
            if connection.in_transaction:
                yield connection
                return
            connection.execute("begin immediate")
            try:
                yield connection
            except BaseException:
                connection.execute("rollback")
                raise
            connection.execute("commit")

    # Lists -----------------------------------------------------------------------------------------------

    @staticmethod
    def list_row(db: sqlite3.Connection, scope: str, event: str, role: str = "live") -> ListRow | None:
        row = db.execute("select list, complete, watermark, synced_at, type_names, version from attendee_lists "
                         "where scope = ? and event = ? and role = ?", (scope, event, role)).fetchone()
        if row is None:
            return None
        return ListRow(row[0], bool(row[1]), row[2], row[3], json.loads(row[4] or "{}"), row[5])

    def live(self, scope: str, event: str) -> ListRow | None:
        with self.reading() as db:
            return self.list_row(db, scope, event)

    @staticmethod
    def create_list(db: sqlite3.Connection, scope: str, event: str, role: str, type_names: dict[str, str]) -> int:
        return int(db.execute("insert into attendee_lists (scope, event, role, type_names) values (?, ?, ?, ?) "
                              "returning list", (scope, event, role, json.dumps(type_names))).fetchone()[0])

    @staticmethod
    def update_list(db: sqlite3.Connection, list_id: int, **values: Any) -> None:
        if "type_names" in values:
            values["type_names"] = json.dumps(values["type_names"])
        if "sync_state" in values and values["sync_state"] is not None:
            values["sync_state"] = sync_state_json(values["sync_state"])
        columns = ", ".join(f"{name} = ?" for name in values)
        db.execute(f"update attendee_lists set {columns} where list = ?", (*values.values(), list_id))

    @staticmethod
    def sync_state(db: sqlite3.Connection, list_id: int) -> FullSyncState | None:
        row = db.execute("select sync_state from attendee_lists where list = ?", (list_id,)).fetchone()
        if row is None or row[0] is None:
            return None
        return sync_state_from_json(row[0])

    def drop_list(self, list_id: int) -> None:
        """Delete a list, a few thousand attendees per transaction (other writers get their turn)."""
        while True:
            with self.writing() as db:
                docs = [row[0] for row in db.execute("select doc from attendee_docs where list = ? limit ?",
                                                     (list_id, DELETE_CHUNK))]
                if not docs:
                    db.execute("delete from attendee_words where list = ?", (list_id,))
                    db.execute("delete from attendee_names where list = ?", (list_id,))
                    db.execute("delete from attendee_lists where list = ?", (list_id,))
                    break
                marks = ",".join("?" * len(docs))
                db.execute(f"delete from attendee_docs where doc in ({marks})", docs)
        while True:
            with self.writing() as db:
                bound = db.execute("select word from attendee_terms where list = ? order by word limit 1 offset ?",
                                   (list_id, DELETE_CHUNK * 8)).fetchone()
                if bound is None:
                    db.execute("delete from attendee_terms where list = ?", (list_id,))
                    break
                db.execute("delete from attendee_terms where list = ? and word <= ?", (list_id, bound[0]))
        self.vocabularies.pop(list_id, None)
        self._counts.pop(list_id, None)

    @staticmethod
    def bump(db: sqlite3.Connection, list_id: int) -> int:
        return int(db.execute("update attendee_lists set version = version + 1 where list = ? returning version",
                              (list_id,)).fetchone()[0])

    # Attendees -------------------------------------------------------------------------------------------

    def put(self, db: sqlite3.Connection, list_id: int, records: Iterable[AttendeeRecord], *, local: bool = False,
            pull: int = 0) -> None:
        """Add or replace attendees (in the caller's transaction), as a batch: one read of those already there
        (per ID_CHUNK ids), one insert of the new ones (their docs numbered here, as SQLite would: after the
        largest), one update of the others, then the index's rows sorted and inserted together. Row by row (a
        select and an insert … returning per attendee) a first sync wrote ~3,800 attendees a second; an id twice
        in `records` is written once, as its last copy."""
        version = self.bump(db, list_id)
        latest = {record.id: record for record in records}
        ids = list(latest)
        old: dict[str, tuple[int, str, str]] = {}
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start:start + ID_CHUNK]
            old.update((ident, (doc, skey, words)) for ident, doc, skey, words in db.execute(
                f"select id, doc, skey, words from attendee_docs where list = ? and id in ({','.join('?' * len(chunk))})",
                (list_id, *chunk)))
        last_doc: int | None = None
        inserts: list[tuple[object, ...]] = []
        updates: list[tuple[object, ...]] = []
        removed: list[tuple[int, str, int, str, int]] = []
        added: list[tuple[int, str, int, str, int]] = []
        for record in latest.values():
            ranked = ranked_words(record)
            skey = sort_key(record)
            badge = Badge.parse(record.qr_code)
            values = (skey, qr_key(badge), badge.code, code_of(record.uuid), fold(record.email), int(record.cancelled),
                      int(local), pull, pack_words(ranked), encode(record))
            previous = old.get(record.id)
            if previous is None:
                if last_doc is None:
                    last_doc = int(db.execute("select coalesce(max(doc), 0) from attendee_docs").fetchone()[0])
                last_doc += 1
                doc = last_doc
                inserts.append((doc, *values, list_id, record.id))
            else:
                doc = previous[0]
                updates.append((*values, doc))
                removed += [(list_id, word, rank, previous[1], doc) for word, rank in unpack_words(previous[2])]
            added += [(list_id, word, rank, skey, doc) for word, rank in ranked.items()]
        db.executemany("insert into attendee_docs (doc, skey, qr_key, code_key, uuid_key, email_key, cancelled, local, "
                       "pull, words, record, list, id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", inserts)
        db.executemany("update attendee_docs set skey = ?, qr_key = ?, code_key = ?, uuid_key = ?, email_key = ?, "
                       "cancelled = ?, local = max(local, ?), pull = ?, words = ?, record = ? where doc = ?", updates)
        self._unindex(db, removed)
        added.sort()  # in key order: each insert lands next to the last one
        db.executemany("insert or ignore into attendee_terms (list, word, rank, skey, doc) values (?, ?, ?, ?, ?)",
                       added)
        fresh = sorted({word for _, word, _, _, _ in added})
        db.executemany("insert or ignore into attendee_words (list, word, size) values (?, ?, ?)",
                       [(list_id, word, len(word)) for word in fresh])
        db.executemany("insert or ignore into attendee_names (list, word, added) values (?, ?, ?)",
                       [(list_id, word, version) for word in sorted({word for _, word, rank, _, _ in added
                                                                     if rank <= COMPANY})])

    def keep_pages(self, state: FullSyncState, pages: list[tuple[int, list[AttendeeRecord]]]) -> None:
        """A full sync's pages written in one transaction (one write of the index pages they touch), with its
        state counting them: a sync resumed from that state never asks for them again."""
        with self.writing() as db:
            for number, records in pages:
                state.page_kept(number, len(records), newest_change(records))
                self.put(db, state.list, records, pull=state.pull)
            self.update_list(db, state.list, sync_state=state)

    @staticmethod
    def _unindex(db: sqlite3.Connection, removed: list[tuple[int, str, int, str, int]]) -> None:
        db.executemany("delete from attendee_terms where list = ? and word = ? and rank = ? and skey = ? and doc = ?",
                       removed)

    def remove(self, db: sqlite3.Connection, list_id: int, ids: Iterable[str]) -> None:
        self.bump(db, list_id)
        for ident in ids:
            old = db.execute("select doc, skey, words from attendee_docs where list = ? and id = ?",
                             (list_id, ident)).fetchone()
            if old is None:
                continue
            self._unindex(db, [(list_id, word, rank, old[1], old[0]) for word, rank in unpack_words(old[2])])
            db.execute("delete from attendee_docs where doc = ?", (old[0],))

    # Reads -----------------------------------------------------------------------------------------------

    @staticmethod
    def records(db: sqlite3.Connection, docs: list[int]) -> dict[int, AttendeeRecord]:
        found: dict[int, AttendeeRecord] = {}
        for start in range(0, len(docs), 900):
            chunk = docs[start:start + 900]
            marks = ",".join("?" * len(chunk))
            for doc, blob in db.execute(f"select doc, record from attendee_docs where doc in ({marks})", chunk):
                record = decode(blob)
                if record is not None:
                    found[doc] = record
        return found

    @staticmethod
    def get(db: sqlite3.Connection, list_id: int, ident: str) -> AttendeeRecord | None:
        row = db.execute("select record from attendee_docs where list = ? and id = ?", (list_id, ident)).fetchone()
        return decode(row[0]) if row is not None else None

    def counts(self, db: sqlite3.Connection, row: ListRow) -> tuple[int, int]:
        """(attendees, active) of a list, counted again only when it changed."""
        cached = self._counts.get(row.list)
        if cached is None or cached[0] != row.version:
            total = db.execute("select count(*) from attendee_docs where list = ?", (row.list,)).fetchone()[0]
            inactive = db.execute("select count(*) from attendee_docs where list = ? and cancelled = 1",
                                  (row.list,)).fetchone()[0]
            cached = self._counts[row.list] = (row.version, total, total - inactive)
        return cached[1], cached[2]

    @staticmethod
    def find(db: sqlite3.Connection, list_id: int, badge: Badge) -> BadgeMatch[AttendeeRecord]:
        """The registrations a badge (or a typed uuid or email) names: the few whose keys it shares, judged by
        the badge itself (same QR text, then code, then email), active first, then the newest."""
        keys: list[tuple[str, int | str]] = [("qr_key", qr_key(badge))] if badge.text else []
        if badge.code:
            keys += [("code_key", badge.code), ("uuid_key", badge.code)]
        if badge.email:
            keys.append(("email_key", fold(badge.email)))
        found: dict[int, AttendeeRecord] = {}
        for column, value in keys:
            # No "order by" here: SQLite would then walk the (list, cancelled) index, every attendee, for each key.
            for doc, blob in db.execute(f"select doc, record from attendee_docs where list = ? and {column} = ? "
                                        "limit ?", (list_id, value, BADGE_CANDIDATES)):
                if doc not in found and (record := decode(blob)) is not None:
                    found[doc] = record
        ordered = sorted(found.items(), key=lambda item: (item[1].cancelled, -item[0]))
        return badge.resolve(record for _, record in ordered)

    # Search ----------------------------------------------------------------------------------------------

    def vocabulary(self, db: sqlite3.Connection, row: ListRow) -> Vocabulary:
        """This process's copy of a list's name words, brought up to date (the first time: all of them, 0.1 s at
        50,000 attendees — AttendeeIndex.warm reads them in a thread before anyone types)."""
        with self._vocabulary_lock:
            vocabulary = self.vocabularies.setdefault(row.list, Vocabulary())
            if vocabulary.version < row.version:
                new = [w for (w,) in db.execute("select word from attendee_names where list = ? and added > ?",
                                                 (row.list, vocabulary.version))]
                fresh = [w for w in new if w not in vocabulary.known]
                vocabulary.known.update(fresh)
                vocabulary.words += fresh
                vocabulary.version = row.version
            return vocabulary

    def fuzzy_words(self, db: sqlite3.Connection, row: ListRow, word: str) -> list[tuple[str, float]]:
        """The name words like `word` (not it, nor its completions), each with its score; remembered until a
        word is added: typing "ana garc" looks "ana" up on each key, and each look is a pass over every name word."""
        # Imported here, not at the top: the page writer's child never matches fuzzily, and rapidfuzz would cost
        # each child 13 ms and 5 MB at start (measured).
        from rapidfuzz import fuzz, process

        vocabulary = self.vocabulary(db, row)
        size = len(vocabulary.words)
        remembered = vocabulary.answers.get(word)
        if remembered is not None and remembered[0] == size:
            return list(remembered[1])
        found = process.extract(word, vocabulary.words, scorer=fuzz.ratio, limit=FUZZY_WORDS,
                                score_cutoff=FUZZY_CUTOFF)
        answer = [(candidate, score * FUZZY_FACTOR) for candidate, score, _ in found if candidate != word
                  and not candidate.startswith(word)]
        if len(vocabulary.answers) >= FUZZY_ANSWERS:
            vocabulary.answers.pop(next(iter(vocabulary.answers)), None)
        vocabulary.answers[word] = (size, answer)
        return list(answer)

    @staticmethod
    def _group(db: sqlite3.Connection, list_id: int, group: list[str], limit: int, active_only: bool
               ) -> list[tuple[int, int, str]]:
        """The best `limit` attendees (doc, rank, sort key) carrying any of these words, by rank then name."""
        active = " and skey < '1'" if active_only else ""
        if len(group) == 1:
            return db.execute(f"select doc, rank, skey from attendee_terms where list = ? and word = ?{active} "
                              "order by rank, skey limit ?", (list_id, group[0], limit)).fetchall()
        found: list[tuple[int, int, str]] = []
        for start in range(0, len(group), 900):
            chunk = group[start:start + 900]
            marks = ",".join("?" * len(chunk))
            found += db.execute(f"select doc, min(rank) as best, skey from attendee_terms where list = ? and word in "
                                f"({marks}){active} group by doc order by best, skey limit ?",
                                (list_id, *chunk, limit)).fetchall()
        return heapq.nsmallest(limit, found, key=lambda hit: (hit[1], hit[2])) if len(group) > 900 else found

    def _best_for_word(self, db: sqlite3.Connection, row: ListRow, word: str, limit: int, active_only: bool
                       ) -> dict[int, tuple[float, str]]:
        """One query word: the attendees of its exact word, then of ever longer completions, then of words like
        it, until `limit` are found (each group's best `limit` only: no other could make the top `limit`)."""
        scores: dict[int, tuple[float, str]] = {}

        def credit(group: list[str], score: float) -> None:
            for doc, rank, skey in self._group(db, row.list, group, limit, active_only):
                value = score * WEIGHTS[rank]
                if doc not in scores or scores[doc][0] < value:
                    scores[doc] = (value, skey)

        credit([word], EXACT)
        end = word + WORD_END
        for size in range(len(word) + 1, len(word) + 10):
            if len(scores) >= limit:
                break
            group = [w for (w,) in db.execute("select word from attendee_words where list = ? and size = ? "
                                              "and word > ? and word < ?", (row.list, size, word, end))]
            if group:
                credit(group, prefix_score(word, size))
        if len(scores) < limit:  # every longer completion scores the same
            group = [w for (w,) in db.execute("select word from attendee_words where list = ? and word > ? and "
                                              "word < ? and size >= ?", (row.list, word, end, len(word) + 10))]
            if group:
                credit(group, prefix_score(word, len(word) + 10))
        if len(word) >= 3 and len(scores) < limit:
            for candidate, score in self.fuzzy_words(db, row, word):
                credit([candidate], score)
        return scores

    def _matching(self, db: sqlite3.Connection, row: ListRow, words: list[str], limit: int, active_only: bool,
                  looked_up_count: int = 1) -> list[tuple[int, float, str]]:
        """Attendees matching every one of several query words, best total first: one statement, so the
        intersection and the ordering run inside SQLite. A word of one or two letters (the start of a second
        name: "ana g"), an email's domain ("@gm", which half the attendees share) or a third word is checked on
        each attendee the others find (its packed words), not looked up."""
        ctes: list[str] = []
        params: list[Any] = []
        scores: list[str] = []
        # The longest word (the likeliest to be rare) is looked up: "Wade, Lee and Brown" checks "wade", "lee"
        # and "and" on what "brown" finds.
        looked_up = sorted((word for word in words if len(word) >= SHORT_WORD and not word.startswith("@")),
                           key=len, reverse=True)[:looked_up_count] or [max(words, key=len)]
        for number, word in enumerate(looked_up):
            fuzzy = self.fuzzy_words(db, row, word) if len(word) >= 3 else []
            union = ""
            if fuzzy:
                ctes.append(f"f{number} (word, score) as (values {', '.join('(?, ?)' for _ in fuzzy)})")
                params += [value for pair in fuzzy for value in pair]
                union = (f" union all select t.doc, f{number}.score * {WEIGHT_SQL.format('t.rank')} from f{number} "
                         f"join attendee_terms as t on t.list = ? and t.word = f{number}.word")
            ctes.append(f"w{number} (doc, score) as (select doc, max(score) from (select doc, (case when word = ? then "
                        f"{EXACT} else {PREFIX_SQL} end) * {WEIGHT_SQL.format('rank')} as score from attendee_terms "
                        f"where list = ? and word >= ? and word < ?{union}) group by doc)")
            params += [word, len(word), row.list, word, word + WORD_END]
            if fuzzy:
                params.append(row.list)
            scores.append(f"w{number}.score")
        joins = " ".join(f"join w{number} on w{number}.doc = w0.doc" for number in range(1, len(looked_up)))
        short_params: list[Any] = []
        where: list[str] = []
        where_params: list[Any] = []
        for word in words:
            if word in looked_up:
                continue
            marks = [f"\x1f{rank}{word}" for rank in range(len(WEIGHTS))]
            whole = [f"{mark}\x1f" for mark in marks]
            found = " ".join([f"when instr(d.words || char(31), ?) then {EXACT * weight}" for weight in WEIGHTS] +
                             [f"when instr(d.words, ?) then {(PREFIX - 0.5) * weight}" for weight in WEIGHTS])
            scores.append(f"(case {found} else 0 end)")
            short_params += whole + marks
            where.append("(" + " or ".join("instr(d.words, ?)" for _ in marks) + ")")
            where_params += marks
        if active_only:
            where.append("d.skey < '1'")
        sql = (f"with {', '.join(ctes)} select w0.doc, {' + '.join(scores)} as total, d.skey from w0 {joins} "
               f"join attendee_docs as d indexed by attendee_docs_words on d.doc = w0.doc {'where ' + ' and '.join(where) if where else ''} "
               f"order by total desc, d.skey limit ?")
        return db.execute(sql, (*params, *short_params, *where_params, limit)).fetchall()

    def search(self, db: sqlite3.Connection, row: ListRow, text: str, limit: int, include_cancelled: bool
               ) -> list[tuple[int, float]]:
        """(doc, score) of the best `limit` matches of a typed query, best first."""
        typed = query_words(text)
        if not typed:
            return []
        active_only = not include_cancelled
        if len(typed) == 1:
            totals = self._best_for_word(db, row, typed[0], limit, active_only)
        else:
            hits = self._matching(db, row, typed, limit, active_only)
            if not hits and len(typed) > 1:  # perhaps a misspelt other word: look the two longest up (fuzzy too)
                hits = self._matching(db, row, typed, limit, active_only, looked_up_count=2)
            return [(doc, score / len(typed)) for doc, score, _ in hits]
        best = heapq.nsmallest(limit, totals.items(), key=lambda item: (-item[1][0], item[1][1]))
        return [(doc, score / len(typed)) for doc, (score, _) in best]
