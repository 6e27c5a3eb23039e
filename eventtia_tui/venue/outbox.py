"""The venue's outbox: a write queued at any machine is replayed by whichever machine is online, once.

Each machine keeps its own outbox on disk exactly as without venue mode (nothing is lost when Redis is
away); a queued write is also added to a Redis stream. Replaying takes the venue's replay lease as well as
the machine's own lock, so one machine in the venue replays at a time, in the order the writes were
queued, each after the existing already-applied check. A write that landed (or was dropped) is noted in
Redis, and the machine that queued it takes it out of its own outbox without sending it.
(Not a consumer group: it would spread one event's writes over several machines, and a walk-in's
registration could be overtaken by its activity sign-up.)

While the link is down a machine replays its own writes; when it is back, those still queued go to Redis.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from ..actions.base import Action
from ..actions.lifecycle import WriteState
from ..actions.outbox import LOCK_SECONDS, QUEUED, SETTLED, Item, Outbox
from ..text import decode_json
from .lease import Lease
from .link import Entries, Link, LinkDown
from .seal import Refused, checked

log = logging.getLogger(__name__)
SETTLED_KEPT = 7 * 86400  # seconds Redis remembers that a write left the venue's outbox
MAX_ITEM = 256_000  # characters of one queued write (a walk-in's form is a few hundred)
STATES = {state.value for state in WriteState}

QUEUE = """
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 or redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 0 end
local id = redis.call('XADD', KEYS[1], '*', 'action_id', ARGV[1], 'item', ARGV[2], 'sig', ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], id)
return 1
"""
SETTLE = """
local id = redis.call('HGET', KEYS[2], ARGV[1])
if id then redis.call('XDEL', KEYS[1], id) redis.call('HDEL', KEYS[2], ARGV[1]) end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[3])
return 1
"""


SIMPLE_TYPES: dict[str, type | tuple[type, ...]] = {"str": str, "int": int, "float": (int, float), "bool": bool}


def well_typed(action: Action) -> bool:
    """Each field of the action of the type it is declared (str, int, float, bool, dict…, list…; the others
    are not checked): a write from Redis is sent with this machine's login."""
    for field in dataclasses.fields(action):
        declared, value = str(field.type), getattr(action, field.name)
        expected = SIMPLE_TYPES.get(declared) or (dict if declared.startswith("dict") else
                                                  list if declared.startswith("list") else None)
        if expected is not None and (not isinstance(value, expected) or
                                     isinstance(value, bool) and expected in (int, (int, float))):
            return False
    return True


class SharedOutbox(Outbox):
    def __init__(self, link: Link, directory: str | Path, scope: str) -> None:
        super().__init__(directory, scope)
        self.link = link
        name = link.scope_hash(scope)
        self.keys = [link.key("outbox", name), link.key("outbox-ids", name), link.key("outbox-settled", name)]
        self.lease = Lease(link, link.key("outbox-replay", name), LOCK_SECONDS)
        self._queue, self._settle = link.script(QUEUE), link.script(SETTLE)
        link.listeners.append(self._link_changed)

    @staticmethod
    def _raw(item: Item) -> str:
        return json.dumps({"action": item.action.to_json(), "state": item.state, "queued_at": item.queued_at,
                           "attempts": item.attempts, "message": item.message})

    def _share(self, item: Item) -> None:
        raw, action_id = self._raw(item), item.action.action_id
        try:
            self._queue(self.keys, [action_id, raw, self.link.venue_key.sign(self.keys[0], action_id, raw)])
        except LinkDown:
            pass  # kept here; it goes to the venue when the link is back

    def add(self, action: Action, message: str = "") -> None:
        super().add(action, message)
        self._share(Item(action, QUEUED, time.time(), 0, message))

    def update(self, item: Item) -> None:
        key = self._key(item.action)
        if key not in self.index:  # another machine's write, replayed here: a person decides about it here
            super().add(item.action, item.message)
        super().update(item)
        if item.state in SETTLED:
            self._forget(item.action.action_id)

    def remove(self, action_id: str) -> None:
        super().remove(action_id)
        self._forget(action_id)

    def _forget(self, action_id: str) -> None:
        try:
            self._settle(self.keys, [action_id, self.link.venue_key.seal(f"{self.keys[2]}/{action_id}",
                                                                         str(time.time())), SETTLED_KEPT])
        except LinkDown:
            pass  # the next replay finds it already applied

    def try_lock(self) -> bool:
        if not super().try_lock():
            return False
        try:
            if self.lease.acquire():
                return True
        except LinkDown:
            return True  # the link is down: this machine replays its own writes
        super().unlock()  # another machine is replaying the venue's writes
        return False

    def unlock(self) -> None:
        try:
            self.lease.release()
        except LinkDown:
            pass
        super().unlock()

    def _venue_items(self) -> tuple[list[dict[str, Any]], set[str]]:
        """The venue's queued writes and the ids of those that left it (LinkDown when Redis is away)."""
        entries = cast(Entries, self.link.run(lambda r: r.xrange(self.keys[0])))
        marks = cast(dict[str, str], self.link.run(lambda r: r.hgetall(self.keys[2])))
        settled: set[str] = set()
        for action_id, mark in marks.items():  # a forged mark would drop a queued write unsent
            try:
                self.link.venue_key.open(f"{self.keys[2]}/{action_id}", mark, limit=128)
            except Refused as refused:
                self.link.refusals.add("outbox", refused.reason)
                continue
            settled.add(action_id)
        items: list[dict[str, Any]] = []
        for _, fields in entries:
            try:
                items.append(self._opened(fields))
            except Refused as refused:  # set aside: never replayed, and the others are
                self.link.refusals.add("outbox", refused.reason)
        return items, settled

    def _opened(self, fields: dict[str, str]) -> dict[str, Any]:
        """A queued write from the venue once its signature, types and size are checked (else Refused)."""
        action_id, text = checked(fields.get("action_id"), 256), checked(fields.get("item"), MAX_ITEM)
        self.link.venue_key.verify(fields.get("sig"), self.keys[0], action_id, text)
        try:
            raw = decode_json(text)
        except ValueError:
            raise Refused("not JSON") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("action"), dict) or \
                raw.get("state", QUEUED) not in STATES or \
                not isinstance(raw.get("queued_at", 0.0), (int, float)) or isinstance(raw.get("queued_at"), bool) or \
                not isinstance(raw.get("attempts", 0), int) or not isinstance(raw.get("message", ""), str):
            raise Refused("wrong type")
        try:
            action = Action.from_json(raw["action"])
        except (KeyError, TypeError, ValueError):
            raise Refused("wrong type") from None
        if action.action_id != action_id or not well_typed(action):
            raise Refused("wrong type")
        return {**raw, "action": action}

    def items(self, uri: str | None = None) -> Iterator[Item]:
        mine = list(super().items(uri))
        try:
            venue, settled = self._venue_items()
        except LinkDown:
            yield from mine
            return
        seen: set[str] = set()
        merged: list[Item] = []
        for item in mine:
            if item.action.action_id in settled and item.state not in SETTLED:
                Outbox.remove(self, item.action.action_id)  # landed from another machine: never sent from here
                continue
            seen.add(item.action.action_id)
            merged.append(item)
        for raw in venue:
            action = raw["action"]  # opened and checked (_opened)
            if action.action_id in seen or action.action_id in settled or uri is not None and action.uri != uri:
                continue
            seen.add(action.action_id)
            merged.append(Item(action, raw.get("state", QUEUED), raw.get("queued_at", 0.0), raw.get("attempts", 0),
                               raw.get("message", "")))
        merged.sort(key=lambda item: item.queued_at)
        yield from merged

    def _link_changed(self, up: bool) -> None:
        """Back: what was queued here while the link was down goes to the venue (merge back)."""
        if not up:
            return
        try:
            for item in list(super().items()):
                if item.state == QUEUED:
                    self._share(item)
        except Exception:  # the watcher thread must live on; the next replay here sends them anyway
            log.exception("venue outbox: the writes queued while the link was down could not be shared")
