"""A write's life (actions/lifecycle.py): only the listed steps happen, each is on disk before its audit
line says it happened, and a held write's deadline is kept by the runner alone."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from eventtia_tui.actions import AuditLog, IllegalStep, State, Write, WriteState
from eventtia_tui.actions.lifecycle import FINAL, NEW, NEXT, advance
from tests.demo_expo import EXPO, cancel, is_active, someone, walk_in

LEGAL = {(before, after) for before, afters in NEXT.items() for after in afters}


@pytest.mark.parametrize(("before", "after"), list(itertools.product([NEW, *WriteState], WriteState)))
def test_only_the_listed_steps_happen(before, after):
    if (before, after) in LEGAL:
        assert advance(before, after) is after
    else:
        with pytest.raises(IllegalStep):
            advance(before, after)


def test_the_life_in_the_issue_is_the_life_in_the_code():
    assert NEXT[WriteState.HELD] == {WriteState.SENDING, WriteState.UNDONE}
    assert NEXT[WriteState.SENDING] == {WriteState.DONE, WriteState.QUEUED, WriteState.CONFLICT, WriteState.REFUSED}
    assert all(state not in NEXT for state in FINAL)  # nothing comes after done, undone or dropped
    write = Write(action=None, state=WriteState.DONE)  # type: ignore[arg-type]
    with pytest.raises(IllegalStep):
        write.step(WriteState.SENDING)  # sent twice


class DiskWatchingAudit(AuditLog):
    """The real audit log, noting what the outbox on disk said about the write when each line was written."""

    def __init__(self, directory, account, outbox_of) -> None:
        super().__init__(directory, account)
        self.outbox_of = outbox_of
        self.seen: list[tuple[str, str | None]] = []

    def write(self, event, action, summary, outcome, message="", **extra) -> None:
        outbox = self.outbox_of()
        raw = outbox.index.get(f"{outbox.scope}|{extra.get('id')}")
        self.seen.append((outcome, raw["state"] if raw else None))
        super().write(event, action, summary, outcome, message, **extra)


class Gate:
    def __init__(self) -> None:
        self.opened = asyncio.Event()
        self.asked: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)
        await self.opened.wait()


@pytest.fixture
def watched(runner, cache_dir):
    runner.audit = DiskWatchingAudit(cache_dir, "demo@eventtia.test", lambda: runner.outbox)
    runner.sleep = (gate := Gate()).sleep
    runner.gate = gate
    return runner


async def test_each_step_of_a_held_write_is_on_disk_before_its_line_and_its_deadline_is_the_runners(watched, synced,
                                                                                                   api):
    record = someone(synced)
    action = cancel(record)
    sent: list = []
    watched.on_sent = lambda a, outcome: sent.append((a.action_id, outcome.state))
    assert (await watched.hold(action, 8)).state is State.HELD
    await asyncio.sleep(0)
    assert watched.gate.asked == [8]  # its window, waited out by the runner's own task
    raw = watched.outbox.index[f"{watched.outbox.scope}|{action.action_id}"]
    assert raw["state"] == "held" and raw["due_at"] > raw["queued_at"]
    assert [state for state, _ in watched.pending_on(record.id)] == [WriteState.HELD]
    assert await is_active(api, record)  # nobody asked it to go: the window is not over
    watched.gate.opened.set()
    await watched.wait_for_deadlines()
    assert sent == [(action.action_id, State.DONE)] and not await is_active(api, record)
    assert watched.audit.seen == [("held", "held"), ("sending", "sending"), ("done", None)]
    assert watched.writes == {} and watched.pending_on(record.id) == []
    assert await watched.send_held(action.action_id) is None and await watched.take_back(action.action_id) is None


async def test_taken_back_the_deadline_never_sends_it(watched, synced, api):
    record = someone(synced)
    action = cancel(record)
    await watched.hold(action, 8)
    assert await watched.take_back(action.action_id) is action
    watched.gate.opened.set()
    await watched.wait_for_deadlines()
    assert await is_active(api, record)
    assert watched.audit.seen == [("held", "held"), ("undone", None)]


async def test_offline_a_write_goes_sending_then_queued_and_is_found_for_its_attendee(watched, synced, sandbox_app):
    record = someone(synced)
    sandbox_app.state.faults.fail_rate = 1.0
    outcome = await watched.run(cancel(record))
    assert outcome.state is State.QUEUED
    assert watched.audit.seen == [("sending", "sending"), ("queued", "queued")]
    assert [state for state, _ in watched.pending_on(record.id)] == [WriteState.QUEUED]
    sandbox_app.state.faults.fail_rate = 0.0
    report = await watched.replay()
    assert report.landed == [f"Cancel {record.full_name}: queued offline, sent"]
    assert watched.audit.seen[2:] == [("sending", "sending"), ("done", None)]


async def test_a_refused_write_is_rolled_back_and_not_kept(watched, synced):
    taken = next(r for r in synced.index(EXPO).records.values() if r.status == "confirmed" and r.email)
    action = walk_in(email=taken.email)
    action.validate = lambda gateway: {}  # let the server be the one to refuse the duplicate email
    outcome = await watched.run(action)
    assert outcome.state is State.FAILED
    assert watched.audit.seen == [("sending", "sending"), ("failed", None)]
    assert list(watched.outbox.items()) == []


async def test_a_write_queued_long_ago_is_not_listed_as_waiting_while_a_replay_sends_it(watched, synced,
                                                                                       sandbox_app):
    record = someone(synced)
    sandbox_app.state.faults.fail_rate = 1.0
    action = cancel(record)
    await watched.run(action)
    sandbox_app.state.faults.fail_rate = 0.0
    key = f"{watched.outbox.scope}|{action.action_id}"
    watched.outbox.index[key] = {**watched.outbox.index[key], "queued_at": 1.0}  # queued at the dawn of time
    sandbox_app.state.faults.latency_ms = 200
    replay = asyncio.ensure_future(watched.replay())
    while watched.outbox.index[key]["state"] != "sending" and not replay.done():
        await asyncio.sleep(0)  # the step is claimed in memory first, then written in a thread
    assert watched.outbox.index[key]["state"] == "sending"
    assert list(watched.outbox.items()) == []  # being sent by a live session: not waiting (nor interrupted)
    report = await replay
    assert report.landed == [f"Cancel {record.full_name}: queued offline, sent"]
