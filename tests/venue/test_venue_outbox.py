"""Queued writes go out by themselves (issue 31 item 3), with real parts: machine processes that replay as the
app does (ActionRunner.keep_sending: when the venue's outbox changes, on a short timer, when the connection is
back), one real Redis, a sandbox that is slow to answer; nobody sends `replay`."""

from __future__ import annotations

import time

import pytest

from benchmarks.venue import Machine, VenueSandbox

WRITES = 20


@pytest.fixture
def slow_sandbox(tmp_path):
    server = VenueSandbox(tmp_path, 48, latency_ms=80).start()  # a write's check and send: ~0.2 s
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
        other.ask("mend")
        assert wait_until(lambda: other.ask("sent")["queued"] == 0)
        stats = slow_sandbox.stats()
        sent = other.ask("sent")
        found = [bool(other.ask("find", query=walk_in(number)["email"])["ids"]) for number in range(WRITES)]
    finally:
        Machine.stop_all(machines)
    assert at_kill < WRITES  # it died with writes still to send
    assert stats["registered"] == WRITES  # each write reached Eventtia once (a second POST would be counted)
    assert sent["sent"] + sent["already_there"] >= WRITES - at_kill  # the other machine sent the rest
    assert sent["sent"] <= WRITES - at_kill + 1  # at most the write in flight at the kill, found already there
    assert all(found)
