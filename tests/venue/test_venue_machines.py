"""Venue mode with real parts: machines are separate processes with their own cache dirs, on one real Redis
(started from the [test] extra's binary) and one sandbox on a loopback port that limits each account to
100 requests a minute and serves 24 attendees a page, and logs every request it answers."""

from __future__ import annotations

import math
import time

import pytest

from benchmarks.venue import Machine, VenueSandbox

ATTENDEES = 120  # a small event: 5 pages of 24


@pytest.fixture
def sandbox(tmp_path):
    server = VenueSandbox(tmp_path, ATTENDEES).start()
    yield server
    server.stop()


@pytest.fixture
def fleet(tmp_path, sandbox, redis_server):
    machines: list[Machine] = []

    def start(count: int, **options) -> list[Machine]:
        machines.extend(Machine.fleet(count, sandbox.url, redis_server.url, tmp_path, first=len(machines) + 1,
                                      **options))
        return machines[-count:]

    yield start
    Machine.stop_all(machines)


def sync_all(machines: list[Machine]) -> list[dict]:
    for machine in machines:
        machine.send("sync")
    return [machine.read() for machine in machines]


def test_one_sync_serves_every_machine_a_walk_in_is_live_everywhere_and_a_late_machine_starts_from_redis(sandbox, fleet):
    machines = fleet(3)
    syncs = sync_all(machines)
    stats = sandbox.stats()
    counts = [machine.ask("count") for machine in machines]
    assert [sync["led"] for sync in syncs].count(1) == 1  # one machine asked Eventtia
    assert stats["attendee_pages"] == math.ceil(119 / 24)  # one sync's pages for the three machines
    assert stats["refused"] == 0
    assert all(count["complete"] and count["records"] == counts[0]["records"] > 100 for count in counts)

    served = sandbox.stats()["served"]
    machines[2].send("wait_find", query="wanda.north@example.org", timeout=5.0)
    registered = machines[0].ask("register", values={"first_name": "Wanda", "last_name": "North",
                                                     "email": "wanda.north@example.org"})
    seen = machines[2].read()
    assert registered["state"] == "done"
    assert seen["ids"] and seen["found_at"] - registered["asked_at"] <= 1.0
    assert sandbox.stats()["served"] == served + 1  # the register itself; machine 3 asked Eventtia nothing
    assert machines[1].ask("find", query="Wanda North")["ids"]

    # A machine that joins late starts from what Redis holds, the walk-in included, not from Eventtia.
    late, = fleet(1)
    report = late.ask("sync")
    assert report["led"] == 0 and report["requests"] == 0
    assert late.ask("count")["records"] == machines[0].ask("count")["records"]
    assert late.ask("find", query="wanda.north@example.org")["ids"]
    assert sandbox.stats()["attendee_pages"] == stats["attendee_pages"]


def test_the_sync_lease_of_a_killed_machine_is_taken_over_within_the_lease(tmp_path, redis_server):
    slow = VenueSandbox(tmp_path / "slow", 240, latency_ms=100).start()  # 10 pages, 0.1 s each
    machines: list[Machine] = []
    try:
        machines = Machine.fleet(2, slow.url, redis_server.url, tmp_path, lease=1.0)
        leader, follower = machines
        leader.send("sync")
        deadline = time.monotonic() + 20
        while follower.ask("count")["records"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)  # the follower applies the leader's first pages from Redis
        follower.send("sync")
        leader.kill()
        killed = time.monotonic()
        report = follower.read()
        took = time.monotonic() - killed
        count = follower.ask("count")
        pages = slow.stats()["attendee_pages"]
    finally:
        Machine.stop_all(machines)
        slow.stop()
    assert report["led"] == 1 and count["complete"] and count["records"] >= 230
    assert took < 1.0 + 5  # the lease, then the pages the leader had not pulled
    assert pages <= 10 + 6 + 1  # at most the leader's pages in flight and page 1 again


def test_redis_killed_mid_run_loses_no_write_and_sends_none_twice(sandbox, fleet, redis_server):
    one, two = fleet(2)
    sync_all([one, two])
    redis_server.stop()
    # Redis gone: the write goes straight to Eventtia on this machine's own budget; machine 2 cannot hear of it.
    done = one.ask("register", values={"first_name": "Rhea", "last_name": "Downtime", "email": "rhea.down@example.org"})
    assert done["state"] == "done"
    assert not two.ask("find", query="rhea.down@example.org")["ids"]
    redis_server.start()  # the same port, empty: what was kept is merged back
    two.send("wait_find", query="rhea.down@example.org", timeout=8.0)
    assert two.read()["ids"]
    registers = sandbox.stats()["registered"]
    assert registers == 1


def test_a_write_queued_at_a_cut_off_machine_is_sent_once_by_another(sandbox, fleet):
    one, two = fleet(2)
    sync_all([one, two])
    one.ask("cut")
    queued = one.ask("register", values={"first_name": "Otto", "last_name": "Queued", "email": "otto.q@example.org"})
    assert queued["state"] == "queued"
    assert two.ask("queued")["queued"] == 1  # the venue's outbox, seen from the other machine
    replayed = two.ask("replay")
    assert replayed["sent"] == 1 and replayed["remaining"] == 0
    one.ask("mend")
    again = one.ask("replay")
    assert again["sent"] == 0 and again["remaining"] == 0  # it landed elsewhere: never sent from here
    assert one.ask("queued")["queued"] == 0
    assert sandbox.stats()["registered"] == 1
    assert one.ask("find", query="otto.q@example.org")["ids"]
