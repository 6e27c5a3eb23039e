"""Venue mode: one machine of the venue checks an event's copy against Eventtia (gateway/reconcile.py), by turn
(a lease per event); the others take the time of its last check. What a check finds (a cancellation made
elsewhere) reaches them through the feed, as every change to an attendee does. Without this, no machine of a
venue ran the whole-list check (each would have spent the shared budget on the same pages)."""

from __future__ import annotations

import time

from .lease import Lease
from .link import Link, LinkDown
from .seal import Refused

CLOCK_SKEW = 60.0  # seconds: a check time further ahead than this is no machine's (refused)


class VenueChecks:
    def __init__(self, link: Link, scope: str) -> None:
        self.link = link
        self.scope = link.scope_hash(scope)  # the account and API (as the feed's keys)
        self.leases: dict[str, Lease] = {}

    def _key(self, kind: str, uri: str) -> str:
        return self.link.key(kind, self.scope, self.link.scope_hash(uri))

    def take(self, uri: str, seconds: float) -> bool:
        """Blocking: this machine's turn to check the event (held `seconds`, taken again before each check);
        False while another machine has it, or Redis is away (the check waits for the link)."""
        lease = self.leases.setdefault(uri, Lease(self.link, self._key("check-turn", uri), seconds))
        lease.seconds = seconds
        try:
            return lease.acquire()
        except LinkDown:
            return False

    def checked(self, uri: str) -> float | None:
        """Blocking: when a machine of the venue last checked the event whole (None: never, or unreadable)."""
        key = self._key("checked", uri)
        try:
            raw = self.link.run(lambda r: r.get(key))
        except LinkDown:
            return None
        if raw is None:
            return None
        try:
            at = self.link.venue_key.open_number(key, raw)
        except Refused as refused:
            self.link.refusals.add("checks", refused.reason)
            return None
        if at > time.time() + CLOCK_SKEW:
            self.link.refusals.add("checks", "in the future")
            return None
        return at

    def done(self, uri: str, at: float) -> None:
        """Blocking: this machine checked the event whole at `at` (when the check began)."""
        key = self._key("checked", uri)
        try:
            self.link.run(lambda r: r.set(key, self.link.venue_key.seal(key, repr(at))))
        except LinkDown:
            pass  # the next check says it
