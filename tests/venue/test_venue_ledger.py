"""The venue's ledger of admissions (issue 28, item 3) with real parts: each desk is its own process with its own
state dir (tests/venue/door_machine.py), on one real Redis; admissions travel through the venue's signed stream."""

from __future__ import annotations

import itertools

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventtia_tui.venue.link import Link
from tests.venue.door_machine import EVENT, VENUE_KEY, DoorMachine


@pytest.fixture
def desks(tmp_path, redis_server):
    started: list[DoorMachine] = []

    def start(*places: str) -> list[DoorMachine]:
        started.extend(DoorMachine(tmp_path, redis_server.url, place) for place in places)
        return started[-len(places):]

    yield start
    for desk in started:
        desk.stop()


def test_a_badge_admitted_at_one_desk_scans_already_admitted_at_another(desks) -> None:
    one, two = desks("Entrance 1", "Entrance 2")
    assert one.ready["up"] and two.ready["up"]
    two.send("wait_admitted", attendee="7")  # machine 2 watches its own ledger for the badge
    first = one.ask("scan", attendee="7")
    seen = two.read()
    assert first["verdict"] == "CONFIRMED" and first["admitted"]
    assert seen["seen_at"] >= first["at"]  # the admission reached machine 2's ledger, after it was made
    again = two.ask("scan", attendee="7")
    assert again["verdict"].startswith("ALREADY ADMITTED at ") and again["verdict"].endswith(", Entrance 1")
    assert again["level"] == "problem" and again["admitted"] is None
    back = one.ask("scan", attendee="7")  # the same desk, the badge handed back over the barrier
    assert back["verdict"] == again["verdict"]
    held = [desk.ask("holds", attendee="7") for desk in (one, two)]
    assert held[0]["ids"] == held[1]["ids"] == [first["admitted"]]  # recorded once, in both ledgers


def test_with_redis_killed_between_two_admissions_both_desks_end_with_both_and_agree_on_the_first(
        desks, redis_server) -> None:
    one, two = desks("Entrance 1", "Entrance 2")
    redis_server.stop()
    first = one.ask("scan", attendee="9")  # neither desk can hear of the other's admission
    second = two.ask("scan", attendee="9")
    assert first["verdict"] == second["verdict"] == "CONFIRMED"
    assert first["admitted"] and second["admitted"] and first["admitted"] != second["admitted"]
    assert one.ask("holds", attendee="9")["ids"] == [first["admitted"]]
    redis_server.start()  # the same port, empty: each desk sends what the stream lacks
    for desk in (one, two):
        desk.send("wait_admitted", attendee="9", count=2, timeout=20.0)
    for desk in (one, two):
        desk.read()
    held = [desk.ask("holds", attendee="9") for desk in (one, two)]
    both = sorted([first["admitted"], second["admitted"]])
    assert held[0]["ids"] == held[1]["ids"] == both  # nothing lost, nothing twice
    assert held[0]["first"] == held[1]["first"] == first["admitted"]  # the earlier admission, at Entrance 1
    assert held[0]["first_place"] == "Entrance 1"
    verdicts = [desk.ask("scan", attendee="9")["verdict"] for desk in (one, two)]
    assert verdicts[0] == verdicts[1] and verdicts[0].endswith(", Entrance 1")
    stream = redis.Redis.from_url(redis_server.url, decode_responses=True)
    link = Link(redis_server.url, VENUE_KEY)
    keys = list(stream.scan_iter("*admissions*"))
    assert len(keys) == 1 and link.scope_hash(EVENT) in keys[0]
    ids = [entry["id"] for _, entry in stream.xrange(keys[0])]
    assert sorted(set(ids)) == both  # the stream holds both again (a copy sent by both desks is taken once)
    stream.close()
    link.close()


def test_a_forged_or_unsigned_admission_in_the_stream_is_refused_never_applied(desks, redis_server) -> None:
    one, two = desks("Entrance 1", "Entrance 2")
    one.ask("scan", attendee="3")  # the stream exists: its key is learned from it
    two.send("wait_admitted", attendee="3")
    two.read()
    stream = redis.Redis.from_url(redis_server.url, decode_responses=True)
    key = next(iter(stream.scan_iter("*admissions*")))
    _, entry = stream.xrange(key)[0]
    forged_body = entry["body"].replace('"attendee":"3"', '"attendee":"4"')
    stream.xadd(key, {**entry, "body": forged_body})  # the old signature on an altered body
    stream.xadd(key, {"id": "x", "origin": "intruder", "body": forged_body})  # no signature at all
    stream.close()
    assert [desk.ask("wait_refused", count=2)["refused"] for desk in (one, two)] == [2, 2]  # both read past them
    assert one.ask("holds", attendee="4")["ids"] == two.ask("holds", attendee="4")["ids"] == []
    assert two.ask("scan", attendee="4")["verdict"] == "CONFIRMED"  # never taken for an admission


DOORS = ("room-a", "room-b", "room-c")
MOVES = st.lists(st.tuples(st.sampled_from(DOORS), st.integers(0, 4), st.booleans()), min_size=1, max_size=25)
EXAMPLE = itertools.count()


@pytest.fixture
def three_doors(desks):
    return dict(zip(DOORS, desks("Room A", "Room B", "Room C"), strict=True))


@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=MOVES)
def test_each_door_counts_admissions_minus_exits_at_every_machine_of_the_venue(three_doors, moves) -> None:
    """Three doors, each its own machine process on the venue's Redis, scanning in and out in a generated order:
    every machine ends with every door's lines, and at each the door's count is its admissions minus its exits
    and names who went in last without leaving."""
    prefix = f"x{next(EXAMPLE)}-"  # the machines live through the examples: each example's people are its own
    expected: dict[str, set[str]] = {door: set() for door in DOORS}
    lines = 0
    for door, person, out in moves:
        who = f"{prefix}{person}"
        moved = three_doors[door].ask("door", door=door, attendee=who, out=out)["moved"]
        assert moved == ((who in expected[door]) == out)  # in when outside, out when inside: else nothing
        if moved:
            lines += 1
            (expected[door].discard if out else expected[door].add)(who)
    for machine in three_doors.values():
        machine.send("wait_lines", prefix=prefix, count=lines)
    for machine in three_doors.values():
        machine.read()
    for machine in three_doors.values():
        counts = machine.ask("doors", prefix=prefix, doors=list(DOORS))
        for door in DOORS:
            assert counts[door]["inside"] == sorted(expected[door])
            assert len(counts[door]["inside"]) == counts[door]["admissions"] - counts[door]["exits"]
