"""The link to the venue's Redis: its clients, its keys, and whether it is up.

Every call goes through `Link.run`: a Redis error marks the link down at once and raises `LinkDown`, and
while it is down nothing waits on Redis (the callers fall back to this machine's own budget, cache and
outbox at once). A watcher thread pings every second and tells the listeners when it is back, so they
merge what they kept locally.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

import redis
import redis.asyncio

from .seal import Refusals, Refused, VenueKey, key_problem

log = logging.getLogger(__name__)
T = TypeVar("T")
TIMEOUT = 0.5  # seconds: Redis is on the venue LAN; slower than this counts as down
WATCH_EVERY = 1.0
MACHINE_SEEN = 30.0  # a machine that has not said it is alive for this long no longer counts
FLEET = 8  # machines a venue is assumed to have until Redis says how many there are (setting `venue_machines`)


class LinkDown(Exception):
    """Redis cannot be reached (or the link is known to be down): use this machine's own copy."""


def redacted(url: str) -> str:
    """The URL without its password (for messages: a password never reaches a log or the screen)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + (parts.hostname or "") + (f":{parts.port}" if parts.port else "")))


def why_down(error: BaseException) -> str:
    """The header's word for why Redis is not usable: refused, auth failed, wrong type, timeout (or an error)."""
    text = str(error)
    if isinstance(error, redis.AuthenticationError) or "WRONGPASS" in text or "NOAUTH" in text or \
            "invalid username-password" in text or "invalid password" in text:
        return "auth failed"
    if isinstance(error, redis.TimeoutError) or isinstance(error, TimeoutError) or "Timeout" in text:
        return "timeout"
    if isinstance(error, ConnectionRefusedError) or "refused" in text.lower():
        return "refused"
    if "WRONGTYPE" in text:
        return "wrong type"
    if isinstance(error, (redis.ConnectionError, OSError)):
        return "no answer"
    return "Redis error"


def described(error: BaseException) -> str:
    """For the log: the error's kind and Redis's words (they name no password), on one line."""
    return f"{type(error).__name__}: {' '.join(str(error).split())[:160]}"


# Answers come decoded (decode_responses=True): a stream's entry ids and fields are str, never bytes.
Entries = list[tuple[str, dict[str, str]]]


class Link:
    def __init__(self, url: str, venue_key: str = "", *, timeout: float = TIMEOUT, machines: int = FLEET) -> None:
        self.url = url
        # Without a usable venue key this machine does not join: it never reads nor writes the venue's Redis.
        self.problem = key_problem(venue_key, url)
        self.venue_key = VenueKey(venue_key)
        self.keyed = bool(venue_key)
        self.refusals = Refusals()
        options: dict[str, Any] = {"socket_timeout": timeout, "socket_connect_timeout": timeout, "decode_responses": True}
        self.sync = redis.Redis.from_url(url, **options)
        # Blocking stream reads wait up to a second: their socket timeout leaves room for that.
        self.aio = redis.asyncio.Redis.from_url(url, **{**options, "socket_timeout": timeout + 2.0})
        self.machine = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.up = False
        self.reason = "not connected yet"
        self.why = "connecting"  # the header's word for the reason: no venue key, refused, auth failed, …
        self._logged_why = ""
        # Until Redis has been seen, the venue is assumed to be `machines` strong: a machine that never reached
        # Redis (a wrong password, a wrong port) takes its share of the budget, not all of it.
        self.machines_seen = max(1, machines)
        self.down_since = time.monotonic()  # when the link last went down (or was created, down)
        self.listeners: list[Callable[[bool], None]] = []
        self.lookouts: list[Callable[[redis.Redis], None]] = []  # called with the client each second while up
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def key(self, *parts: str) -> str:
        """Keys are named by hashes of the API URL and account: no address or email sits in Redis's key space."""
        return "eventtia:" + ":".join(parts)

    @staticmethod
    def scope_hash(scope: str) -> str:
        return hashlib.sha256(scope.encode()).hexdigest()[:16]

    def connect(self) -> bool:
        """Blocking, once at start: one PING; then the watcher keeps the state current."""
        if self.problem is not None:  # refuses to join, saying so (once in the log, always in the header)
            self.mark(False, self.problem, "bad venue key" if self.keyed else "no venue key")
            return False
        self._check()
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, name="venue-link", daemon=True)
            self._watcher.start()
        return self.up

    def close(self) -> None:
        self._stop.set()
        self.sync.close()

    def run(self, call: Callable[[redis.Redis], T]) -> T:
        if not self.up or self.problem is not None:
            raise LinkDown(self.reason)
        try:
            return call(self.sync)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
            self.mark(False, described(error), why_down(error))
        except redis.RedisError as error:  # out of memory, a read-only replica, a refused command, a wrong type
            self.mark(False, described(error), why_down(error))
        raise LinkDown(self.reason)

    def mark(self, up: bool, reason: str = "", why: str = "") -> None:
        changed = up != self.up
        self.up, self.reason, self.why = up, reason, "" if up else (why or "down")
        if changed and not up:
            self.down_since = time.monotonic()
        if changed or not up and self.why != self._logged_why:  # the log says each reason once, not each second
            self._logged_why = self.why
            if up:
                log.info("venue link up")
            else:
                log.warning("venue link down (%s): %s", self.why, reason)
        if changed:
            for listener in list(self.listeners):
                try:
                    listener(up)
                except Exception:  # a listener's failure must not stop the others (nor the watcher)
                    log.exception("venue link listener failed")

    def _check(self) -> None:
        try:
            self.sync.ping()
            self._count_machines()
            for look in list(self.lookouts):
                look(self.sync)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as error:
            self.mark(False, described(error), why_down(error))
        except redis.RedisError as error:  # a wrong password, a refused command: down, with the reason
            self.mark(False, described(error), why_down(error))
        else:
            self.mark(True)

    def _count_machines(self) -> None:
        """This machine says it is alive; only the machines that signed theirs count (a forged crowd would
        shrink every machine's share of the budget)."""
        key = self.key("machines")
        if self.sync.type(key) not in ("zset", "none"):
            self.sync.delete(key)
            self.refusals.add("machines", "wrong type")
        self.sync.zadd(key, {self.sign_member(key, self.machine): time.time()})
        self.sync.zremrangebyscore(key, "-inf", time.time() - MACHINE_SEEN)
        members = cast(list[str], self.sync.zrange(key, 0, -1))
        forged = [member for member in members if not self.signed_member(key, member)]
        if forged:
            self.sync.zrem(key, *forged)
            for _ in forged:
                self.refusals.add("machines", "unsigned")
        self.machines_seen = max(1, len(members) - len(forged))

    def sign_member(self, key: str, name: str) -> str:
        """A set member (a machine, a budget slot) with its signature: `name|signature`."""
        return f"{name}|{self.venue_key.sign(key, name)}"

    def signed_member(self, key: str, member: object) -> bool:
        if not isinstance(member, str) or len(member) > 512:
            return False
        name, _, signature = member.rpartition("|")
        try:
            self.venue_key.verify(signature, key, name)
        except Refused:
            return False
        return True

    def _watch(self) -> None:
        while not self._stop.wait(WATCH_EVERY):
            self._check()

    def script(self, source: str) -> Callable[..., Any]:
        registered = self.sync.register_script(source)

        def call(keys: list[str], args: list[Any]) -> Any:
            return self.run(lambda _: registered(keys=keys, args=args))

        return call
