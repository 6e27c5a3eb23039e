"""Simulated time for the request budget's tests and benchmark (not shipped: the app runs on the wall clock)."""

from __future__ import annotations

import asyncio
import time

from eventtia_tui.api.budget import SystemClock


class FastClock(SystemClock):
    """Simulated time running `speed` times faster than the wall clock, for tests and benchmarks."""

    def __init__(self, speed: float, start: float | None = None) -> None:
        self.speed = speed
        self._wall = time.time()
        self._origin = self._wall if start is None else start

    def now(self) -> float:
        return self._origin + (time.time() - self._wall) * self.speed

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)
