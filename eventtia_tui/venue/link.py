"""The link to the venue's Redis: its clients, its keys, and whether it is up.

Every call goes through `Link.run`: a Redis error marks the link down at once and raises `LinkDown`, and
while it is down nothing waits on Redis (the callers fall back to this machine's own budget, cache and
outbox at once). A watcher thread pings every second and tells the listeners when it is back, so they
merge what they kept locally.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

import redis
import redis.asyncio
import redis.asyncio.sentinel
import redis.sentinel

from .seal import Refusals, Refused, VenueKey, key_problem

log = logging.getLogger(__name__)
T = TypeVar("T")
TIMEOUT = 0.5  # seconds: Redis is on the venue LAN; slower than this counts as down
WATCH_EVERY = 1.0
MACHINE_SEEN = 30.0  # a machine that has not said it is alive for this long no longer counts
PROBE_EVERY = 30.0  # seconds: idle, one machine of the venue probes Eventtia this often (≤ 2 a minute)
PREFIX = "eventtia"  # the keys' first part (config venue_prefix); then a hash of the API URL and account
FLEET = 8  # machines a venue is assumed to have until Redis says how many there are (setting `venue_machines`)


class LinkDown(Exception):
    """Redis cannot be reached (or the link is known to be down): use this machine's own copy."""


def redacted(url: str) -> str:
    """The URL without its password (for messages: a password never reaches a log or the screen)."""
    parts = urlsplit(url)
    userinfo, at, hosts = parts.netloc.rpartition("@")  # a sentinel URL names several HOST:PORT
    user, colon, password = userinfo.partition(":")
    query = "&".join(f"{name}=***" if name.endswith("password") else f"{name}{eq}{value}"
                     for name, eq, value in (piece.partition("=") for piece in parts.query.split("&") if piece))
    if not (at and colon and password) and query == parts.query:
        return url
    netloc = f"{user}:***@{hosts}" if at and colon and password else parts.netloc
    return urlunsplit(parts._replace(netloc=netloc, query=query))


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


SENTINEL_SCHEMES = ("redis+sentinel", "rediss+sentinel")


def sentinel_parts(url: str) -> tuple[list[tuple[str, int]], str, dict[str, Any]]:
    """`redis+sentinel://[[USER]:PASSWORD@]HOST[:PORT][,HOST[:PORT]…]/SERVICE[/DB]` (rediss+sentinel: TLS to the
    primary) → the sentinels, the service's name, and the primary's connection options (the password is the
    primary's; `?sentinel_password=` is the sentinels' own, if they have one). ValueError when malformed."""
    parts = urlsplit(url)
    userinfo, _, hosts = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    sentinels: list[tuple[str, int]] = []
    for host in filter(None, hosts.split(",")):
        name, colon, port = host.rpartition(":") if "]" not in host.rpartition(":")[2] else (host, "", "")
        if not colon:
            name, port = host, "26379"
        if not name or not port.isdigit():
            raise ValueError(f"the sentinel address {host!r} is not HOST:PORT")
        sentinels.append((name.strip("[]"), int(port)))
    path = [piece for piece in parts.path.split("/") if piece]
    if not sentinels or not path or len(path) > 2 or len(path) == 2 and not path[1].isdigit():
        raise ValueError("a sentinel URL names its sentinels and service: redis+sentinel://HOST:26379/SERVICE/0")
    options: dict[str, Any] = {"db": int(path[1]) if len(path) == 2 else 0, "password": password or None,
                               "username": user or None, "ssl": parts.scheme == "rediss+sentinel"}
    query = dict(piece.partition("=")[::2] for piece in parts.query.split("&") if piece)
    if query.get("sentinel_password"):
        options["sentinel_password"] = query["sentinel_password"]
    return sentinels, path[0], options


def open_clients(url: str, options: dict[str, Any], aio_timeout: float) -> tuple[redis.Redis, redis.asyncio.Redis]:
    """The blocking and the asyncio client for `url`: redis://, rediss:// (TLS), unix://, or
    redis+sentinel:// (the primary Sentinel names now, found again after a failover)."""
    if urlsplit(url).scheme not in SENTINEL_SCHEMES:
        return (redis.Redis.from_url(url, **options),
                redis.asyncio.Redis.from_url(url, **{**options, "socket_timeout": aio_timeout}))
    sentinels, service, primary = sentinel_parts(url)
    asked = {"socket_timeout": options["socket_timeout"], "socket_connect_timeout": options["socket_connect_timeout"]}
    if "sentinel_password" in primary:
        asked["password"] = primary.pop("sentinel_password")
    blocking = redis.sentinel.Sentinel(sentinels, sentinel_kwargs=asked, **{**options, **primary})
    aio = redis.asyncio.sentinel.Sentinel(sentinels, sentinel_kwargs=asked,
                                          **{**options, **primary, "socket_timeout": aio_timeout})
    return blocking.master_for(service), aio.master_for(service)


# Answers come decoded (decode_responses=True): a stream's entry ids and fields are str, never bytes.
Entries = list[tuple[str, dict[str, str]]]


def on_event_loop() -> bool:
    """True on a thread running an asyncio event loop (the app's): a Redis call there would freeze the UI."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class Link:
    def __init__(self, url: str, venue_key: str = "", *, timeout: float = TIMEOUT, prefix: str = "",
                 scope: str = "", machines: int = FLEET) -> None:
        self.url = url
        self.prefix = prefix or PREFIX
        self.scope = scope  # the API URL, then (signed in) the API URL and account: CacheStore.scope_for
        self.on_loop = 0  # Redis calls made on an event loop's thread (each one a UI stall): kept at 0
        self.on_loop_where: dict[str, int] = {}  # and from where (module.function)
        self._later = ThreadPoolExecutor(max_workers=1, thread_name_prefix="venue-later")
        # Without a usable venue key this machine does not join: it never reads nor writes the venue's Redis.
        self.problem = key_problem(venue_key, url)
        self.venue_key = VenueKey(venue_key)
        self.keyed = bool(venue_key)
        self.refusals = Refusals()
        options: dict[str, Any] = {"socket_timeout": timeout, "socket_connect_timeout": timeout, "decode_responses": True}
        # Blocking stream reads wait up to a second: the asyncio client's socket timeout leaves room for that.
        self.sync, self.aio = open_clients(url, options, timeout + 2.0)
        self.machine = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.up = False
        self.reason = "not connected yet"
        self.why = "connecting"  # the header's word for the reason: no venue key, refused, auth failed, …
        self._logged_why = ""
        # Until Redis has been seen, the venue is assumed to be `machines` strong: a machine that never reached
        # Redis (a wrong password, a wrong port) takes its share of the budget, not all of it.
        self.machines_seen = max(1, machines)
        self.down_since = time.monotonic()  # when the link last went down (or was created, down)
        self.listed = True  # on the venue's roll of machines (False: a look from `venue status`, not a machine)
        self.listeners: list[Callable[[bool], None]] = []
        self.lookouts: list[Callable[[redis.Redis], None]] = []  # called with the client each second while up
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._probe_wanted = False  # the connection watch would probe now (idle): a turn is asked on the next look
        self._probe_granted = 0.0  # monotonic: when this machine took the venue's probe turn (0: not held)
        self._probed_alone = 0.0  # monotonic: this machine's last idle probe while the link was down
        self.lookouts.append(self._probe_look)

    def key(self, *parts: str) -> str:
        """`prefix:scope:…`: the prefix (config venue_prefix), then a hash of the API URL and account, so two
        accounts or two API URLs share one Redis without sharing a budget, an outbox or a feed; no address or
        email sits in Redis's key space."""
        return ":".join((self.prefix, self.scope_hash(self.scope), *parts))

    def use_scope(self, scope: str) -> None:
        """Signed in (CacheStore.scope_for: the API URL and account): the keys from now on are this account's."""
        self.scope = scope

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
        self._later.shutdown(wait=True)  # a slot's release or a pause still to tell Redis
        self.sync.close()

    def flush(self) -> None:
        """Blocking: returns once the calls given to `later` before it have run."""
        try:
            self._later.submit(lambda: None).result()
        except RuntimeError:  # closed
            pass

    def later(self, call: Callable[[redis.Redis], object]) -> None:
        """Not blocking: `call` runs on the link's own thread, in the order given (a budget slot's release, a
        pause): the event loop never waits on Redis for what it need not wait for. LinkDown is dropped."""
        def run() -> None:
            try:
                self.run(call)
            except LinkDown:
                pass
            except Exception:  # a later call's failure must not stop the next ones
                log.exception("venue link: a deferred call failed")

        try:
            self._later.submit(run)
        except RuntimeError:  # closed: the app is quitting
            pass

    def run(self, call: Callable[[redis.Redis], T]) -> T:
        if not self.up or self.problem is not None:
            raise LinkDown(self.reason)
        if on_event_loop():
            self.on_loop += 1
            where = next((f"{Path(frame.filename).stem}.{frame.name}" for frame in reversed(
                traceback.extract_stack(limit=6)[:-1]) if not frame.filename.endswith(("link.py", "budget.py"))), "?")
            if where not in self.on_loop_where:
                log.warning("venue link: a Redis call on the event loop, from %s (the UI waits for it)", where)
            self.on_loop_where[where] = self.on_loop_where.get(where, 0) + 1
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
        if self.listed:
            self.sync.zadd(key, {self.sign_member(key, self.machine): time.time()})
            self.sync.expire(key, int(MACHINE_SEEN * 2))  # a roll nobody writes to any more (another account's) goes
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

    def probe_turn(self) -> bool:
        """Not blocking (the connection watch asks it on the event loop when an idle probe is due): True when it
        is this machine's turn to probe Eventtia for the venue. One machine a PROBE_EVERY, taken in Redis by the
        lookout (a key set if absent, expiring); the link down, this machine alone, as often."""
        if not self.up:
            if time.monotonic() - self._probed_alone < PROBE_EVERY:
                return False
            self._probed_alone = time.monotonic()
            return True
        granted, self._probe_granted = self._probe_granted, 0.0
        if granted and time.monotonic() - granted < PROBE_EVERY:  # a turn not used in time is another's now
            self._probe_wanted = False
            return True
        self._probe_wanted = True
        return False

    def _probe_look(self, client: redis.Redis) -> None:
        """Each second on the watcher thread: asks for the venue's probe turn if the watch wants one. A value
        nobody of the venue sealed (one set for ever would silence every probe) is set aside and counted."""
        if not self._probe_wanted:
            return
        key = self.key("probe")
        if client.set(key, self.venue_key.seal(key, self.machine), nx=True, px=int(PROBE_EVERY * 1000)):
            self._probe_granted = time.monotonic()
            return
        held = client.get(key)
        try:
            self.venue_key.open(key, held, limit=512)
        except Refused as refused:
            self.refusals.add("probe", refused.reason)
            client.delete(key)

    def _watch(self) -> None:
        while not self._stop.wait(WATCH_EVERY):
            self._check()

    def script(self, source: str) -> Callable[..., Any]:
        registered = self.sync.register_script(source)

        def call(keys: list[str], args: list[Any]) -> Any:
            return self.run(lambda _: registered(keys=keys, args=args))

        return call
