"""The outbox: writes made while the API was unreachable, on disk, replayed in order, each exactly once.

A diskcache Index in the cache directory: it survives quitting the app and is shared (process-safe)
by every session on the machine; a diskcache lock keeps two sessions from replaying at once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import diskcache

from .base import Action

QUEUED, FAILED = "queued", "failed"


@dataclass
class Item:
    action: Action
    state: str
    queued_at: float
    attempts: int = 0
    message: str = ""


class Outbox:
    def __init__(self, directory: str | Path, scope: str) -> None:
        self.index = diskcache.Index(str(Path(directory) / "outbox"))
        self.scope = scope
        self.lock_key = f"outbox-replay-lock|{scope}"

    def try_lock(self) -> bool:
        """Only one session on this machine replays at a time; the lock expires if its holder dies."""
        return self.index.cache.add(self.lock_key, os.getpid(), expire=120)

    def unlock(self) -> None:
        self.index.cache.delete(self.lock_key)

    def _key(self, action: Action) -> str:
        return f"{self.scope}|{action.action_id}"

    def add(self, action: Action, message: str = "") -> None:
        self.index[self._key(action)] = {"action": action.to_json(), "state": QUEUED, "queued_at": time.time(),
                                         "attempts": 0, "message": message}

    def update(self, item: Item) -> None:
        key = self._key(item.action)
        if key in self.index:
            self.index[key] = {"action": item.action.to_json(), "state": item.state, "queued_at": item.queued_at,
                               "attempts": item.attempts, "message": item.message}

    def remove(self, action_id: str) -> None:
        self.index.pop(f"{self.scope}|{action_id}", None)

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
            if uri is None or action.uri == uri:
                yield Item(action, raw.get("state", QUEUED), raw.get("queued_at", 0.0), raw.get("attempts", 0),
                           raw.get("message", ""))

    def count(self, uri: str | None = None) -> int:
        return sum(1 for item in self.items(uri) if item.state == QUEUED)
