"""A lease in Redis: one holder at a time, renewed while it works, free again a lease after its holder dies."""

from __future__ import annotations

import uuid

from .link import Link
from .seal import Refused

# Held by us already: extend it. Free: take it. Else: someone else's (its value, for the holder to check).
TAKE = """
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then return {redis.call('PEXPIRE', KEYS[1], ARGV[2])} end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1} end
return {0, held}
"""
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
        self._take, self._renew, self._release = link.script(TAKE), link.script(RENEW), link.script(RELEASE)

    def _ms(self) -> int:
        return max(1, int(self.seconds * 1000))

    def acquire(self) -> bool:
        """Blocking (one round trip): True when this holder has it now. LinkDown when Redis is away."""
        answer = self._take([self.key], [self.holder, self._ms()])
        if int(answer[0]):
            return True
        held = answer[1] if len(answer) > 1 else None
        try:
            self.link.venue_key.open(self.key, held, limit=512)
        except Refused as refused:  # forged or broken: counted, removed if unchanged, and taken
            self.link.refusals.add("lease", refused.reason)
            self._release([self.key], [held if isinstance(held, str) else ""])
            return bool(int(self._take([self.key], [self.holder, self._ms()])[0]))
        return False

    def renew(self) -> bool:
        """False when the lease was lost (it ran out and someone else took it)."""
        return bool(self._renew([self.key], [self.holder, self._ms()]))

    def release(self) -> None:
        """Never frees a lease someone else took over."""
        self._release([self.key], [self.holder])
