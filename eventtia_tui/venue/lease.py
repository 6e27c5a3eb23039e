"""A lease in Redis: one holder at a time, renewed while it works, free again a lease after its holder dies.

Each take of the lease hands out a fencing token (Redis's clock in microseconds, never lower than the last one
handed out, so it goes up across a Redis restarted empty too). The holder's sync pages carry it on the feed;
the other machines set aside pages whose token is lower than one they have seen. `Fence` is the holder's
side: before each page it asks for or sends, a holder whose last confirmation is older than a third of the
lease (it was frozen, partitioned, its event loop stalled) asks Redis first, and stops the moment it learns
another machine holds the lease."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from .link import Link, LinkDown
from .seal import Refused

# Held by us already: extend it. Free: take it, with a new token — unless this holder asks to take it again
# (ARGV[3], its token) and another machine held it since (the last token is not ours: {-1}). Else: someone
# else's (its value, for the holder to check). KEYS: the lease, its token. The token is at least Redis's
# clock, and one more than the last unless that one is far ahead (an unsigned key: a forged one cannot hold
# tokens back for long).
TAKE = """
redis.replicate_commands()
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then return {redis.call('PEXPIRE', KEYS[1], ARGV[2]), ''} end
local last_token = redis.call('GET', KEYS[2])
if not held and ARGV[3] ~= '' and last_token and last_token ~= ARGV[3] then return {-1, ''} end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local last = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
  local token = now
  if last >= now and last < now + 60000000 then token = last + 1 end
  token = string.format('%.0f', token)
  redis.call('SET', KEYS[2], token)
  return {1, token}
end
return {0, held}
"""
FENCE = ":fence"  # beside a lease's key: the last fencing token handed out
RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class Lease:
    def __init__(self, link: Link, key: str, seconds: float) -> None:
        self.link = link
        self.key = key
        self.seconds = seconds
        # Signed with the venue key (deterministic, so the scripts compare it as it is): a lease value that is
        # not signed was not put there by a machine of the venue, and is set aside instead of waited on.
        self.holder = link.venue_key.seal(key, f"{link.machine}:{uuid.uuid4().hex[:8]}")
        self.token = 0  # the fencing token of this holder's latest take (0: never held)
        self._take, self._renew, self._release = link.script(TAKE), link.script(RENEW), link.script(RELEASE)

    def _ms(self) -> int:
        return max(1, int(self.seconds * 1000))

    def _try(self) -> list[object]:
        again = str(self.token) if self.token else ""
        answer: list[object] = list(self._take([self.key, self.key + FENCE], [self.holder, self._ms(), again]))
        if int(str(answer[0])) == 1 and answer[1:2] and answer[1]:
            self.token = int(str(answer[1]))
        return answer

    def acquire(self) -> bool:
        """Blocking (one round trip): True when this holder has it now (taken, or extended). LinkDown when
        Redis is away."""
        answer = self._try()
        if int(str(answer[0])) == -1:  # it ran out, and another machine held it since: this holding is over
            self.token = 0  # (the next acquire is a new take, when the lease is free: never locked out for good)
            return False
        if int(str(answer[0])):
            return True
        held = answer[1] if len(answer) > 1 else None
        try:
            self.link.venue_key.open(self.key, held, limit=512)
        except Refused as refused:  # forged or broken: counted, removed if unchanged, and taken
            self.link.refusals.add("lease", refused.reason)
            self._release([self.key], [held if isinstance(held, str) else ""])
            return int(str(self._try()[0])) == 1
        self.token = 0  # another machine holds it: any holding of ours is over
        return False

    def held_elsewhere(self) -> bool:
        """Blocking: another machine of the venue holds it now (False when free, forged, or Redis is away)."""
        try:
            held = self.link.run(lambda r: r.get(self.key))
        except LinkDown:
            return False
        if held is None or held == self.holder:
            return False
        try:
            self.link.venue_key.open(self.key, held, limit=512)
        except Refused:
            return False  # `acquire` sets it aside
        return True

    def renew(self) -> bool:
        """False when the lease was lost (it ran out and someone else took it)."""
        return bool(self._renew([self.key], [self.holder, self._ms()]))

    def release(self) -> None:
        """Never frees a lease someone else took over."""
        self._release([self.key], [self.holder])
        self.token = 0  # released: the next acquire is a new take


class Fence:
    """The lease as its holder's writes see it: the token to put on them, and whether it still holds."""

    def __init__(self, lease: Lease, clock: Callable[[], float] = time.monotonic) -> None:
        self.lease = lease
        self.clock = clock
        self.lost = False
        self.until = clock() + self.window  # confirmed (just taken) until then

    @property
    def window(self) -> float:
        return self.lease.seconds / 3

    @property
    def token(self) -> int:
        return self.lease.token

    def fresh(self) -> bool:
        return not self.lost and self.clock() < self.until

    def stale(self) -> None:
        """Ask Redis at the next write (the link just came back: the lease may have run out meanwhile)."""
        self.until = 0.0

    def confirm(self) -> bool:
        """Blocking: still the holder? Asks Redis only when the last confirmation is older than a third of the
        lease; it extends the lease, or takes it again when it ran out and nobody else took it. With Redis
        away the answer is yes (nobody can take it where nobody reaches Redis; what this machine writes
        meanwhile waits, and is confirmed again before it goes out)."""
        if self.lost:
            return False
        if self.fresh():
            return True
        started = self.clock()
        try:
            held = self.lease.acquire()
        except LinkDown:
            return True
        if held:
            self.until = started + self.window
        else:
            self.lost = True
        return held

    def renew(self) -> bool:
        self.stale()
        return self.confirm()
