"""Venue mode's whole-list check (issue 27 in a venue): one machine checks an event's copy for the venue, by turn;
the others take the time of its last check instead of spending the shared budget on the same pages. Real Redis,
a gateway synced from the sandbox."""

from __future__ import annotations

import asyncio

from benchmarks.venue import VENUE_KEY
from eventtia_tui.gateway import reconcile_event
from eventtia_tui.venue.checks import VenueChecks
from eventtia_tui.venue.link import Link
from tests.demo_expo import EXPO


async def test_one_machine_checks_for_the_venue_and_the_others_take_its_time(redis_server, synced):
    gateway = synced
    links = [Link(redis_server.url, VENUE_KEY) for _ in range(2)]
    try:
        assert all(link.connect() for link in links)
        holder, other = (VenueChecks(link, gateway.store.scope) for link in links)
        assert holder.take(EXPO, 60.0) and not other.take(EXPO, 60.0)  # one turn for the venue
        checked_at = gateway.clock() + 5  # the holder's check, later than this machine's own full sync
        holder.done(EXPO, checked_at)
        assert other.checked(EXPO) == checked_at

        gateway.check_turn = other  # this machine is not the one checking
        sent = gateway.client.budget.sent
        task = asyncio.create_task(reconcile_event(gateway, EXPO))
        for _ in range(500):  # a bound for a hang only: the outcome is asserted below
            if gateway.checks.checked_at(EXPO) == checked_at:
                break
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert gateway.checks.checked_at(EXPO) == checked_at  # the venue's check is this machine's too
        assert gateway.client.budget.sent == sent  # and it asked Eventtia nothing

        key = holder._key("checked", EXPO)
        links[0].run(lambda r: r.set(key, "v1:forged:4102444800"))  # a far-future time, unsigned
        assert other.checked(EXPO) is None and links[1].refusals.count >= 1
    finally:
        for link in links:
            link.close()
