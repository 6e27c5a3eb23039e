"""State that must survive: the outbox (queued and held writes), the audit log and the crash log.

They live in the state directory (`<data dir>/state`, 0600 files in a 0700 directory), never in the cache
directory, which users and cleaners delete. Versions before this kept them in the cache directory: the first
start moves them here, merged with what is already here, before anything reads them.
"""

from __future__ import annotations

import fcntl
import io
import logging
import os
import pickle
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from diskcache.core import DBNAME, MODE_PICKLE, MODE_RAW

from .cache import open_cache

log = logging.getLogger(__name__)

OUTBOX, AUDIT, CRASH = "outbox", "audit.jsonl", "crash.log"


def state_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "state"


def private_dir(directory: Path) -> Path:
    """The directory, made if missing, readable by this user only (0700, whatever the umask)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if directory.stat().st_mode & 0o077:
        os.chmod(directory, 0o700)
    return directory


@contextmanager
def _moving(state: Path) -> Iterator[None]:
    """One process moves the old state at a time (kiosk sessions may start together)."""
    descriptor = os.open(state / ".moving", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing lets go of the lock


def move_old_state(cache_dir: Path, data_dir: Path) -> list[str]:
    """Move an older version's outbox, audit log and crash log from the cache directory into the state
    directory, merged with any already there (nothing is overwritten, no entry lost). Returns what moved.
    An outbox entry that cannot be read safely leaves the old outbox where it is, and says so in the log."""
    old_outbox, old_audit, old_crash = cache_dir / OUTBOX, cache_dir / AUDIT, cache_dir / CRASH
    if not (old_outbox.is_dir() or old_audit.exists() or old_crash.exists()):
        return []
    state = private_dir(state_dir(data_dir))
    moved: list[str] = []
    with _moving(state):
        for old in (old_audit, old_crash):
            if old.exists():
                _merge_lines(old, state / old.name)
                moved.append(old.name)
        if old_outbox.is_dir() and _merge_outbox(old_outbox, state / OUTBOX):
            moved.append(OUTBOX)
    return moved


def _merge_lines(old: Path, new: Path) -> None:
    """The old file's lines first (they are older), then the new one's; written aside and renamed in."""
    before = old.read_bytes()
    after = new.read_bytes() if new.exists() else b""
    if before and not before.endswith(b"\n"):
        before += b"\n"
    merged = new.with_name(new.name + ".merging")
    descriptor = os.open(merged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(before + after)
        file.flush()
        os.fsync(file.fileno())
    os.replace(merged, new)
    old.unlink()


class _PlainData(pickle.Unpickler):
    """Loads only what pickle writes without naming a class or function (dicts, lists, text, numbers): an older
    outbox held nothing else, and no code can run through it."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} refused: an outbox entry holds plain data only")


def _old_entries(outbox: Path) -> list[tuple[str, Any]] | None:
    """The old outbox's entries in the order they were queued, or None if one cannot be read safely."""
    database = outbox / DBNAME
    if not database.exists():
        return []
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = connection.execute("select key, raw, mode, filename, value from Cache order by rowid").fetchall()
    finally:
        connection.close()
    entries = []
    for key, raw, mode, filename, value in rows:
        if not raw or not isinstance(key, str) or key.startswith("outbox-replay-lock|"):
            continue  # a replay lock is not an entry (and every entry's key is text)
        try:
            if mode == MODE_PICKLE:
                data = value if value is not None else (outbox / filename).read_bytes()
                entries.append((key, _PlainData(io.BytesIO(bytes(data))).load()))
            elif mode != MODE_RAW:
                return None
        except (pickle.UnpicklingError, OSError, EOFError, ValueError) as error:
            log.warning("the old outbox in %s is kept where it is: an entry cannot be read (%s)", outbox, error)
            return None
    return entries


def _merge_outbox(old: Path, new: Path) -> bool:
    entries = _old_entries(old)
    if entries is None:
        return False
    cache = open_cache(new, set_aside=False, eviction_policy="none")
    try:
        with cache.transact():
            merged = dict(entries)
            for key in list(cache.iterkeys()):
                if isinstance(key, str) and not key.startswith("outbox-replay-lock|"):
                    merged[key] = cache.pop(key)  # the new outbox's state of an entry is the newer one
            # The outbox replays in the order entries were added: the order they were queued.
            for key, value in sorted(merged.items(), key=lambda item: _queued_at(item[1])):
                cache.set(key, value)
    finally:
        cache.close()
    shutil.rmtree(old)
    return True


def _queued_at(value: Any) -> float:
    found = value.get("queued_at") if isinstance(value, dict) else None
    return float(found) if isinstance(found, (int, float)) else 0.0
