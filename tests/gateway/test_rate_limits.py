"""Eventtia's real limits — 100 requests a minute per token, 24 records a page — against the sandbox.

Time is simulated (`FastClock`): the sandbox's limiter, the client's budget and the gateway read one
clock running many times faster than the wall clock, so minutes of rate limiting take a second or two.
"""

from __future__ import annotations

import asyncio
import math

import diskcache
import httpx
import pytest

from benchmarks.fast_clock import FastClock
from eventtia_tui.api.budget import RequestBudget, background_lane
from eventtia_tui.api.client import EventtiaClient, RetryPolicy
from eventtia_tui.api.errors import RateLimited
from eventtia_tui.gateway import Gateway, look_up, sync_event
from eventtia_tui.sandbox import DEMO_EMAIL, DEMO_PASSWORD, create_app
from eventtia_tui.store.cache import CacheStore
from tests.demo_expo import BASE_URL, DEMO_START

EXPO = "demo-expo"
ATTENDEES = 3000  # 125 pages of 24: more than a minute of budget
PAGE = 24
SPEED = 20  # simulated seconds per real second: a request (~10 ms) stays well inside its 0.6 s slot
# A sync's clock: a page written to the cache (10-40 ms on a busy machine) also stays inside a slot, so the sync
# is held back by the budget, not by the disk.
SYNC_SPEED = 8
EXPO_ID = "(SELECT id FROM events WHERE uri = 'demo-expo')"
# A full sync pulls the default listing: neither deleted (archived) nor rejected registrations.
COUNT_EXPO = f"SELECT COUNT(*) FROM attendees WHERE event_id = {EXPO_ID} AND archived = 0 AND status != 'rejected'"
LAST_EXPO = f"SELECT email FROM attendees WHERE event_id = {EXPO_ID} ORDER BY id DESC LIMIT 1"


@pytest.fixture
def fast_clock() -> FastClock:
    return FastClock(SYNC_SPEED)


@pytest.fixture
def limited_app(fast_clock):
    return create_app(None, attendees=ATTENDEES, seed=7, start_date=DEMO_START, clock=fast_clock.now,
                      rate_limit=100, max_page_size=PAGE)


@pytest.fixture
async def limited(limited_app, fast_clock, tmp_path, fast_retry):
    """A gateway on the limited sandbox, with the client's budget at 100 a minute (shared via the cache)."""
    shared = diskcache.Cache(str(tmp_path / "budget"))
    budget = RequestBudget(100, clock=fast_clock, cache=shared, scope=BASE_URL)
    client = EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=limited_app), retry=fast_retry,
                            budget=budget)
    await client.login(DEMO_EMAIL, DEMO_PASSWORD)
    store = CacheStore(tmp_path / "cache", BASE_URL, DEMO_EMAIL, clock=fast_clock.now)
    yield Gateway(client, store, clock=fast_clock.now)
    store.close()
    await client.aclose()
    shared.close()


def attendee_pages_served(app) -> int:
    return sum(1 for path in app.state.limits.paths if path.endswith(f"/events/{EXPO}/attendees"))


async def test_sandbox_refuses_past_the_limit_with_retry_after_and_caps_the_page_size(clock):
    app = create_app(None, attendees=300, seed=1, start_date=DEMO_START, clock=clock, rate_limit=3, max_page_size=24)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
        token = (await http.post("/auth", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})).json()["auth_token"]
        headers = {"Authorization": f"Bearer {token}"}
        page = await http.get(f"/events/{EXPO}/attendees", params={"page[size]": 100}, headers=headers)
        assert len(page.json()["data"]) == 24 and page.json()["meta"]["total_pages"] == math.ceil(300 / 24)
        for _ in range(2):
            assert (await http.get("/events", headers=headers)).status_code == 200
        refused = await http.get("/events", headers=headers)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "3 requests a minute" in refused.json()["message"]
        clock.advance(60)
        assert (await http.get("/events", headers=headers)).status_code == 200
    assert app.state.limits.refused == 1


async def test_a_429_is_waited_out_for_its_retry_after_not_retried_in_a_loop(clock, tmp_path):
    app = create_app(None, attendees=50, seed=1, start_date=DEMO_START, clock=clock, rate_limit=2)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:  # the sandbox's clock moves by what the client waits
        waits.append(seconds)
        clock.advance(seconds)

    async with EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=app),
                              retry=RetryPolicy(base_delay=0, sleep=sleep)) as client:
        await client.login(DEMO_EMAIL, DEMO_PASSWORD)
        for _ in range(2):
            await client.get_event(EXPO)
        with background_lane():  # a sync's request waits a minute out; the desk's would not (test_variants)
            event = await client.get_event(EXPO)  # the third request: refused once, then sent after the wait
    assert event.name and app.state.limits.refused == 1
    assert len(waits) == 1 and 1 <= waits[0] <= 60


async def test_the_budget_keeps_slots_for_the_interactive_lane_and_is_shared_through_the_cache(tmp_path):
    clock = FastClock(SPEED)
    shared = diskcache.Cache(str(tmp_path / "budget"))
    kiosk_a = RequestBudget(10, reserve=2, clock=clock, cache=shared, scope="api")
    kiosk_b = RequestBudget(10, reserve=2, clock=clock, cache=shared, scope="api")
    for _ in range(8):
        kiosk_a.release(await kiosk_a.acquire("background"))
    assert kiosk_b.remaining() == 2  # the other process sees the slots used here
    waiting = asyncio.ensure_future(kiosk_b.acquire("background"))
    await asyncio.sleep(0.01)
    assert not waiting.done()  # the background lane may not take the reserved slots
    for _ in range(2):
        kiosk_b.release(await asyncio.wait_for(kiosk_b.acquire("interactive"), 1))
    assert kiosk_a.remaining() == 0
    await asyncio.wait_for(waiting, 5)  # a minute later (simulated), the background lane goes on
    assert kiosk_b.waited["background"] >= 50
    shared.close()


async def test_a_full_sync_at_100_a_minute_and_24_a_page_sees_no_429(limited, limited_app, fast_clock):
    started = fast_clock.now()
    report = await sync_event(limited, EXPO)
    minutes = (fast_clock.now() - started) / 60
    total = limited_app.state.sandbox.db.scalar(COUNT_EXPO)
    pages = math.ceil(total / PAGE)
    assert report.attendees == total
    assert limited_app.state.limits.refused == 0 and limited.client.budget.refused == 0
    assert report.requests == attendee_pages_served(limited_app) == pages  # the floor: ⌈N/24⌉ page requests
    assert minutes >= (pages - 100) / 100  # it did wait for the budget rather than hammer the API
    assert limited.is_complete(EXPO)


async def test_a_lookup_during_a_sync_goes_ahead_of_its_pages(limited, limited_app):
    last = limited_app.state.sandbox.db.one(LAST_EXPO)
    sync = asyncio.ensure_future(sync_event(limited, EXPO))
    budget = limited.client.budget
    while not budget.waiting["background"] and not sync.done():  # the sync has used its share and waits
        await asyncio.sleep(0.01)
    assert limited.index(EXPO) is not None and limited.index(EXPO).exact(last["email"]) is None
    found = await look_up(limited, EXPO, last["email"])
    assert [record.email for record in found] == [last["email"]]
    assert not sync.done()  # answered while the sync still waits on the budget
    assert budget.waited["interactive"] < 60 / 100  # within one request slot
    assert limited.index(EXPO).exact(last["email"]) is not None  # merged into the searchable copy
    await sync
    assert limited_app.state.limits.refused == 0


async def test_an_interrupted_full_sync_resumes_without_asking_again(limited, limited_app):
    sync = asyncio.ensure_future(sync_event(limited, EXPO))
    while len(getattr(limited.full_sync_state(EXPO), "done", ())) < 40 and not sync.done():
        await asyncio.sleep(0.01)
    sync.cancel()  # the desk quits (or the Wi-Fi drops) mid-sync
    with pytest.raises(asyncio.CancelledError):
        await sync
    kept = limited.full_sync_state(EXPO)
    assert kept is not None and len(kept.done) >= 40
    served_before = attendee_pages_served(limited_app)
    report = await sync_event(limited, EXPO)
    total = limited_app.state.sandbox.db.scalar(COUNT_EXPO)
    assert report.resumed_pages >= len(kept.done)  # (a page being saved as it was cancelled may land too)
    assert report.requests == math.ceil(total / PAGE) - report.resumed_pages
    assert attendee_pages_served(limited_app) - served_before == report.requests
    assert report.attendees == total and limited.full_sync_state(EXPO) is None


async def test_100_changed_attendees_resync_in_at_most_6_requests(limited, limited_app, fast_clock):
    """5 pages of changes (archived included) and one record of the default listing, whose total says none
    of them was cancelled."""
    await sync_event(limited, EXPO)
    db = limited_app.state.sandbox.db
    now_ms = int(fast_clock.now() * 1000)
    moved = (f"SELECT id FROM attendees WHERE event_id = {EXPO_ID} AND archived = 0 AND status != 'rejected' "
             "ORDER BY id LIMIT 100 OFFSET 1500")
    first = str(db.one(moved)["id"])
    was_checked_in = limited.index(EXPO).get(first).checked_in
    with db.transaction() as conn:  # another desk checks 100 people in (or out)
        conn.execute(f"UPDATE attendees SET checked_in = 1 - checked_in, updated_ms = ? WHERE id IN ({moved})",
                     (now_ms,))
    served_before = attendee_pages_served(limited_app)
    report = await sync_event(limited, EXPO)
    assert report.mode == "incremental"
    assert report.changed == 100
    assert attendee_pages_served(limited_app) - served_before == report.requests <= 6
    assert limited.index(EXPO).get(first).checked_in is not was_checked_in


async def test_rate_limited_is_raised_when_the_server_asks_for_too_long_a_wait(clock):
    app = create_app(None, attendees=50, seed=1, start_date=DEMO_START, clock=clock, rate_limit=1)
    async with EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=app)) as client:
        await client.login(DEMO_EMAIL, DEMO_PASSWORD)
        await client.get_event(EXPO)
        app.state.limits.window = 3600  # "come back in an hour": say so instead of hanging the desk
        with background_lane(), pytest.raises(RateLimited):
            await client.get_event(EXPO)
