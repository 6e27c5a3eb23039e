"""The venue key (issue 31): every entry a machine puts in the venue's Redis carries an HMAC made with a key
the machines share and Redis never sees (`venue_key` in the config, EVENTTIA_VENUE_KEY), not the Redis
password: whoever can write to Redis but does not hold the key cannot make a kiosk apply anything.

A sealed value is `v1:<hmac>:<value>` (the value last, so a Lua script can read a number after the last
colon without checking it; the machines check it). The HMAC covers the Redis key the value sits in, so an
entry cannot be copied to another key (another event's feed, another account's outbox) either.
Opening a value checks its type and size before its signature; a value that fails is `Refused`: the
caller sets it aside, counts it (`Refusals`, shown on the event screen) and goes on with the others.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from typing import Any
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)
VERSION = "v1"
MIN_KEY = 16  # characters: a venue key shorter than this is refused (it is guessed offline from one entry)
MAX_VALUE = 1_000_000  # characters of one entry's value: a sync page of 24–100 records is far under this
SIGNATURE = 32  # hex characters of the HMAC-SHA256 kept (128 bits)
NO_KEY = ("no venue key: set venue_key in the config or EVENTTIA_VENUE_KEY, the same on every machine of the "
          "venue and not the Redis password")


class Refused(Exception):
    """A venue entry that is unsigned, wrongly signed, of the wrong type or too large: never applied."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def key_problem(venue_key: str, redis_url: str) -> str | None:
    """Why this machine may not join the venue with this key (None: it may)."""
    if not venue_key:
        return NO_KEY
    if len(venue_key) < MIN_KEY:
        return f"the venue key is too short (at least {MIN_KEY} characters; make it with: openssl rand -hex 24)"
    password = urlsplit(redis_url).password
    if password is not None and unquote(password) == venue_key:
        return "the venue key is the Redis password: choose another (whoever reaches Redis must not hold it)"
    return None


class VenueKey:
    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def __repr__(self) -> str:
        return "VenueKey(***)"  # never in a log or a traceback

    def sign(self, where: str, *parts: str) -> str:
        message = "\0".join((VERSION, where, *parts)).encode("utf-8", "surrogatepass")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:SIGNATURE]

    def verify(self, signature: Any, where: str, *parts: str) -> None:
        """Refused unless `signature` is this key's for these parts at this key."""
        if not isinstance(signature, str) or not signature:
            raise Refused("unsigned")
        if not hmac.compare_digest(signature, self.sign(where, *parts)):
            raise Refused("bad signature")

    def seal(self, where: str, value: str) -> str:
        return f"{VERSION}:{self.sign(where, value)}:{value}"

    def open(self, where: str, sealed: Any, limit: int = MAX_VALUE) -> str:
        """The value inside; Refused when it is not a string, too large, unsigned or not signed for `where`."""
        value = checked(sealed, limit)
        version, signature, inside = (value.split(":", 2) + ["", ""])[:3]
        if version != VERSION or len(signature) != SIGNATURE:
            raise Refused("unsigned")
        self.verify(signature, where, inside)
        return inside

    def open_number(self, where: str, sealed: Any) -> float:
        inside = self.open(where, sealed, limit=64)
        try:
            number = float(inside)
        except ValueError:
            raise Refused("wrong type") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise Refused("wrong type")
        return number


def checked(value: Any, limit: int = MAX_VALUE) -> str:
    """A field read from Redis: a string of at most `limit` characters, else Refused."""
    if not isinstance(value, str):
        raise Refused("wrong type")
    if len(value) > limit:
        raise Refused("too large")
    return value


class Refusals:
    """The venue entries this machine set aside: counted for the screen, logged once per kind and reason."""

    def __init__(self) -> None:
        self.count = 0
        self.by_kind: dict[str, int] = {}
        self._logged: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def add(self, kind: str, reason: str) -> None:
        with self._lock:
            self.count += 1
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
            first = (kind, reason) not in self._logged
            self._logged.add((kind, reason))
        if first:  # the first of its kind only: a flood of forged entries does not flood the log
            log.warning("venue: a %s entry was refused (%s) and set aside; it is never applied", kind, reason)

    def describe(self) -> str:
        """'2 venue entries refused' ('' when none)."""
        if not self.count:
            return ""
        return f"{self.count:,} venue entr{'y' if self.count == 1 else 'ies'} refused"
