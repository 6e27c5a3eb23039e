"""A lease in Redis: one holder at a time, renewed while it works, free again a lease after its holder dies."""

from __future__ import annotations

import uuid

from .link import Link

# Held by us already: extend it. Free: take it. Else: someone else's.
TAKE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""
RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class Lease:
    def __init__(self, link: Link, key: str, seconds: float) -> None:
        self.link = link
        self.key = key
        self.seconds = seconds
        self.holder = f"{link.machine}:{uuid.uuid4().hex[:8]}"
        self._take, self._renew, self._release = link.script(TAKE), link.script(RENEW), link.script(RELEASE)

    def _ms(self) -> int:
        return max(1, int(self.seconds * 1000))

    def acquire(self) -> bool:
        """Blocking (one round trip): True when this holder has it now. LinkDown when Redis is away."""
        return bool(self._take([self.key], [self.holder, self._ms()]))

    def renew(self) -> bool:
        """False when the lease was lost (it ran out and someone else took it)."""
        return bool(self._renew([self.key], [self.holder, self._ms()]))

    def release(self) -> None:
        """Never frees a lease someone else took over."""
        self._release([self.key], [self.holder])
