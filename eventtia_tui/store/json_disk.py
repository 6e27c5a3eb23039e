"""The cache's serialisation: JSON for every value, never pickle (whoever can write a pickle store can run code).

diskcache pickles any value that is not a str, an int, a float or bytes, and unpickles any row stored that way,
whichever Disk wrote it. `JsonDisk` writes values as JSON and refuses to load a pickled row: it reads as missing
(an `OSError`, which diskcache turns into "not there"), so a cache written by an older version is fetched again.
Keys stay plain strings (or numbers) in their column; any other key is refused rather than pickled.

Besides JSON's own types, a value may hold the cache's `Entry` and the API's models (rebuilt from their JSON by
pydantic, from a fixed list of classes: a tag can name nothing else).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import diskcache  # type: ignore[import-untyped, unused-ignore]  # it ships no types
from diskcache.core import MODE_PICKLE, UNKNOWN  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel

from ..api import models

JSON_FORMAT = b"\x00J1"  # before every JSON value: a row without it was not written by JsonDisk
MODEL, ENTRY, TUPLE, DICT = "\x00model", "\x00entry", "\x00tuple", "\x00dict"
TAGS = frozenset((MODEL, ENTRY, TUPLE, DICT))
MODELS: dict[str, type[BaseModel]] = {
    name: cls for name in models.__all__
    if isinstance(cls := getattr(models, name), type) and issubclass(cls, BaseModel)
}


# Entries written before text was cleaned where it enters the app (eventtia_tui.text) lack this: they read as
# missing, so no control character cached by an older version reaches the terminal.
TEXT_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Entry:
    value: Any
    fetched_at: float
    generation: int
    text_format: int = TEXT_FORMAT


class PickledValue(OSError):
    """A row pickled by an older version of the app: never loaded; diskcache reads it as missing."""


def _tagged(value: Any) -> Any:
    if isinstance(value, Entry):
        return {ENTRY: [_plain(value.value), value.fetched_at, value.generation, value.text_format]}
    if isinstance(value, BaseModel) and MODELS.get(type(value).__name__) is type(value):
        return {MODEL: [type(value).__name__, _plain(value.model_dump(mode="json"))]}
    raise TypeError(f"{type(value).__name__} is not kept in the cache")


def _plain(value: Any) -> Any:
    """Tuples kept as tuples (json would make lists of them); everything else as json.dumps' `default` sees it."""
    if isinstance(value, tuple):
        return {TUPLE: [_plain(item) for item in value]}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in TAGS:  # data that looks like a tag: kept as data
            return {DICT: [[key, _plain(item)] for key, item in value.items()]}
        return {key: _plain(item) for key, item in value.items()}
    return value


def _untagged(found: dict[str, Any]) -> Any:
    if len(found) != 1:
        return found
    if TUPLE in found:
        return tuple(found[TUPLE])
    if DICT in found:
        return dict(found[DICT])
    if ENTRY in found:
        value, fetched_at, generation, text_format = found[ENTRY]
        return Entry(value, fetched_at, generation, text_format)
    if MODEL in found:
        name, data = found[MODEL]
        return MODELS[name].model_validate(data)
    return found


def dumps(value: Any) -> bytes:
    # ASCII: any text, a lone surrogate too, is written (escaped) rather than failing to encode.
    return JSON_FORMAT + json.dumps(_plain(value), default=_tagged, separators=(",", ":")).encode("ascii")


def loads(data: bytes) -> Any:
    if not data.startswith(JSON_FORMAT):
        raise PickledValue("a cache value in another format")
    try:
        return json.loads(data[len(JSON_FORMAT):], object_hook=_untagged)
    except (ValueError, KeyError, TypeError) as error:  # damaged, or a model this version no longer has
        raise PickledValue(f"an unreadable cache value ({type(error).__name__})") from None


class JsonDisk(diskcache.Disk):  # type: ignore[misc, unused-ignore]  # an untyped base (no stubs)
    def put(self, key: Any) -> tuple[Any, bool]:
        if type(key) not in (str, int, float, bytes):
            raise TypeError(f"cache keys are strings, not {type(key).__name__}")
        stored: tuple[Any, bool] = super().put(key)
        return stored

    def get(self, key: Any, raw: bool) -> Any:
        if not raw:
            raise PickledValue("a cache key pickled by an older version")
        return super().get(key, raw)

    def store(self, value: Any, read: bool, key: Any = UNKNOWN) -> tuple[int, int, str | None, Any]:
        # Numbers stay raw (diskcache's incr adds to them in place); strings too. Everything else is JSON bytes.
        kept_raw = read or type(value) in (float, str) or (type(value) is int and -(2**63) <= value < 2**63)
        stored: tuple[int, int, str | None, Any] = super().store(value if kept_raw else dumps(value), read, key=key)
        return stored

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        if mode == MODE_PICKLE:
            raise PickledValue("a cache value pickled by an older version")
        data = super().fetch(mode, filename, value, read)
        if read or type(data) is not bytes:
            return data
        return loads(data)


def purge_pickles(cache: diskcache.Cache) -> int:
    """Delete the rows an older version pickled (never loaded: they only read as missing) and their files, so no
    pickle stays on disk after the first start. A read first: a cache without any takes no write lock."""
    found = "select rowid, filename from Cache where mode = ? or raw = 0"
    if not cache._sql(found, (MODE_PICKLE,)).fetchone():
        return 0
    with cache.transact():
        rows = cache._sql(found, (MODE_PICKLE,)).fetchall()
        for rowid, _ in rows:
            cache._sql("delete from Cache where rowid = ?", (rowid,))  # diskcache's triggers keep count and size
    for _, filename in rows:
        if filename:
            cache._disk.remove(filename)
    return len(rows)


def holds_no_pickle(connection: sqlite3.Connection) -> bool:
    """Whether no row of a diskcache database was pickled (for a check, and the tests)."""
    pickled: int = connection.execute("select count(*) from Cache where mode = ? or raw = 0", (MODE_PICKLE,)).fetchone()[0]
    return pickled == 0


__all__ = ["TEXT_FORMAT", "Entry", "JsonDisk", "PickledValue", "dumps", "holds_no_pickle", "loads", "purge_pickles"]
