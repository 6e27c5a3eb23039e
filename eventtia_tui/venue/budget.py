"""The request budget shared by every machine of the venue: the same rule and lanes as api/budget.py, in Redis.

A sorted set holds the slots (member: ticket, score: the moment it frees a window later, as in
`RequestBudget`); one Lua script takes a slot atomically, with Redis's own clock, so machines whose
clocks disagree still count one window. While the link is down, each machine counts on its own, for its
share of the minute (the limit divided by the machines seen lately; before Redis was ever seen, by the
configured fleet, `venue_machines`), so the venue stays under it.

The budget survives Redis: each machine keeps the venue's slots it saw last (their signed members and Redis's
times), and a Redis that comes back empty (restarted without persistence) is seeded with those still in the
window, so the minute before the restart still counts. Every machine seeds the same members (ZADD NX): the
venue's minute is counted once, however many machines seed it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from typing import Any

from ..api.budget import Lane, RequestBudget
from ..gateway.sync import SYNC_GUARD
from .link import Link, LinkDown
from .seal import Refused

NOW = """
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

# Checked here for type and size (the machines check the signatures each second, in `_look`): a key of the
# wrong type is dropped, a slot cannot end later than in flight from now, a pause is at most MAX_PAUSE.
# `paused` is the number after the sealed value's last colon (seal.py). → `bad`: entries dropped.
CHECKED = NOW + """
local bad = 0
for _, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key)['ok']
  if kind ~= 'none' and kind ~= (key == KEYS[1] and 'zset' or 'string') then redis.call('DEL', key) bad = bad + 1 end
end
local max_pause, in_flight = tonumber(ARGV[1]), tonumber(ARGV[2])
bad = bad + redis.call('ZREMRANGEBYSCORE', KEYS[1], '(' .. tostring(now + in_flight + 1), '+inf')
local raw = redis.call('GET', KEYS[2])
local paused = 0
if raw then paused = math.min(tonumber(string.match(raw, '([^:]*)$')) or 0, now + max_pause) end
"""

# KEYS: slots, paused-until. ARGV: max pause, in-flight seconds, window, capacity, ticket.
# → {taken 0/1, seconds to wait, entries dropped}
TAKE = CHECKED + """
local window, capacity = tonumber(ARGV[3]), tonumber(ARGV[4])
if paused > now then return {0, tostring(paused - now), bad} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used < capacity then
  redis.call('ZADD', KEYS[1], now + in_flight, ARGV[5])
  redis.call('PEXPIRE', KEYS[1], math.ceil((in_flight + window) * 1000))
  return {1, '0', bad}
end
local nth = redis.call('ZRANGE', KEYS[1], used - capacity, used - capacity, 'WITHSCORES')
return {0, tostring(math.max(0.01, tonumber(nth[2]) + window - now)), bad}
"""

# The answer came back: the slot frees a window from now.
RELEASE = NOW + """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1]) end
return 1
"""

# A 429: nobody anywhere sends until ARGV[1] (Redis's clock, read just before), the sealed value ARGV[2].
PAUSE = NOW + """
local untill = tonumber(ARGV[1])
local current = tonumber(string.match(redis.call('GET', KEYS[1]) or '', '([^:]*)$')) or 0
if untill > now and (untill > current or current > now + tonumber(ARGV[3])) then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', math.ceil((untill - now) * 1000))
end
return 1
"""

# → {slots in use in the window, seconds paused, entries dropped}
USED = CHECKED + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
return {redis.call('ZCARD', KEYS[1]), tostring(math.max(0, paused - now)), bad}
"""
DELETE_IF = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
MAX_PAUSE = 300.0  # seconds: a longer pause in Redis is read as this long (Eventtia's Retry-After is a minute)

log = logging.getLogger(__name__)
_TICKETS = itertools.count()
SHARED = "S"  # tickets taken in Redis start with this; the others are the local budget's
SEEN = "venue-"  # the local budget's copy of the venue's slots when the link dropped


class SharedBudget(RequestBudget):
    POLL = 0.25  # other machines free slots unseen: look again this often

    def __init__(self, link: Link, local: RequestBudget) -> None:
        super().__init__(local.per_minute, reserve=local.reserve, window=local.window, clock=local.clock,
                         scope=local.scope)
        self.link = link
        self.local = local  # this machine's own count, used while the link is down
        self.limit = local.per_minute
        self._left: int | None = None  # the venue's requests left this minute, as the lookout last read them
        self._take, self._release = link.script(TAKE), link.script(RELEASE)
        self._pause, self._used = link.script(PAUSE), link.script(USED)
        self.seen: tuple[list[float], float] = ([], 0.0)  # the venue's slot ends lately, in this machine's clock
        self.seen_raw: dict[str, float] = {}  # the same slots as Redis held them: signed member → Redis's time
        self.seen_pause: str | None = None  # the venue's pause as Redis held it (sealed), while it lasts
        self.reseeded = 0  # slots put back into a Redis that came back empty
        # This machine's own venue slots, by when each frees (this machine's clock): the last second's are not
        # in `seen_raw` yet (read once a second), and they go back too when the link returns.
        self.mine: dict[str, float] = {}
        self._mine_lock = threading.Lock()  # taken on the event loop, read by the link's watcher thread
        link.listeners.append(self._link_changed)
        link.lookouts.append(self._look)
        self._share(link.up)  # never seen Redis yet: the configured fleet's share, not the whole minute

    @property
    def shared(self) -> bool:
        return True

    @property
    def keys(self) -> list[str]:
        """The slots and the pause, under the link's keys (the account's, once signed in)."""
        name = self.link.scope_hash(self.local.scope)
        return [self.link.key("budget", name, "slots"), self.link.key("budget", name, "paused")]

    def _look(self, client: Any) -> None:
        """Each second while up: the venue's window as it is, for the moment the link drops; and the slots and
        pause nobody of the venue signed are set aside (the scripts bound them meanwhile)."""
        if not self.enabled:
            return
        seconds, micros = client.time()
        offset = self.clock.now() - (seconds + micros / 1e6)
        self._reseed(client, seconds + micros / 1e6, offset, first=not self.link.up)
        slots = client.zrange(self.keys[0], 0, -1, withscores=True) if client.type(self.keys[0]) == "zset" else []
        forged = [member for member, _ in slots if not self.link.signed_member(self.keys[0], member)]
        if forged:
            client.zrem(self.keys[0], *forged)
            for _ in forged:
                self.link.refusals.add("budget", "unsigned")
        raw, paused = client.get(self.keys[1]) if client.type(self.keys[1]) == "string" else None, 0.0
        if raw is not None:
            try:
                paused = min(self.link.venue_key.open_number(self.keys[1], raw), seconds + MAX_PAUSE)
            except Refused as refused:
                self.link.refusals.add("budget", refused.reason)
                client.eval(DELETE_IF, 1, self.keys[1], raw)
        self.seen = ([until + offset for member, until in slots if member not in forged],
                     (paused + offset) if paused else 0.0)
        now = seconds + micros / 1e6
        used = sum(1 for member, until in slots if member not in forged and until > now - self.window)
        self._left = 0 if paused > now else max(0, self.per_minute - used)
        self.seen_raw = {member: until for member, until in slots if member not in forged}
        self.seen_pause = raw if paused and raw is not None and paused > seconds else None

    def _reseed(self, client: Any, now: float, offset: float, first: bool) -> None:
        """Redis lost the venue's window (restarted empty; the key expires only a window after its last slot
        ends, so a missing key with slots seen still in the window means a lost one): put back what was seen.
        On the first look after the link was down, this machine's own slots of the last window go back in any
        case (ZADD NX: those another machine put back already count once)."""
        live = {member: until for member, until in self.seen_raw.items() if until > now - self.window}
        local_now = now + offset
        with self._mine_lock:
            self.mine = {ticket: until for ticket, until in self.mine.items() if until > local_now - self.window}
            own = {ticket: until - offset for ticket, until in self.mine.items()} if first else {}
        if own or live and client.type(self.keys[0]) == "none":
            added = int(client.zadd(self.keys[0], {**live, **own} if client.type(self.keys[0]) == "none" else own,
                                    nx=True))
            client.pexpire(self.keys[0], int((self.IN_FLIGHT + self.window) * 1000))
            self.reseeded += added
            if added:
                log.warning("venue budget: Redis came back without the venue's last minute; %d requests put back",
                            added)
        if self.seen_pause is not None and client.type(self.keys[1]) == "none":
            try:
                until = self.link.venue_key.open_number(self.keys[1], self.seen_pause)
            except Refused:
                until = 0.0
            if until > now:
                client.set(self.keys[1], self.seen_pause, px=max(1, int((until - now) * 1000)), nx=True)

    def _bad(self, dropped: Any) -> None:
        for _ in range(int(dropped)):
            self.link.refusals.add("budget", "wrong type")

    def _share(self, up: bool) -> None:
        """Down: this machine's share of the minute, so the machines together stay under the limit."""
        self.local.per_minute = self.limit if up else max(1, self.limit // max(1, self.link.machines_seen))
        self.local.reserve = min(self.reserve, max(0, self.local.per_minute - 1))

    def _link_changed(self, up: bool) -> None:
        self._left = None  # the venue's count as last read is stale now: this machine's own until the next look
        machines = max(1, self.link.machines_seen)
        self._share(up)
        with self.local._transaction() as state:
            slots = state["slots"]
            for ticket in [ticket for ticket in slots if str(ticket).startswith(SEEN)]:
                del slots[ticket]
            if not up:  # the venue's last minute counts here too: this machine's share of what it used
                ends, paused = self.seen
                slots.update((f"{SEEN}{number}", until) for number, until in enumerate(sorted(ends)[::machines]))
                state["paused_until"] = max(state["paused_until"], paused)
        if up:  # back: the slots this machine used meanwhile count in the venue's window too
            slots = self.local._load()["slots"]
            if slots:
                try:
                    self.link.run(lambda r: r.zadd(self.keys[0], {
                        self.link.sign_member(self.keys[0], f"L{self.link.machine}-{ticket}"): until
                        for ticket, until in slots.items()}, nx=True))
                except LinkDown:
                    pass

    def use_token(self, token: str | None) -> None:
        super().use_token(token)
        self.local.use_token(token)

    def _try_take(self, lane: Lane) -> tuple[str | None, float]:
        capacity = self.per_minute - (self.reserve if lane == "background" else 0)
        ticket = self.link.sign_member(self.keys[0], f"{SHARED}{self.link.machine}-{next(_TICKETS)}")
        try:
            taken, wait, dropped = self._take(self.keys, [MAX_PAUSE, self.IN_FLIGHT, self.window, capacity, ticket])
        except LinkDown:
            return self.local._try_take(lane)
        self._bad(dropped)
        if int(taken):
            with self._mine_lock:
                self.mine[ticket] = self.clock.now() + self.IN_FLIGHT
            return ticket, 0.0
        return None, float(wait)

    async def _take_slot(self, lane: Lane) -> tuple[str | None, float]:
        return await asyncio.to_thread(self._try_take, lane)  # a Redis script: never on the event loop

    async def acquire(self, lane: Lane | None = None) -> str | None:
        """A slot, then the sync's guard (coordinator.py): a lease holder that waited for the slot while it
        lost the lease (frozen, cut off) sends nothing with it."""
        ticket = await super().acquire(lane)
        guard = SYNC_GUARD.get()
        if guard is not None:
            try:
                await guard()
            except BaseException:
                self.release(ticket)
                raise
        return ticket

    def release(self, ticket: str | None) -> None:
        if ticket is None:
            return
        if ticket.startswith(SHARED):  # on the link's thread; down, it frees by itself IN_FLIGHT + a window later
            with self._mine_lock:
                if ticket in self.mine:
                    self.mine[ticket] = self.clock.now()  # answered: it frees a window from now
            keys = self.keys[:1]
            self.link.later(lambda _: self._release(keys, [ticket]))
        else:
            self.local.release(ticket)
        self._wake()

    def pause(self, seconds: float) -> None:
        self.refused += 1
        self.local.pause(seconds)
        keys = self.keys[1:]

        def tell(r: Any) -> None:  # on the link's thread, with Redis's clock
            now, micros = r.time()
            until = repr(now + micros / 1e6 + seconds)
            self._pause(keys, [until, self.link.venue_key.seal(keys[0], until), MAX_PAUSE])

        self.link.later(tell)

    def paused_for(self) -> float:
        """This machine's own pause (another machine's 429 is seen here once the link's lookout reads it)."""
        return self.local.paused_for()

    def _venue_left(self) -> int | None:
        """The venue's requests left as the link's lookout read them this last second; None while this machine
        counts alone (the link down, or not read yet)."""
        return self._left if self.link.up else None

    @property
    def allowance(self) -> int:
        """The venue's minute; while this machine counts alone, its share of it."""
        return self.local.per_minute if self.enabled and self._venue_left() is None else self.per_minute

    def remaining(self) -> int:
        """Not blocking (the header reads it every second): the venue's count, else this machine's own."""
        if not self.enabled:
            return self.per_minute
        left = self._venue_left()
        return self.local.remaining() if left is None else left
