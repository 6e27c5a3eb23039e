"""The venue key (issue 31 item 4) with real parts: machine processes on a real Redis, entries forged in that
Redis by someone who can write to it but does not hold the key; and the header's reason for a link that is down."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.redis_server import free_port
from benchmarks.venue import FORGED_NAME, VENUE_KEY, Machine, VenueSandbox, forge_entries
from eventtia_tui.actions import RegisterAttendee
from eventtia_tui.venue.link import Link, LinkDown
from eventtia_tui.venue.outbox import SharedOutbox
from eventtia_tui.venue.seal import NO_KEY, Refusals, Refused, VenueKey, key_problem

ATTENDEES = 48
ANOTHER_KEY = "another-venue-key-not-ours-0000"


@pytest.fixture
def sandbox(tmp_path):
    server = VenueSandbox(tmp_path, ATTENDEES).start()
    yield server
    server.stop()


def wait_until(check, seconds: float = 20.0) -> None:
    """Polls a condition (a machine's state, over its pipe); the bound only ends a test that would hang."""
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_forged_feed_outbox_lease_marker_and_budget_entries_are_refused_and_the_venue_keeps_working(
        tmp_path, sandbox, redis_server):
    machines = Machine.fleet(2, sandbox.url, redis_server.url, tmp_path)
    one, two = machines
    try:
        assert [machine.ask("sync")["mode"] for machine in machines]
        keys = two.ask("keys")
        forged = forge_entries(redis_server.url, keys)
        r = redis.Redis.from_url(redis_server.url, decode_responses=True)

        # Nothing forged is applied: the real walk-in arrives, the renamed record does not.
        two.send("wait_find", query="wanda.key@example.org", timeout=10.0)
        assert one.ask("register", values={"first_name": "Wanda", "last_name": "Key",
                                           "email": "wanda.key@example.org"})["state"] == "done"
        assert two.read()["ids"]
        assert not two.ask("find", query=FORGED_NAME)["ids"]
        # A write queued at a cut-off machine goes out from the other; the forged ones neither stop it nor go.
        one.ask("cut")
        assert one.ask("register", values={"first_name": "Otto", "last_name": "Keyed",
                                           "email": "otto.keyed@example.org"})["state"] == "queued"
        assert two.ask("queued")["queued"] == 1
        replayed = two.ask("replay")
        assert replayed["sent"] == 1 and replayed["remaining"] == 0
        # The sync is not stopped by the forged lease, marker or pause, and asks Eventtia again.
        served = sandbox.stats()["served"]
        report = two.ask("sync")
        assert "error" not in report and report["led"] >= 1
        assert sandbox.stats()["served"] > served
        wait_until(lambda: r.zcard(keys["machines"]) <= 2 and r.get(keys["paused"]) is None)
        assert r.zcard(keys["machines"]) == 2 and not any(m.startswith("forged-") for m in r.zrange(keys["slots"], 0, -1))
        states = [machine.ask("venue") for machine in machines]
        registered = sandbox.stats()["registered"]
        r.close()
    finally:
        Machine.stop_all(machines)
    assert registered == 2  # Wanda and Otto; nothing forged was sent
    assert all(state["up"] and state["why"] == "" for state in states)
    kinds: dict[str, int] = {}
    for state in states:
        for kind, count in state["refused_by_kind"].items():
            kinds[kind] = kinds.get(kind, 0) + count
    assert kinds["feed"] >= 7  # three forged entries, each met by both machines, and the copy (not by its maker)
    assert kinds["outbox"] >= 2 and kinds["lease"] >= 1 and kinds["marker"] >= 1
    assert kinds["budget"] >= 201 and kinds["machines"] >= 50
    assert states[1]["shown"] == f"{states[1]['refused']:,} venue entries refused"
    assert sum(kinds.values()) >= forged


def test_a_machine_without_the_key_refuses_to_join_saying_so(tmp_path, sandbox, redis_server):
    # A machine that never joins takes 1/8 of its budget (the fleet it assumes): 8 × 100 here, so its share is the
    # sandbox's 100 a minute and the test does not wait out a minute for it.
    machine, = Machine.fleet(1, sandbox.url, redis_server.url, tmp_path, venue_key="", rate_limit=8 * 100)
    try:
        state = machine.ask("venue")
        report = machine.ask("sync")  # it works on its own, as without venue mode
        count = machine.ask("count")
    finally:
        machine.stop()
    assert {key: state[key] for key in ("up", "why", "refused", "refused_by_kind", "shown")} == \
        {"up": False, "why": "no venue key", "refused": 0, "refused_by_kind": {}, "shown": ""}
    assert report["led"] == 0 and count["complete"] and count["records"] >= ATTENDEES - 1
    r = redis.Redis.from_url(redis_server.url, decode_responses=True)
    assert r.dbsize() == 0  # nothing of it in the venue's Redis
    r.close()


def test_the_link_says_why_it_is_down_refused_auth_failed_timeout_wrong_type(redis_server, caplog):
    refused = Link(f"redis://127.0.0.1:{free_port()}/0", VENUE_KEY)
    assert not refused.connect() and refused.why == "refused"
    refused.close()
    admin = redis.Redis.from_url(redis_server.url, decode_responses=True)
    admin.config_set("requirepass", "kiosk-password-long-enough")
    try:
        wrong = Link(redis_server.url.replace("redis://", "redis://:not-it@"), VENUE_KEY)
        assert not wrong.connect() and wrong.why == "auth failed"
        for _ in range(3):
            wrong._check()  # each second: the header keeps saying it, the log says it once
        wrong.close()
        same = Link(redis_server.url.replace("redis://", "redis://:kiosk-password-long-enough@"), "kiosk-password-long-enough")
        assert not same.connect() and same.why == "bad venue key"  # the venue key may not be the Redis password
        assert "Redis password" in same.reason
        same.close()
    finally:
        admin = redis.Redis.from_url(redis_server.url.replace("redis://", "redis://:kiosk-password-long-enough@"),
                                     decode_responses=True)
        admin.config_set("requirepass", "")
    assert sum("auth failed" in record.getMessage() for record in caplog.records) == 1
    up = Link(redis_server.url, VENUE_KEY)
    assert up.connect() and up.why == ""
    admin.set("eventtia:wrong", "a string")
    with pytest.raises(LinkDown):
        up.run(lambda r: r.zadd("eventtia:wrong", {"x": 1}))
    assert not up.up and up.why == "wrong type"
    os.kill(redis_server.process.pid, signal.SIGSTOP)
    try:
        up._check()
        assert not up.up and up.why == "timeout"
    finally:
        os.kill(redis_server.process.pid, signal.SIGCONT)
    up._check()
    assert up.up and up.why == ""
    up.close()
    admin.close()


def test_key_problems_are_named():
    assert key_problem("", "redis://h/0") == NO_KEY
    assert "too short" in key_problem("short", "redis://h/0")
    assert "Redis password" in key_problem("p@ss-word-long-enough-x", "redis://:p%40ss-word-long-enough-x@h/0")
    assert key_problem(VENUE_KEY, "redis://:other@h/0") is None
    assert "VenueKey(***)" == repr(VenueKey(VENUE_KEY))


@given(value=st.text(max_size=200), where=st.text(max_size=40), flip=st.integers(min_value=0, max_value=10_000))
def test_a_sealed_value_opens_only_unchanged_at_its_own_key(value, where, flip):
    key = VenueKey(VENUE_KEY)
    sealed = key.seal(where, value)
    assert key.open(where, sealed) == value
    with pytest.raises(Refused):
        key.open(where + "x", sealed)
    with pytest.raises(Refused):
        VenueKey(ANOTHER_KEY).open(where, sealed)
    position = flip % len(sealed)
    changed = sealed[:position] + ("0" if sealed[position] != "0" else "1") + sealed[position + 1:]
    with pytest.raises(Refused):
        key.open(where, changed)


def test_a_value_of_the_wrong_type_or_size_is_refused():
    key = VenueKey(VENUE_KEY)
    for wrong, reason in ((None, "wrong type"), (7, "wrong type"), (b"bytes", "wrong type"), (["list"], "wrong type"),
                          ("x" * 2_000_000, "too large"), ("plain", "unsigned"), (key.seal("k", "soon"), "wrong type")):
        with pytest.raises(Refused) as refused:
            key.open_number("k", wrong) if reason == "wrong type" and isinstance(wrong, str) else key.open("k", wrong)
        assert refused.value.reason == reason


def test_refusals_are_counted_and_logged_once_per_kind_and_reason(caplog):
    refusals = Refusals()
    assert refusals.describe() == ""
    refusals.add("feed", "unsigned")
    assert refusals.describe() == "1 venue entry refused"
    for _ in range(5):
        refusals.add("feed", "unsigned")
    refusals.add("outbox", "wrong type")
    assert refusals.describe() == "7 venue entries refused" and refusals.by_kind == {"feed": 6, "outbox": 1}
    assert len([record for record in caplog.records if "refused" in record.getMessage()]) == 2


def test_a_signed_outbox_write_of_the_wrong_type_is_set_aside_and_the_others_are_replayed(tmp_path, redis_server):
    link = Link(redis_server.url, VENUE_KEY)
    assert link.connect()
    try:
        outbox = SharedOutbox(link, tmp_path / "state", "scope")
        good = RegisterAttendee("demo-expo", attendee_type_id="5001", values={"first_name": "Gina", "email": "g@x.org"})
        for name, value in (("values", "not a mapping"), ("uri", 7), ("attendee_type_id", None), ("workshop_ids", {})):
            raw = json.dumps({"action": {**good.to_json(), "action_id": f"bad-{name}", name: value}, "state": "queued",
                              "queued_at": 1.0, "attempts": 0, "message": ""})
            link.sync.xadd(outbox.keys[0], {"action_id": f"bad-{name}", "item": raw,
                                            "sig": link.venue_key.sign(outbox.keys[0], f"bad-{name}", raw)})
        raw = json.dumps({"action": good.to_json(), "state": "queued", "queued_at": 2.0, "attempts": 0, "message": ""})
        link.sync.xadd(outbox.keys[0], {"action_id": good.action_id, "item": raw,
                                        "sig": link.venue_key.sign(outbox.keys[0], good.action_id, raw)})
        link.sync.hset(outbox.keys[2], good.action_id, "v1:forged:1")  # a forged 'it landed' would drop it unsent
        items = list(outbox.items())
    finally:
        link.close()
    assert [item.action.action_id for item in items] == [good.action_id]
    assert items[0].action == good
    assert link.refusals.by_kind == {"outbox": 5}
