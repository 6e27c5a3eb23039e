"""The outbox keeps a write from before it is sent until it is answered, and its replay lock survives crashes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest

from eventtia_tui.actions import ActionRunner, Outbox, State
from tests.demo_expo import EXPO, restarted, server_total, walk_in

pytestmark = pytest.mark.hardening


async def in_flight(runner: ActionRunner, action) -> asyncio.Task:
    """The write started: kept on disk, its request on the way (the sandbox holds it with its latency)."""
    task = asyncio.ensure_future(runner.run(action))
    deadline = time.monotonic() + 10
    while not len(runner.outbox.index):  # the write-ahead entry is written in a thread
        assert time.monotonic() < deadline and not task.done()
        await asyncio.sleep(0.001)
    return task


async def test_a_write_in_flight_is_not_listed_nor_replayed_by_another_session(runner, sandbox_app, api, client,
                                                                              cache_dir, clock):
    total = await server_total(api)
    sandbox_app.state.faults.latency_ms = 150
    task = await in_flight(runner, walk_in())
    other = restarted(client, cache_dir, clock)  # a second session on the same machine
    assert list(other.outbox.items()) == [] and other.outbox.count() == 0
    report = await other.replay()
    assert (report.sent, report.already_there, report.remaining) == (0, 0, 0)
    assert (await task).state is State.DONE
    assert list(runner.outbox.items()) == []
    assert await server_total(api) == total + 1


async def test_a_write_cancelled_in_flight_is_kept_as_interrupted_and_replayed_once(runner, sandbox_app, api, client,
                                                                                   cache_dir, clock):
    total = await server_total(api)
    sandbox_app.state.faults.latency_ms = 5000
    task = await in_flight(runner, walk_in())
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    sandbox_app.state.faults.latency_ms = 0
    later = restarted(client, cache_dir, clock)
    items = list(later.outbox.items())
    assert [(item.state, item.action.email) for item in items] == [("queued", "zoe.nunez@walkin.test")]
    assert "stopped while this was being sent" in items[0].message
    report = await later.replay()
    assert (report.sent, report.already_there, report.failed, report.remaining) == (1, 0, [], 0)
    assert await server_total(api) == total + 1


async def test_refused_and_done_writes_leave_nothing_behind(runner, synced):
    someone = next(r for r in synced.index(EXPO).records.values() if r.status == "confirmed")
    refused = walk_in(email="fresh@walkin.test")
    refused.workshop_ids = ["424242"]  # not an activity of this event: the server refuses it
    assert (await runner.run(refused)).state is State.FAILED
    assert (await runner.run(walk_in())).state is State.DONE
    assert (await runner.run(walk_in(email=someone.email))).state is State.INVALID
    assert list(runner.outbox.items()) == []


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_replay_lock_of_a_dead_session_is_taken_over_a_live_ones_is_not(cache_dir):
    first, second = Outbox(cache_dir, "scope"), Outbox(cache_dir, "scope")
    first.index.cache.set(first.lock_key, f"{dead_pid()}:gone", expire=120)  # held by a killed session
    assert second.try_lock()
    assert not first.try_lock()  # the new holder is alive (this very process)
    first.unlock()  # not its lock any more: must not release it
    assert not first.try_lock()
    second.unlock()
    assert first.try_lock()
    first.unlock()
    first.index.cache.set(first.lock_key, dead_pid(), expire=120)  # the value an older version stored
    assert second.try_lock()
