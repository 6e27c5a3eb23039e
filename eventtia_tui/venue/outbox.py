"""The venue's outbox: a write queued at any machine is replayed by whichever machine is online, once.

Each machine keeps its own outbox on disk exactly as without venue mode (nothing is lost when Redis is
away); a queued write is also added to a Redis stream. Replaying takes the venue's replay lease as well as
the machine's own lock, so one machine in the venue replays at a time, in the order the writes were
queued, each after the existing already-applied check. A write that landed (or was dropped) is noted in
Redis, and the machine that queued it takes it out of its own outbox without sending it.
(Not a consumer group: it would spread one event's writes over several machines, and a walk-in's
registration could be overtaken by its activity sign-up.)

While the link is down a machine replays its own writes; when it is back, those still queued go to Redis.

Nobody has to ask (issue 31 item 3): every machine's runner replays when the venue's outbox changes (a lookout
reads the stream's last id each second, off the event loop) and on a short timer. The replay lease is short
(REPLAY_LEASE) and renewed by a thread while the replay runs, so a dead holder is replaced within seconds; and
each write is claimed (a key per write, holding the lease's value, expiring with it) before it is checked and
sent, by a script that first checks the lease is still ours: a holder that lost its lease (frozen, cut off)
claims nothing more, and two machines never send the same write.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from ..actions.base import Action
from ..actions.lifecycle import WriteState
from ..actions.outbox import QUEUED, SETTLED, Item, Outbox
from ..text import decode_json
from .lease import Lease
from .link import Entries, Link, LinkDown
from .seal import Refused, checked

log = logging.getLogger(__name__)
SETTLED_KEPT = 7 * 86400  # seconds Redis remembers that a write left the venue's outbox
MAX_ITEM = 256_000  # characters of one queued write (a walk-in's form is a few hundred)
STATES = {state.value for state in WriteState}
REPLAY_LEASE = 5.0  # seconds: the venue's replay lease and each write's claim; renewed every third of it

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


# KEYS: the replay lease, the write's claim. ARGV: our lease value, claim ms. → {1} ours now; {0} the lease is
# not ours (lost: claim nothing more); {-1, value} claimed by another holder (its value, to check its seal).
CLAIM = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0} end
local held = redis.call('GET', KEYS[2])
if held and held ~= ARGV[1] then return {-1, held} end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return {1}
"""
# KEYS: the lease, then the claims held. ARGV: our value, ms. → 0 when the lease was lost (claims not renewed).
RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
return 1
"""
DELETE_IF = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


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
        self.claim_prefix = link.key("outbox-claim", name) + ":"
        self.lease = Lease(link, link.key("outbox-replay", name), REPLAY_LEASE)
        self._queue, self._settle = link.script(QUEUE), link.script(SETTLE)
        self._claim, self._renew_all = link.script(CLAIM), link.script(RENEW)
        self._claims: set[str] = set()  # the claim keys this replay holds (renewed with the lease)
        self._renewing: threading.Event | None = None
        self._last_id = ""  # the venue stream's newest entry as last seen (by the lookout)
        self._changes = 0
        link.listeners.append(self._link_changed)
        link.lookouts.append(self._look)

    def detach(self) -> None:
        """This outbox is no longer the session's (another account): it stops listening to the link."""
        if self._link_changed in self.link.listeners:
            self.link.listeners.remove(self._link_changed)
        if self._look in self.link.lookouts:
            self.link.lookouts.remove(self._look)

    @property
    def changes(self) -> int:
        return self._changes

    def _look(self, client: Any) -> None:
        """Each second on the link's thread: has the venue's outbox a new entry (another machine queued a write
        or shared the ones it kept while the link was down)? Then the runners replay now, not at a key press."""
        newest = client.xrevrange(self.keys[0], count=1) if client.type(self.keys[0]) == "stream" else []
        last = newest[0][0] if newest else ""
        if last != self._last_id:
            self._last_id = last
            self._changes += 1

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
                self._start_renewing()
                return True
        except LinkDown:
            return True  # the link is down: this machine replays its own writes
        super().unlock()  # another machine is replaying the venue's writes
        return False

    def _start_renewing(self) -> None:
        """A thread renews the lease and the claims while the replay runs (a frozen process renews nothing:
        its lease and claims end, and another machine takes over)."""
        stop = self._renewing = threading.Event()

        def renew() -> None:
            while not stop.wait(REPLAY_LEASE / 3):
                try:
                    keys = [self.lease.key, *sorted(self._claims)]
                    if not int(self._renew_all(keys, [self.lease.holder, self.lease._ms()])):
                        log.warning("venue outbox: the replay lease was lost; this machine claims no more writes")
                        return
                except LinkDown:
                    pass  # the next turn tries again; a claim that ends meanwhile is checked before a send

        threading.Thread(target=renew, name="venue-outbox-lease", daemon=True).start()

    def unlock(self) -> None:
        if self._renewing is not None:
            self._renewing.set()
            self._renewing = None
        try:
            self.lease.release()
        except LinkDown:
            pass
        super().unlock()

    def take(self, action_id: str) -> bool:
        """Claims the write for this replay if the lease is still ours and nobody else claimed it (a claim
        whose value no machine of the venue sealed is set aside and counted). The link down: ours to send."""
        key = f"{self.claim_prefix}{action_id}"
        for _ in range(2):
            try:
                answer = self._claim([self.lease.key, key], [self.lease.holder, self.lease._ms()])
            except LinkDown:
                return True
            if int(answer[0]) == 1:
                self._claims.add(key)
                return True
            if int(answer[0]) == 0:
                return False  # the lease is not ours any more
            held = answer[1] if len(answer) > 1 else None
            try:
                self.link.venue_key.open(self.lease.key, held, limit=512)
            except Refused as refused:  # forged: removed if unchanged, and claimed
                self.link.refusals.add("outbox", refused.reason)
                self._delete_if(key, held if isinstance(held, str) else "")
                continue
            return False
        return False

    def _delete_if(self, key: str, value: str) -> None:
        self.link.run(lambda r: r.eval(DELETE_IF, 1, key, value))

    def let_go(self, action_id: str) -> None:
        key = f"{self.claim_prefix}{action_id}"
        self._claims.discard(key)
        try:
            self._delete_if(key, self.lease.holder)
        except LinkDown:
            pass  # it ends with the lease

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
