"""Eventtia's real limits — 100 requests a minute per token, at most 24 attendees a page.

On the in-process sandbox with those limits on and a simulated clock (SPEED times the wall clock,
shared by the sandbox's limiter and the client's budget): a first full sync's requests and minutes
against the floor (⌈N/24⌉ requests, at 100 a minute), the 429s seen, an email lookup made while that
sync waits on the budget, and the requests an incremental sync needs after 100 changes.
"""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path

import diskcache
import httpx

from eventtia_tui.api.budget import RequestBudget
from eventtia_tui.api.client import EventtiaClient
from eventtia_tui.gateway import Gateway, look_up, sync_event
from eventtia_tui.sandbox import API_PREFIX, DEMO_EMAIL, DEMO_PASSWORD, create_app
from eventtia_tui.store.cache import CacheStore

from .fast_clock import FastClock
from .report import Row, ms

URI = "demo-expo"
BASE_URL = "http://limited.sandbox" + API_PREFIX
PER_MINUTE, PAGE = 100, 24
SPEED = 20  # simulated seconds per real second: a request's real cost (~5 ms = 0.1 s simulated) stays well under its 0.6 s slot
CHANGES = 100
EXPO = "(SELECT id FROM events WHERE uri = 'demo-expo')"


async def measure(attendees: int, workdir: Path, speed: float = SPEED) -> list[Row]:
    workdir.mkdir(parents=True, exist_ok=True)
    clock = FastClock(speed)
    app = create_app(workdir / f"limited-{attendees}.sqlite3", attendees=attendees, clock=clock.now,
                     rate_limit=PER_MINUTE, max_page_size=PAGE)
    shared = diskcache.Cache(str(workdir / "budget"))
    client = EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=app), timeout=120.0,
                            budget=RequestBudget(PER_MINUTE, clock=clock, cache=shared, scope=BASE_URL))
    store = CacheStore(workdir / "cache", BASE_URL, DEMO_EMAIL, clock=clock.now)
    try:
        await client.login(DEMO_EMAIL, DEMO_PASSWORD)
        gateway = Gateway(client, store, clock=clock.now)
        db = app.state.sandbox.db
        active = f"event_id = {EXPO} AND archived = 0 AND status != 'rejected'"  # what a full sync pulls
        total = db.scalar(f"SELECT COUNT(*) FROM attendees WHERE {active}")
        last_email = db.one(f"SELECT email FROM attendees WHERE event_id = {EXPO} ORDER BY id DESC LIMIT 1")["email"]

        served = len(app.state.limits.paths)
        started = clock.now()
        sync = asyncio.ensure_future(sync_event(gateway, URI))
        while not client.budget.waiting["background"] and not sync.done():
            await asyncio.sleep(0.005)
        lookup_started, waited_before = time.perf_counter(), client.budget.waited["interactive"]
        found = await look_up(gateway, URI, last_email)
        lookup_wall = time.perf_counter() - lookup_started
        lookup_wait = client.budget.waited["interactive"] - waited_before  # simulated seconds spent on the budget
        report = await sync
        minutes = (clock.now() - started) / 60
        requests = len(app.state.limits.paths) - served
        floor = math.ceil(total / PAGE)

        moved = f"SELECT id FROM attendees WHERE {active} ORDER BY id LIMIT {CHANGES} OFFSET {total // 3}"
        with db.transaction() as conn:
            conn.execute(f"UPDATE attendees SET checked_in = 1 - checked_in, updated_ms = ? WHERE id IN ({moved})",
                         (int(clock.now() * 1000),))
        incremental = await sync_event(gateway, URI)
        refused = app.state.limits.refused
    finally:
        store.close()
        await client.aclose()
        shared.close()

    return [
        Row(key="limits-sync", measure=f"limits: first full sync at {PER_MINUTE}/min, {PAGE}/page", attendees=attendees,
            result=f"{report.requests:,} page requests, {minutes:.1f} min", baseline=f"floor {floor:,} requests, "
            f"{floor / PER_MINUTE:.1f} min", ratio=f"{report.requests / floor:.2f}× the floor", goal="floor, 0 × 429",
            passed=report.requests == floor and refused == 0,
            figures={"page_requests": report.requests, "all_requests": requests, "floor": floor,
                     "simulated_minutes": minutes, "refused": refused},
            note=f"{requests:,} requests in all (types, activities, B2B, the lookup); {refused} answered 429; "
                 f"simulated clock at {speed:g}× real time"),
        Row(key="limits-lookup", measure="limits: email lookup during that sync", attendees=attendees,
            result=f"{ms(lookup_wall)}, {lookup_wait:.2f} s on the budget", baseline="one slot: 0.6 s",
            ratio="ahead of the sync" if lookup_wait < 60 / PER_MINUTE else "queued", goal="within one slot",
            passed=bool(found) and lookup_wait < 60 / PER_MINUTE,
            figures={"wall_s": lookup_wall, "budget_wait_s": lookup_wait},
            note="wall time with the sync's pages sharing the process; the budget wait is simulated seconds"),
        Row(key="limits-incremental", measure=f"limits: incremental after {CHANGES} changes", attendees=attendees,
            result=f"{incremental.requests} page requests", baseline=f"full {report.requests:,}",
            ratio=f"{report.requests / max(incremental.requests, 1):,.0f}× fewer", goal="≤ 6 requests",
            passed=incremental.requests <= 6 and incremental.changed >= CHANGES,
            figures={"page_requests": incremental.requests, "changed": incremental.changed}),
    ]
