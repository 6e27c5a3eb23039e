"""The lease on a real Redis: one holder at a time; a holder that lost it learns so once, and may take it again
later like anyone else (a machine that once replayed the outbox was locked out of it for good)."""

from __future__ import annotations

import time

from benchmarks.venue import VENUE_KEY
from eventtia_tui.venue.lease import Lease
from eventtia_tui.venue.link import Link


def test_a_holder_that_lost_the_lease_stops_once_and_takes_it_again_when_it_is_free(redis_server):
    links = [Link(redis_server.url, VENUE_KEY) for _ in range(2)]
    try:
        assert all(link.connect() for link in links)
        first, second = (Lease(link, link.key("outbox-replay", "test"), 0.2) for link in links)
        assert first.acquire() and not second.acquire()
        time.sleep(0.3)  # the first holder froze past its lease (a wait for Redis's expiry, not for the UI)
        assert second.acquire() and second.token > first.token
        assert not first.acquire()  # it ran out and another held it since: this holding is over
        second.release()
        assert first.acquire() and first.token > second.token  # free again: a new take, with a new token
        assert not second.acquire()
    finally:
        for link in links:
            link.close()
