"""Queued writes go out by themselves (issue 31 item 3), with real parts: machine processes that replay as the
app does (ActionRunner.keep_sending: when the venue's outbox changes, on a short timer, when the connection is
back), one real Redis, a sandbox that is slow to answer; nobody sends `replay`."""

from __future__ import annotations

import os
import signal
import time

import pytest

from benchmarks.venue import Machine, VenueSandbox

WRITES = 20


@pytest.fixture
def slow_sandbox(tmp_path):
    # A write's check and send: ~0.5 s, so a machine killed once 5 have landed still has ~7 s of writes to send
    # however slowly a loaded host runs the test (at 80 ms, at load 12, it had finished them all before the kill).
    server = VenueSandbox(tmp_path, 48, latency_ms=250).start()
    yield server
    server.stop()


def wait_until(check, seconds: float = 90.0) -> bool:
    """Polls a condition; the bound only ends a test that would hang (the outcome is asserted after)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def walk_in(number: int) -> dict:
    return {"first_name": "Quinn", "last_name": f"Queued{number}", "email": f"quinn.{number}@example.org"}


def test_a_machine_killed_mid_replay_with_20_queued_writes_another_sends_the_rest_each_once_no_key_pressed(
        tmp_path, slow_sandbox, redis_server):
    machines = Machine.fleet(2, slow_sandbox.url, redis_server.url, tmp_path, keep_sending=True)
    dying, other = machines
    try:
        for machine in machines:
            assert "error" not in machine.ask("sync")
        other.ask("cut")  # nobody can send yet: the writes wait in the venue's outbox
        dying.ask("cut")
        states = [dying.ask("register", values=walk_in(number))["state"] for number in range(WRITES)]
        assert states == ["queued"] * WRITES
        assert other.ask("queued")["queued"] == WRITES  # the venue's outbox, seen from the other machine
        before = slow_sandbox.stats()["registered"]
        assert before == 0

        dying.ask("mend")  # back online: it replays by itself (it holds the replay lease and claims each write)
        assert wait_until(lambda: slow_sandbox.stats()["registered"] >= 5)
        dying.kill()  # mid-replay, holding the lease and a claim
        at_kill = slow_sandbox.stats()["registered"]
        left = other.ask("queued")["queued"]  # what the dead machine had not finished (its write in flight too)
        assert left >= 1, "the machine finished every write before it was killed: nothing tested"
        other.ask("mend")
        assert wait_until(lambda: other.ask("sent")["queued"] == 0)
        stats = slow_sandbox.stats()
        sent = other.ask("sent")
        found = [bool(other.ask("find", query=walk_in(number)["email"])["ids"]) for number in range(WRITES)]
    finally:
        Machine.stop_all(machines)
    assert at_kill < WRITES  # it died with writes still to send
    assert stats["registered"] == WRITES  # each write reached Eventtia once (a second POST would be counted)
    assert sent["sent"] + sent["already_there"] == left  # the other machine sent the rest
    assert sent["sent"] <= WRITES - at_kill + 1  # at most the write in flight at the kill, found already there
    assert all(found)


def test_a_machine_frozen_mid_replay_is_replaced_and_once_resumed_sends_nothing_more(tmp_path, slow_sandbox,
                                                                                    redis_server):
    """SIGSTOP is a kiosk whose process hangs (or whose network stalls) while it holds the replay lease and a
    write's claim: the other machine takes over once they end; resumed, the frozen one has lost its lease, claims
    nothing more, and no write reaches Eventtia twice."""
    machines = Machine.fleet(2, slow_sandbox.url, redis_server.url, tmp_path, keep_sending=True)
    frozen, other = machines
    try:
        for machine in machines:
            assert "error" not in machine.ask("sync")
        other.ask("cut")
        frozen.ask("cut")
        assert [frozen.ask("register", values=walk_in(number))["state"] for number in range(WRITES)] == \
            ["queued"] * WRITES
        frozen.ask("mend")
        assert wait_until(lambda: slow_sandbox.stats()["registered"] >= 3)
        os.kill(frozen.process.pid, signal.SIGSTOP)
        at_freeze = slow_sandbox.stats()["registered"]
        other.ask("mend")
        assert wait_until(lambda: slow_sandbox.stats()["registered"] >= at_freeze + 3)  # taken over meanwhile
        os.kill(frozen.process.pid, signal.SIGCONT)
        assert wait_until(lambda: other.ask("sent")["queued"] == 0 and frozen.ask("sent")["queued"] == 0)
        stats = slow_sandbox.stats()
        sent = [machine.ask("sent") for machine in machines]
    finally:
        os.kill(frozen.process.pid, signal.SIGCONT)
        Machine.stop_all(machines)
    assert at_freeze < WRITES
    assert stats["registered"] == WRITES  # none twice: the resumed machine sent nothing it had lost
    assert sent[1]["sent"] >= 3


def test_idle_machines_probe_eventtia_one_at_a_time_call_redis_off_the_event_loop_and_key_by_account(
        tmp_path, redis_server):
    """Three idle machines whose idle probe would be due every 0.5 s: one probe a turn for the venue (the turn
    shortened to 3 s here; 30 s in the app, ≤ 2 a minute); no Redis call on an event loop through a sync, a
    walk-in and a queued write sent by itself; every key under the prefix and the account's hash."""
    sandbox = VenueSandbox(tmp_path / "quiet", 48).start()
    machines: list[Machine] = []
    try:
        machines = Machine.fleet(3, sandbox.url, redis_server.url, tmp_path, keep_sending=True, probe_every=3.0)
        for machine in machines:
            assert "error" not in machine.ask("sync")
        one, two, _ = machines
        assert one.ask("register", values=walk_in(100))["state"] == "done"
        one.ask("cut")
        assert one.ask("register", values=walk_in(101))["state"] == "queued"
        assert wait_until(lambda: sandbox.stats()["registered"] == 2)  # sent by another machine, by itself
        one.ask("mend")
        probes = sandbox.stats()["by_path"].get("GET /events", 0)
        started = time.monotonic()
        time.sleep(9.0)  # idle: the length of three probe turns
        idle = time.monotonic() - started
        probed = sandbox.stats()["by_path"].get("GET /events", 0) - probes
        states = [machine.ask("venue") for machine in machines]
        keys = two.ask("keys")
    finally:
        Machine.stop_all(machines)
        sandbox.stop()
    assert 1 <= probed <= idle / 3.0 + 2  # a turn at each end of the wait; without the turn: 3 machines × one every 0.5 s
    # The budget (every request's slot, the header's count each second), the outbox, the probe, the sync's feed
    # marker: off the loop.
    assert [state["on_loop_where"] for state in states] == [{}, {}, {}]
    assert [state["on_loop"] for state in states] == [0, 0, 0]
    assert all(0 < state["left"] <= 100 for state in states)
    assert all(key.startswith("eventtia:") and key.split(":")[1] == keys["outbox"].split(":")[1]
               for key in keys.values())
    assert len(keys["outbox"].split(":")[1]) == 16  # the API URL's and account's hash, not the address
