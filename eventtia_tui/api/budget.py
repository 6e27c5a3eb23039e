"""The request budget: Eventtia allows 100 requests a minute per token; never send one it would refuse.

Every request takes a slot first. A slot is held for `window` seconds from the moment its answer came
back — the latest moment the server can have counted it — so the budget never gets ahead of a server
counting arrivals in a sliding minute (or per calendar minute). A token bucket with a burst would: 100
at once, then one every 0.6 s, is 101 in the first minute.

Two lanes: the background lane (sync pages) leaves `reserve` slots of each minute to the interactive
lane (a lookup the user waits for, a write), so the desk never queues behind a sync.

A 429 with Retry-After holds every lane that long (the server asked). A 429 without one holds only the lane
that was refused, for a backoff doubling from BACKOFF_FROM seconds (with jitter) while 429s go on: a sync
hammering the limit never stalls the desk, and the desk is never held longer than the server asked.

With a diskcache `Cache`, the slots live in it, so kiosks sharing one cache directory share one budget.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import math
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import Any, Literal

Lane = Literal["interactive", "background"]
LANE: ContextVar[Lane] = ContextVar("eventtia_lane", default="interactive")


@contextmanager
def background_lane() -> Iterator[None]:
    """Requests made inside (and in tasks started inside) go in the background lane."""
    token = LANE.set("background")
    try:
        yield
    finally:
        LANE.reset(token)


class SystemClock:
    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


SYSTEM_CLOCK = SystemClock()
_TICKETS = itertools.count()  # unique in this process; the pid makes them unique across processes


class RequestBudget:
    IN_FLIGHT = 120.0  # another process's unanswered request counts as answered this long after it was sent
    POLL = 2.0  # seconds between looks at a shared budget, where other processes free slots unseen
    BACKOFF_FROM = 1.0  # a lane's first wait after a 429 that named no wait; doubled at each 429 in a row
    BACKOFF_MOST = {"interactive": 8.0, "background": 60.0}
    JITTER = 0.5  # a backoff is stretched by up to this fraction, so kiosks refused together spread out

    def __init__(self, per_minute: int = 100, *, reserve: int = 4, window: float = 60.0,
                 clock: SystemClock = SYSTEM_CLOCK, cache: Any = None, scope: str = "",
                 rng: random.Random | None = None) -> None:
        self.per_minute = max(0, per_minute)
        self.reserve = min(max(0, reserve), max(0, self.per_minute - 1))
        self.window = window
        self.clock = clock
        self.cache = cache  # a diskcache.Cache shared with other processes, or None
        self.scope = scope
        self.token_key = "anonymous"
        self.waiting: dict[Lane, int] = {"interactive": 0, "background": 0}
        self.next_slot_at: float | None = None  # when a waiting request expects its slot
        self.refused = 0  # 429s answered to this process
        self.sent = 0
        self.waited: dict[Lane, float] = {"interactive": 0.0, "background": 0.0}  # seconds, per lane
        self._local: dict[str, Any] = {}
        self._in_flight: set[str] = set()  # this process's unanswered requests: they hold their slots
        self._wakers: list[asyncio.Future[None]] = []
        self.rng = rng or random.Random()
        self.refused_in_a_row: dict[Lane, int] = {"interactive": 0, "background": 0}
        self.backing_off_until: dict[Lane, float] = {"interactive": 0.0, "background": 0.0}  # this process's

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    @property
    def shared(self) -> bool:
        """Other processes take slots too (unseen here): a wait looks again every POLL seconds."""
        return self.cache is not None

    def use_token(self, token: str | None) -> None:
        """Eventtia counts per token; the key is a hash, never the token."""
        self.token_key = hashlib.sha256(token.encode()).hexdigest()[:16] if token else "anonymous"

    # State: {"slots": {ticket: until}, "paused_until": float}, per scope and token --------------------

    def _key(self) -> str:
        return f"budget|{self.scope}|{self.token_key}"

    def _load(self) -> dict[str, Any]:
        state = self.cache.get(self._key()) if self.cache is not None else self._local.get(self._key())
        if not isinstance(state, dict):
            state = {"slots": {}, "paused_until": 0.0}
        horizon = self.clock.now() - self.window
        state["slots"] = {ticket: at for ticket, at in state["slots"].items()
                          if at > horizon or ticket in self._in_flight}
        return state

    def _save(self, state: dict[str, Any]) -> None:
        if self.cache is not None:
            self.cache.set(self._key(), state)
        else:
            self._local[self._key()] = state

    @contextmanager
    def _transaction(self) -> Iterator[dict[str, Any]]:
        with self.cache.transact() if self.cache is not None else nullcontext():
            state = self._load()
            yield state
            self._save(state)

    # Taking and giving back slots -----------------------------------------------------------------------

    def _try_take(self, lane: Lane) -> tuple[str | None, float]:
        """A ticket, or None and the seconds until a slot should free up."""
        now = self.clock.now()
        with self._transaction() as state:
            if state["paused_until"] > now:
                return None, state["paused_until"] - now
            capacity = self.per_minute - (self.reserve if lane == "background" else 0)
            slots: dict[str, float] = state["slots"]
            if len(slots) < capacity:
                ticket = f"{os.getpid()}-{next(_TICKETS)}"
                slots[ticket] = now + self.IN_FLIGHT
                self._in_flight.add(ticket)
                return ticket, 0.0
            # Our own requests still in flight free their slots when answered (release() wakes us).
            ends = sorted(math.inf if ticket in self._in_flight else at for ticket, at in slots.items())
            frees_at = ends[len(slots) - capacity] + self.window
            return None, self.POLL if frees_at == math.inf else max(0.01, frees_at - now)

    async def acquire(self, lane: Lane | None = None) -> str | None:
        """Wait for a slot in `lane` (default: the context's lane). None when the budget is off."""
        if not self.enabled:
            return None
        lane = lane or LANE.get()
        self.waiting[lane] += 1
        asked = self.clock.now()
        try:
            while (held := self.backing_off_until[lane] - self.clock.now()) > 0:
                self.next_slot_at = self.clock.now() + held
                await self._wait(held)
            while True:
                ticket, wait = await self._take_slot(lane)
                if ticket is not None:
                    self.sent += 1
                    self.waited[lane] += self.clock.now() - asked
                    return ticket
                self.next_slot_at = self.clock.now() + wait
                await self._wait(min(wait, self.POLL) if self.shared else wait)
        finally:
            self.waiting[lane] -= 1
            if not any(self.waiting.values()):
                self.next_slot_at = None

    async def _take_slot(self, lane: Lane) -> tuple[str | None, float]:
        """`_try_take` as `acquire` calls it (a budget kept elsewhere than on disk takes it off the event loop)."""
        return self._try_take(lane)

    def release(self, ticket: str | None) -> None:
        """The request's answer came back (or it failed): its slot ends a window from now."""
        if ticket is None:
            return
        self._in_flight.discard(ticket)
        with self._transaction() as state:
            if ticket in state["slots"]:
                state["slots"][ticket] = self.clock.now()
        self._wake()

    def pause(self, seconds: float) -> None:
        """The server said 429 with Retry-After: nobody sends for `seconds`."""
        self.refused += 1
        with self._transaction() as state:
            state["paused_until"] = max(state["paused_until"], self.clock.now() + seconds)

    def paused_for(self) -> float:
        """Seconds left of the wait the server asked for (0 when none)."""
        paused_until: float = self._load()["paused_until"]
        return max(0.0, paused_until - self.clock.now())

    def back_off(self, lane: Lane) -> float:
        """The server said 429 without a wait: `lane` alone holds back, longer at each 429 in a row
        (BACKOFF_FROM, doubled, at most BACKOFF_MOST[lane], stretched by up to JITTER). The seconds."""
        self.refused += 1
        streak = self.refused_in_a_row[lane]
        self.refused_in_a_row[lane] = streak + 1
        seconds = min(self.BACKOFF_MOST[lane], self.BACKOFF_FROM * 2.0 ** streak) * (1 + self.JITTER * self.rng.random())
        self.backing_off_until[lane] = max(self.backing_off_until[lane], self.clock.now() + seconds)
        return seconds

    def accepted(self, lane: Lane) -> None:
        """An answer that was not a 429: the lane's backoff starts over."""
        self.refused_in_a_row[lane] = 0

    @property
    def allowance(self) -> int:
        """The minute's requests that `remaining` counts down from."""
        return self.per_minute

    def remaining(self) -> int:
        """Requests left in the current minute (per_minute when off)."""
        if not self.enabled:
            return self.per_minute
        state = self._load()
        if state["paused_until"] > self.clock.now():
            return 0
        return max(0, self.per_minute - len(state["slots"]))

    def seconds_for(self, requests: int, lane: Lane = "background") -> float:
        """About how long `requests` more requests take at this budget (0 when off)."""
        if not self.enabled or requests <= 0:
            return 0.0
        capacity = self.per_minute - (self.reserve if lane == "background" else 0)
        available = max(0, capacity - (self.per_minute - self.remaining()))
        return max(0, requests - available) * self.window / capacity

    async def _wait(self, seconds: float) -> None:
        waker: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._wakers.append(waker)
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        try:
            await asyncio.wait([waker, sleeper], return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            if waker in self._wakers:
                self._wakers.remove(waker)

    def _wake(self) -> None:
        wakers, self._wakers = self._wakers, []
        for waker in wakers:
            if not waker.done():
                waker.set_result(None)
