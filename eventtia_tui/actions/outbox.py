"""The outbox: writes made while the API was unreachable, on disk, replayed in order, each exactly once.

A diskcache Index (JSON values) in the state directory, not the cache directory (eventtia_tui/store/state.py): it
survives quitting the app and a deleted cache, and is shared (process-safe) by every session on the machine; a diskcache lock keeps two sessions from replaying at once.

A write is put here before it is held or goes out (its state, actions/lifecycle.py), and taken out once
the server answered: if the app dies in between (kill -9, power cut), the next start finds it, says what
it was doing, and the replay checks whether it landed before sending it again. While its process lives,
a write held or being sent is not listed here: that process's runner lists it.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import diskcache

from ..store.cache import open_cache
from ..store.state import private_dir
from .base import Action
from .lifecycle import WriteState

QUEUED, FAILED, SENDING = WriteState.QUEUED.value, WriteState.REFUSED.value, WriteState.SENDING.value
HELD = WriteState.HELD.value
CONFLICT = WriteState.CONFLICT.value  # not sent: Eventtia holds someone else there; a person decides
SETTLED = (FAILED, CONFLICT)  # never replayed by themselves
LOCK_SECONDS = 120
REPLAY_EVERY = 3.0  # seconds: writes waiting are tried again this often (and at once when the outbox changes)
STALE_SENDING = 600  # a write "being sent" for longer than this was interrupted, whatever its process does now
INTERRUPTED = "The app stopped while this was being sent; it is checked with Eventtia before it is sent again."

# Action ids this process is sending right now (several Outbox objects may live in one process).
_IN_FLIGHT: set[str] = set()


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    except OSError:
        return False
    return True


def _holder_pid(holder: Any) -> int | None:
    """The process id in a lock value: "pid:token" now, a bare pid from older versions."""
    if isinstance(holder, int):
        return holder
    head = str(holder).split(":", 1)[0]
    return int(head) if head.isdigit() else None


@dataclass
class Item:
    action: Action
    state: str
    queued_at: float
    attempts: int = 0
    message: str = ""
    interrupted: str = ""  # "held" or "sending": what it was doing when its process stopped


class Outbox:
    def __init__(self, directory: str | Path, scope: str) -> None:
        # Never set aside or started afresh: a damaged outbox stops the app with its path, for a person to look.
        cache = open_cache(private_dir(Path(directory)) / "outbox", set_aside=False, eviction_policy="none")
        self.index = diskcache.Index.fromcache(cache)
        self.scope = scope
        self.lock_key = f"outbox-replay-lock|{scope}"
        self.holder = f"{os.getpid()}:{uuid.uuid4().hex[:12]}"

    def try_lock(self) -> bool:
        """Only one session on this machine replays at a time; a dead holder's lock is taken over at once
        (it also expires by itself, for a holder that hangs)."""
        cache = self.index.cache
        if cache.add(self.lock_key, self.holder, expire=LOCK_SECONDS):
            return True
        with cache.transact():
            holder = cache.get(self.lock_key)
            if holder is not None and _alive(_holder_pid(holder)):
                return False
            cache.set(self.lock_key, self.holder, expire=LOCK_SECONDS)
            return True

    @property
    def changes(self) -> int:
        """Not blocking: a number that moves when another machine changed the outbox (0: none can, here)."""
        return 0

    def take(self, action_id: str) -> bool:
        """Blocking, during a replay, before a write is checked and sent: True when this session may send it
        now (here always: the machine's lock is the replay's; a venue's outbox claims it)."""
        return True

    def let_go(self, action_id: str) -> None:
        """Blocking: the replay is done with this write (sent, settled or queued again)."""

    def unlock(self) -> None:
        cache = self.index.cache
        with cache.transact():
            if cache.get(self.lock_key) == self.holder:  # never release a lock another session took over
                cache.delete(self.lock_key)

    def _key(self, action: Action) -> str:
        return f"{self.scope}|{action.action_id}"

    @staticmethod
    def claim(action_id: str) -> None:
        """Not blocking: this process is about to hold or send the write (call before `begin`); not listed."""
        _IN_FLIGHT.add(action_id)

    def begin(self, action: Action, state: str = SENDING, due_at: float | None = None) -> None:
        """Blocking, before a write is held (`due_at`: when it goes out, wall clock) or goes out: kept on disk
        as this process's until `remove` (answered, undone) or `add` (queued)."""
        self.index[self._key(action)] = {"action": action.to_json(), "state": state, "queued_at": time.time(),
                                         "attempts": 0, "message": INTERRUPTED, "owner": os.getpid(),
                                         **({"due_at": due_at} if due_at is not None else {})}

    @staticmethod
    def unclaim(action_id: str) -> None:
        """This process stops holding or sending the write without an answer: listed from now on (as
        interrupted while its entry still says held or being sent)."""
        _IN_FLIGHT.discard(action_id)

    def add(self, action: Action, message: str = "") -> None:
        _IN_FLIGHT.discard(action.action_id)
        self.index[self._key(action)] = {"action": action.to_json(), "state": QUEUED, "queued_at": time.time(),
                                         "attempts": 0, "message": message}

    def update(self, item: Item) -> None:
        key = self._key(item.action)
        if key in self.index:
            self.index[key] = {"action": item.action.to_json(), "state": item.state, "queued_at": item.queued_at,
                               "attempts": item.attempts, "message": item.message, "owner": os.getpid(),
                               "since": time.time()}

    def remove(self, action_id: str) -> None:
        _IN_FLIGHT.discard(action_id)
        self.index.pop(f"{self.scope}|{action_id}", None)

    @staticmethod
    def _being_sent(raw: dict[str, Any], action_id: str) -> bool:
        owner = raw.get("owner")
        # From its last step (a replay's send, or a held one's end), not from when it was first queued.
        since = max(float(raw.get(key) or 0) for key in ("queued_at", "due_at", "since"))
        if time.time() - since > STALE_SENDING:
            return False
        if owner == os.getpid():
            return action_id in _IN_FLIGHT
        return _alive(owner)

    def items(self, uri: str | None = None) -> Iterator[Item]:
        """In the order they were queued (an Index keeps insertion order)."""
        for key in list(self.index.keys()):
            if not str(key).startswith(self.scope + "|"):
                continue
            raw: dict[str, Any] | None = self.index.get(key)
            if raw is None:
                continue
            try:
                action = Action.from_json(raw["action"])
            except (KeyError, TypeError):
                continue  # written by another version of the app: leave it for that version
            state, interrupted = raw.get("state", QUEUED), ""
            if state in (SENDING, HELD):
                if self._being_sent(raw, action.action_id):
                    continue  # held or in flight in a live session: not the outbox's business yet
                state, interrupted = QUEUED, state  # replayed like a queued write (after an already-applied check)
            if uri is None or action.uri == uri:
                yield Item(action, state, raw.get("queued_at", 0.0), raw.get("attempts", 0), raw.get("message", ""),
                           interrupted)

    def count(self, uri: str | None = None) -> int:
        return sum(1 for item in self.items(uri) if item.state == QUEUED)
