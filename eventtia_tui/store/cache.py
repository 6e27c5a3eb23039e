"""diskcache-backed storage, keyed by API base URL + account, with per-group generations for invalidation.

Entries keep their value after an invalidation (so an offline read still answers); a bumped generation
only makes them stale. diskcache is process-safe: several kiosk sessions can share one directory.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import diskcache  # type: ignore[import-untyped, unused-ignore]  # it ships no types
from diskcache.core import DBNAME  # type: ignore[import-untyped, unused-ignore]

from .attendee_db import AttendeeDB
from .json_disk import TEXT_FORMAT, Entry, JsonDisk, purge_pickles

# What a cache read or write raises when the disk is full, read-only or the database is damaged.
CACHE_ERRORS: tuple[type[BaseException], ...] = (OSError, sqlite3.Error, diskcache.Timeout)


def describe_cache_error(error: BaseException) -> str:
    """A plain reason for a failed cache write: 'the disk is full', 'the cache is read-only', …"""
    text = str(error).lower()
    errno = getattr(error, "errno", None)
    if errno == 28 or "full" in text:
        return "the disk is full"
    if errno in (13, 30) or "readonly" in text or "read-only" in text or "permission" in text:
        return "the cache directory is read-only"
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return "the cache is damaged"
    return f"the cache could not be written ({type(error).__name__})"


log = logging.getLogger(__name__)
CACHE_SIZE_LIMIT = 4 * 2**30
DAMAGED = ("not a database", "malformed", "corrupt", "encrypted")


class CacheUnusable(OSError):
    """The cache directory cannot be opened for writing (read-only, no space, no permission). An OSError,
    so every command's handling of disk problems reports it; `str()` is the sentence to show."""

    def __init__(self, directory: Path, reason: str) -> None:
        if directory.name == "outbox":  # the state directory's (eventtia_tui/store/state.py), not the cache's
            sentence = (f"The outbox {directory} cannot be used ({reason}); what it holds is kept. Free space or fix "
                        "its permissions, or set EVENTTIA_DATA_DIR to a writable directory, and start again.")
        else:
            sentence = (f"The cache directory {directory} cannot be used ({reason}). Start again with --cache-dir "
                        "(or EVENTTIA_CACHE_DIR) pointing to a writable directory; queued changes are not in it.")
        super().__init__(errno.EROFS if "read-only" in reason else errno.EIO, sentence)
        self.filename = None

    def __str__(self) -> str:
        return self.strerror or ""


def is_damaged(error: BaseException) -> bool:
    return isinstance(error, sqlite3.DatabaseError) and any(word in str(error).lower() for word in DAMAGED)


def open_cache(directory: str | Path, *, set_aside: bool = True, **settings: Any) -> diskcache.Cache:
    """A diskcache over `directory`. A damaged database (not a database, malformed) is renamed aside
    (cache.db.damaged-<time>, kept for a look) and a new one started, to be filled again from Eventtia,
    when `set_aside`; one that cannot be written is `CacheUnusable`. Every value is JSON (json_disk.py)."""
    directory = Path(directory)
    settings.setdefault("disk", JsonDisk)
    try:
        return _without_pickles(diskcache.Cache(str(directory), **settings))
    except CACHE_ERRORS as error:
        if not (set_aside and is_damaged(error)):
            raise CacheUnusable(directory, describe_cache_error(error)) from None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for name in ("cache.db", "cache.db-wal", "cache.db-shm"):
            damaged = directory / name
            if damaged.exists():
                damaged.rename(directory / f"{name}.damaged-{stamp}")
        log.warning("the cache in %s was damaged (%s): set aside, starting a new one", directory, error)
    try:
        return _without_pickles(diskcache.Cache(str(directory), **settings))
    except CACHE_ERRORS as error:
        raise CacheUnusable(directory, describe_cache_error(error)) from None


def _without_pickles(cache: diskcache.Cache) -> diskcache.Cache:
    try:
        if removed := purge_pickles(cache):
            log.info("%d entries an older version pickled removed from %s (fetched again)", removed, cache.directory)
    except CACHE_ERRORS as error:  # read-only or busy: they stay unread, and are purged at a later start
        log.warning("old cache entries not removed from %s: %s", cache.directory, describe_cache_error(error))
    return cache



class CacheStore:
    def __init__(self, directory: str | Path, api_url: str, account: str,
                 clock: Callable[[], float] = time.time) -> None:
        self.directory = Path(directory)
        self.cache = open_cache(self.directory, size_limit=CACHE_SIZE_LIMIT)
        self.scope = self.scope_for(api_url, account)
        self.clock = clock
        self._attendees: AttendeeDB | None = None
        self._opening = threading.Lock()

    @property
    def attendees(self) -> AttendeeDB:
        """The synced attendees, in tables of the cache's own database file (opened on first use; blocking)."""
        with self._opening:
            if self._attendees is None:
                self._attendees = AttendeeDB(Path(self.cache.directory) / DBNAME)
        return self._attendees

    @staticmethod
    def scope_for(api_url: str, account: str) -> str:
        return f"{api_url.rstrip('/')}|{account.strip().casefold()}"

    def key(self, *parts: str) -> str:
        return "|".join((self.scope, *parts))

    def generation(self, group: str) -> int:
        return int(self.cache.get(self.key("generation", group), 0))

    def bump(self, group: str) -> None:
        self.cache.incr(self.key("generation", group), default=0)

    def get(self, key: str) -> Entry | None:
        try:
            entry = self.cache.get(key)
        except Exception:  # an entry in another format (an older version's pickle, never loaded): missing
            return None
        return entry if isinstance(entry, Entry) and getattr(entry, "text_format", 0) == TEXT_FORMAT else None

    def put(self, key: str, value: Any, group: str, generation: int | None = None) -> Entry:
        entry = Entry(value, self.clock(), self.generation(group) if generation is None else generation)
        self.cache.set(key, entry)
        return entry

    def get_value(self, key: str, default: Any = None) -> Any:
        try:
            return self.cache.get(key, default)
        except Exception:
            return default

    def close(self) -> None:
        if self._attendees is not None:
            self._attendees.close()
        self.cache.close()
