"""The connection's state as the header shows it: online, offline (with why), or not known yet.

Every API call the gateway makes goes through `call`, which marks the connection by how it ended; while a
header shows the state, `watch_connection` also marks it offline when a request goes unanswered, and probes
Eventtia now and then to know it is back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from ..api.budget import background_lane
from ..api.client import EventtiaClient
from ..api.errors import ApiError, AuthError, RateLimited, Unavailable, asks_to_wait

T = TypeVar("T")
log = logging.getLogger(__name__)

# Keeping the connection state live (while someone shows it: see ConnectionWatch.watch_connection).
STALL_SECONDS = 3.0  # a request on the wire unanswered this long: "offline" (not answering) until it answers
PROBE_OFFLINE = 5.0  # offline, or writes waiting in the outbox: a probe this often, to know it is back
PROBE_IDLE = 10.0  # online with nothing asked: a probe after this long without any answer
WATCH_TICK = 0.5


@dataclass
class Connection:
    online: bool | None = None  # None until the first request answers or fails
    message: str = ""
    since: float = 0.0


class ConnectionWatch:
    def __init__(self, client: EventtiaClient, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.clock = clock
        self.connection = Connection()
        self.on_connection: Callable[[Connection], None] | None = None
        self.has_queued: Callable[[], bool] = lambda: False  # writes waiting in the outbox (set by the runner)
        # Idle and online, may this process probe now? (venue mode: one machine of the venue probes for all;
        # not blocking, asked on the event loop)
        self.probe_turn: Callable[[], bool] = lambda: True
        # Told of every 401 (an expired or revoked token), whichever call met it: the app asks to sign in again.
        self.on_sign_in: Callable[[str], None] | None = None
        self._watch: asyncio.Task[None] | None = None
        self._probed_at = 0.0

    def _mark(self, online: bool, message: str = "") -> None:
        changed = self.connection.online != online
        if changed:
            self.connection = Connection(online, message, self.clock())
        else:
            self.connection.message = message
        if changed and self.on_connection is not None:
            self.on_connection(self.connection)

    async def call(self, request: Awaitable[T]) -> T:
        """Run one API call, keeping the connection state up to date."""
        try:
            value = await request
        except RateLimited:
            self._mark(True)  # Eventtia answers, and asks to wait: see held_back()
            raise
        except Unavailable as error:
            self._mark(False, error.message)
            raise
        except AuthError as error:
            self._mark(True)  # it answered: the token is what is refused
            if self.on_sign_in is not None:
                try:
                    self.on_sign_in(error.message)
                except Exception:  # asking failed (the app quitting): the caller still gets the 401
                    log.exception("the sign-in could not be asked for")
            raise
        except ApiError:
            self._mark(True)  # it answered (a refusal is an answer)
            raise
        self._mark(True)
        return value

    def held_back(self) -> str:
        """"Eventtia asks to wait 10 min" while a Retry-After longer than a minute runs (lookups come from the
        copy and writes are queued meanwhile), else ""."""
        held = self.client.budget.paused_for()
        return asks_to_wait(held) if held >= 60 else ""

    def watch_connection(self) -> None:
        """Keep `connection` live for a header that shows it (call with the event loop running): "offline"
        within STALL_SECONDS of a request going unanswered, and a cheap probe (in the background lane of
        the request budget) while offline or writes wait, or after PROBE_IDLE without any answer."""
        if self._watch is None or self._watch.done():
            self._watch = asyncio.get_running_loop().create_task(self._watch_connection())

    def cancel_watch(self) -> asyncio.Task[None] | None:
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.cancel()
        return watch

    async def stop_watching(self) -> None:
        watch = self.cancel_watch()
        if watch is not None:
            await asyncio.gather(watch, return_exceptions=True)

    async def _watch_connection(self) -> None:
        while True:
            await asyncio.sleep(WATCH_TICK)
            waiting = self.client.waiting_for()
            if waiting >= STALL_SECONDS:
                if self.connection.online is not False:
                    self._mark(False, f"Eventtia has not answered for {waiting:.0f} s.")
                continue
            if waiting or not self._probe_due():
                continue
            self._probed_at = time.monotonic()
            try:
                with background_lane():
                    await self.call(self.client.probe())
            except Exception:  # marked offline (or it answered): nothing else to do with it here
                pass

    def _probe_due(self) -> bool:
        now = time.monotonic()
        if self.connection.online is False or self.has_queued():
            return now - self._probed_at >= PROBE_OFFLINE
        if now - max(self.client.answered_at, self._probed_at) < PROBE_IDLE:
            return False
        budget = self.client.budget  # busy enough: its own requests say whether Eventtia answers
        return (not budget.enabled or budget.remaining() >= budget.allowance // 2) and self.probe_turn()
