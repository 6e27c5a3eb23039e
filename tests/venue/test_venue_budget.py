"""The shared request budget on a real Redis: one window for every machine, the two lanes, 429 pauses, and
each machine's share of the minute while the link is down."""

from __future__ import annotations

import asyncio

import pytest

from benchmarks.venue import VENUE_KEY
from eventtia_tui.api.budget import RequestBudget
from eventtia_tui.venue.budget import SharedBudget
from eventtia_tui.venue.link import Link


@pytest.fixture
def machine(redis_server):
    links: list[Link] = []

    def make(per_minute: int = 5, reserve: int = 1, window: float = 60.0) -> SharedBudget:
        link = Link(redis_server.url, VENUE_KEY)
        links.append(link)
        assert link.connect()
        return SharedBudget(link, RequestBudget(per_minute, reserve=reserve, window=window, scope="http://api"))

    yield make
    for link in links:
        link.close()


def test_redis_starts_fast(redis_server):
    assert redis_server.started_in < 2.0


async def test_machines_share_one_window_and_the_background_lane_leaves_the_reserve(machine):
    one, two = machine(), machine()
    background = [one._try_take("background")[0], two._try_take("background")[0],
                  one._try_take("background")[0], two._try_take("background")[0]]
    assert all(background)
    refused, wait = two._try_take("background")
    assert refused is None and wait > 50  # the reserve slot is not the background lane's
    assert one._try_take("interactive")[0] is not None  # the desk's lookup still goes
    assert two._try_take("interactive")[0] is None  # five in the window, across both machines
    one.link._check()  # the link's look each second: the header's count is read there, off the event loop
    two.link._check()
    assert one.remaining() == two.remaining() == 0


async def test_a_slot_frees_a_window_after_its_answer(machine):
    one, two = (machine(per_minute=2, reserve=0, window=0.3) for _ in range(2))
    ticket = await one.acquire("background")
    await two.acquire("background")
    assert two._try_take("background")[0] is None
    one.release(ticket)  # answered now: free 0.3 s from now, not before
    assert two._try_take("background")[0] is None
    third = await asyncio.wait_for(two.acquire("background"), 2.0)
    assert third is not None


async def test_a_429_at_one_machine_pauses_every_machine(machine):
    one, two = machine(), machine()
    one.pause(30)
    one.link.flush()  # told to Redis on the link's thread, off the event loop
    taken, wait = two._try_take("interactive")
    assert taken is None and 25 < wait <= 30
    two.link._check()
    assert two.remaining() == 0


async def test_link_down_each_machine_counts_its_share_at_once(redis_server, machine):
    one, two = machine(per_minute=10, reserve=0), machine(per_minute=10, reserve=0)
    used = [two._try_take("background")[0] for _ in range(4)]  # the venue's minute so far: 4 of 10
    one.link._check()  # both machines are seen now, and the venue's window as it is
    assert one.link.machines_seen == 2 and all(used)
    redis_server.stop()
    tickets = [one._try_take("background")[0] for _ in range(6)]
    assert not one.link.up
    # Its share: half of 10, less its half of the 4 the venue used this minute.
    assert sum(ticket is not None for ticket in tickets) == 5 - 2
    assert all(ticket is None or not ticket.startswith("S") for ticket in tickets)
    one.release(tickets[0])  # a local ticket goes back to the local count (held a window from its answer)
    assert one.remaining() == 0 and one.local.per_minute == 5
    assert one.allowance == 5  # what its header counts down from: its share, not the venue's 10
    redis_server.start()  # empty: the venue's minute as seen before, and what this machine sent meanwhile, go back
    two.link._check()
    one.link._check()
    for budget in (one, two):  # the lookouts' next look (each second): the count each header shows
        budget.link._check()
    assert one.link.up and one.remaining() == two.remaining() == 10 - 4 - 3
    assert one.allowance == two.allowance == 10
    assert one.reseeded + two.reseeded == 4  # both seeded the same four slots: counted once


async def test_a_machine_that_never_reached_redis_takes_its_share_of_the_configured_fleet(tmp_path):
    link = Link("redis://127.0.0.1:1/0", VENUE_KEY, machines=4)  # nothing listens there
    try:
        assert not link.connect()
        budget = SharedBudget(link, RequestBudget(100, reserve=10, scope="http://api"))
        assert link.why == "refused" and budget.local.per_minute == 25 and budget.local.reserve == 10
        tickets = [budget._try_take("interactive")[0] for _ in range(30)]
        assert sum(ticket is not None for ticket in tickets) == 25
    finally:
        link.close()
