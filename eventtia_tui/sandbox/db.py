"""SQLite storage for the sandbox: one connection guarded by a lock (FastAPI runs sync routes in threads)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, password_hash TEXT NOT NULL, name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL, uri TEXT UNIQUE NOT NULL, name TEXT NOT NULL,
    start_ts INTEGER NOT NULL, end_ts INTEGER NOT NULL, timezone TEXT NOT NULL, address TEXT,
    city_id INTEGER, lat REAL, lng REAL, description TEXT, created_ms INTEGER, updated_ms INTEGER
);
CREATE TABLE IF NOT EXISTS attendee_types (
    id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, name TEXT NOT NULL, capacity INTEGER,
    price REAL, position INTEGER, confirmation_required INTEGER DEFAULT 0, updated_ms INTEGER
);
CREATE TABLE IF NOT EXISTS custom_fields (
    id INTEGER PRIMARY KEY, attendee_type_id INTEGER NOT NULL, name TEXT NOT NULL, input_type INTEGER,
    required INTEGER, is_default INTEGER, position INTEGER, options TEXT, updated_ms INTEGER
);
CREATE TABLE IF NOT EXISTS attendees (
    id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, type_id INTEGER NOT NULL, uuid TEXT NOT NULL,
    first_name TEXT, last_name TEXT, email TEXT, company TEXT, job_title TEXT, telephone TEXT,
    fields TEXT NOT NULL, status TEXT NOT NULL, paid INTEGER, checked_in INTEGER, checked_in_ms INTEGER,
    archived INTEGER NOT NULL DEFAULT 0, created_ms INTEGER, updated_ms INTEGER
);
CREATE INDEX IF NOT EXISTS attendees_event ON attendees (event_id, archived, id);
CREATE INDEX IF NOT EXISTS attendees_event_id ON attendees (event_id, id);
CREATE INDEX IF NOT EXISTS attendees_email ON attendees (event_id, email COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS attendees_updated ON attendees (event_id, updated_ms);
CREATE TABLE IF NOT EXISTS workshops (
    id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, name TEXT NOT NULL, location TEXT,
    description TEXT, capacity INTEGER, start_ts INTEGER, end_ts INTEGER, guid TEXT,
    created_ms INTEGER, updated_ms INTEGER, show_on_register INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS attendee_workshops (
    id INTEGER PRIMARY KEY, attendee_id INTEGER NOT NULL, workshop_id INTEGER NOT NULL,
    checked_in INTEGER DEFAULT 0, UNIQUE (attendee_id, workshop_id)
);
CREATE INDEX IF NOT EXISTS aw_workshop ON attendee_workshops (workshop_id);
CREATE TABLE IF NOT EXISTS business_conferences (
    id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, name TEXT NOT NULL, location TEXT,
    start_ts INTEGER, end_ts INTEGER, meeting_minutes INTEGER, created_ms INTEGER, updated_ms INTEGER
);
CREATE TABLE IF NOT EXISTS slots (
    id INTEGER PRIMARY KEY, conference_id INTEGER NOT NULL, start_ts INTEGER NOT NULL, end_ts INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS participant_types (
    id INTEGER PRIMARY KEY, conference_id INTEGER NOT NULL, attendee_type_id INTEGER, name TEXT NOT NULL,
    can_block_time_slots INTEGER, updated_ms INTEGER
);
CREATE TABLE IF NOT EXISTS unavailable_hours (
    id INTEGER PRIMARY KEY, participant_type_id INTEGER NOT NULL, start_ts INTEGER NOT NULL, end_ts INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS participants (
    id INTEGER PRIMARY KEY, conference_id INTEGER NOT NULL, participant_type_id INTEGER NOT NULL,
    attendee_id INTEGER NOT NULL, display_name TEXT, contact_name TEXT, contact_email TEXT,
    job_title TEXT, telephone TEXT, blocked_slots TEXT NOT NULL DEFAULT '[]', updated_ms INTEGER
);
CREATE TABLE IF NOT EXISTS meetings (
    id INTEGER PRIMARY KEY, conference_id INTEGER NOT NULL, host_id INTEGER NOT NULL,
    guest_id INTEGER NOT NULL, slot_id INTEGER NOT NULL, status INTEGER NOT NULL, location TEXT,
    user_message TEXT, rejection_description TEXT, guid TEXT, created_ms INTEGER, updated_ms INTEGER
);
"""

# Columns added after a demo database may have been created (CREATE TABLE IF NOT EXISTS leaves an old
# table as it was): added with their default on open, so an existing demo keeps working.
ADDED_COLUMNS = {"workshops": {"show_on_register": "INTEGER NOT NULL DEFAULT 1"}}


Params = tuple[Any, ...] | list[Any] | dict[str, Any]  # a statement's ? or :name values


class Database:
    """A single sqlite3 connection shared by the sandbox's worker threads."""

    def __init__(self, path: str | Path | None) -> None:
        target = ":memory:" if path is None else str(path)
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL" if path is not None else "PRAGMA journal_mode=MEMORY")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)
        for table, columns in ADDED_COLUMNS.items():
            present = {row["name"] for row in self.conn.execute(f"PRAGMA table_info({table})")}
            for name, declaration in columns.items():
                if name not in present:
                    self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")
        self.lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        with self.lock:
            row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
            return row

    def written(self, sql: str, params: Params = ()) -> sqlite3.Row:
        """The row a write just made or changed (its absence is a bug, not a 404)."""
        row = self.one(sql, params)
        if row is None:
            raise LookupError(f"no row for {sql!r} {params!r}")
        return row

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def get_meta(self, key: str) -> str | None:
        value: str | None = self.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return value

    def is_seeded(self) -> bool:
        return self.get_meta("seeded") == "1"

    def close(self) -> None:
        with self.lock:
            self.conn.close()
