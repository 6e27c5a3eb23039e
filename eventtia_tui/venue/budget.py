"""The request budget shared by every machine of the venue: the same rule and lanes as api/budget.py, in Redis.

A sorted set holds the slots (member: ticket, score: the moment it frees a window later, as in
`RequestBudget`); one Lua script takes a slot atomically, with Redis's own clock, so machines whose
clocks disagree still count one window. While the link is down, each machine counts on its own, for its
share of the minute (the limit divided by the machines seen lately), so the venue stays under it.
"""

from __future__ import annotations

import itertools
from typing import Any

from ..api.budget import Lane, RequestBudget
from .link import Link, LinkDown

NOW = """
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

# KEYS: slots, paused-until. ARGV: window, capacity, in-flight seconds, ticket. → {taken 0/1, seconds to wait}
TAKE = NOW + """
local window, capacity = tonumber(ARGV[1]), tonumber(ARGV[2])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return {0, tostring(paused - now)} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used < capacity then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil((tonumber(ARGV[3]) + window) * 1000))
  return {1, '0'}
end
local nth = redis.call('ZRANGE', KEYS[1], used - capacity, used - capacity, 'WITHSCORES')
return {0, tostring(math.max(0.01, tonumber(nth[2]) + window - now))}
"""

# The answer came back: the slot frees a window from now.
RELEASE = NOW + """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1]) end
return 1
"""

# A 429: nobody anywhere sends for ARGV[1] seconds.
PAUSE = NOW + """
local untill = now + tonumber(ARGV[1])
if untill > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], tostring(untill), 'PX', math.ceil(tonumber(ARGV[1]) * 1000))
end
return 1
"""

# → {slots in use in the window, seconds paused}
USED = NOW + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
return {redis.call('ZCARD', KEYS[1]), tostring(math.max(0, paused - now))}
"""

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
        name = link.scope_hash(local.scope)
        self.keys = [link.key("budget", name, "slots"), link.key("budget", name, "paused")]
        self._take, self._release = link.script(TAKE), link.script(RELEASE)
        self._pause, self._used = link.script(PAUSE), link.script(USED)
        self.seen: tuple[list[float], float] = ([], 0.0)  # the venue's slot ends lately, in this machine's clock
        link.listeners.append(self._link_changed)
        link.lookouts.append(self._look)

    @property
    def shared(self) -> bool:
        return True

    def _look(self, client: Any) -> None:
        """Each second while up: the venue's window as it is, for the moment the link drops."""
        if self.enabled:
            seconds, micros = client.time()
            offset = self.clock.now() - (seconds + micros / 1e6)
            slots = client.zrange(self.keys[0], 0, -1, withscores=True)
            self.seen = ([until + offset for _, until in slots], float(client.get(self.keys[1]) or 0) + offset)

    def _link_changed(self, up: bool) -> None:
        # Down: this machine's share of the minute, so the machines together stay under the limit.
        machines = self.link.machines_seen
        self.local.per_minute = self.limit if up else max(1, self.limit // machines)
        self.local.reserve = min(self.reserve, max(0, self.local.per_minute - 1))
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
                    self.link.run(lambda r: r.zadd(self.keys[0], {f"L{self.link.machine}-{ticket}": until
                                                                  for ticket, until in slots.items()}, nx=True))
                except LinkDown:
                    pass

    def use_token(self, token: str | None) -> None:
        super().use_token(token)
        self.local.use_token(token)

    def _try_take(self, lane: Lane) -> tuple[str | None, float]:
        capacity = self.per_minute - (self.reserve if lane == "background" else 0)
        ticket = f"{SHARED}{self.link.machine}-{next(_TICKETS)}"
        try:
            taken, wait = self._take(self.keys, [self.window, capacity, self.IN_FLIGHT, ticket])
        except LinkDown:
            return self.local._try_take(lane)
        if int(taken):
            return ticket, 0.0
        return None, float(wait)

    def release(self, ticket: str | None) -> None:
        if ticket is None:
            return
        if ticket.startswith(SHARED):
            try:
                self._release(self.keys[:1], [ticket])
            except LinkDown:
                pass  # it frees by itself in Redis, IN_FLIGHT + a window after it was taken
        else:
            self.local.release(ticket)
        self._wake()

    def pause(self, seconds: float) -> None:
        self.refused += 1
        self.local.pause(seconds)
        try:
            self._pause(self.keys[1:], [seconds])
        except LinkDown:
            pass

    def paused_for(self) -> float:
        """This machine's own pause (another machine's 429 is seen here once the link's lookout reads it)."""
        return self.local.paused_for()

    def remaining(self) -> int:
        if not self.enabled:
            return self.per_minute
        try:
            used, paused = self._used(self.keys, [self.window])
        except LinkDown:
            return self.local.remaining()
        return 0 if float(paused) > 0 else max(0, self.per_minute - int(used))
