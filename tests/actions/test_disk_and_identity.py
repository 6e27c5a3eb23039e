"""A failing disk never loses a write nor shows one pending; a replay proves who is there, not just an email;
activity changes are single adds and removes, so two desks changing one attendee both land."""

from __future__ import annotations

import asyncio
import errno
import sqlite3

import diskcache
import pytest

from eventtia_tui.actions import State, add_activity, move_activity, remove_activity, views
from eventtia_tui.actions.outbox import CONFLICT
from eventtia_tui.api.errors import Unavailable
from eventtia_tui.gateway import sync_event
from tests.demo_expo import EXPO, restarted, server_total, stat, walk_in


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def read_only(*args, **kwargs):
    raise sqlite3.OperationalError("attempt to write a readonly database")


@pytest.mark.parametrize("failure", [full_disk, read_only])
async def test_a_write_that_cannot_be_kept_fails_at_once_and_shows_nothing_pending(runner, synced, api, monkeypatch,
                                                                                  failure):
    total, before = await server_total(api), stat(synced)
    with monkeypatch.context() as disk:  # every diskcache write in this process fails: the outbox's and the cache's
        disk.setattr(diskcache.Cache, "set", failure)
        disk.setattr(diskcache.Cache, "__setitem__", failure)
        outcome = await runner.run(walk_in())
    assert outcome.state is State.FAILED
    reason = "the disk is full" if failure is full_disk else "read-only"
    assert reason in outcome.message and "neither sent nor kept" in outcome.message
    assert synced.index(EXPO).search("zoe.nunez@walkin.test") == []  # never shown as "registering…"
    assert stat(synced) == before and await server_total(api) == total
    assert list(runner.outbox.items()) == [] and runner.pending == {}
    assert runner.audit.entries()[-1]["outcome"] == "failed"
    again = await runner.run(walk_in())  # space freed: the same walk-in is not refused as "already registered"
    assert again.state is State.DONE and await server_total(api) == total + 1


async def test_a_cache_that_cannot_be_written_does_not_stop_a_write_the_outbox_holds(runner, synced, api,
                                                                                     monkeypatch):
    total = await server_total(api)
    monkeypatch.setattr(synced.store.cache, "set", full_disk)  # the cache fails; the outbox (its own file) works
    outcome = await runner.run(walk_in())
    assert outcome.state is State.DONE and "could not be saved (the disk is full)" in outcome.message
    assert await server_total(api) == total + 1
    record = synced.index(EXPO).search("zoe.nunez@walkin.test")[0].record
    assert record.id.isdigit() and record.status == "confirmed"  # shown from memory
    assert list(runner.outbox.items()) == []


async def queue(runner, sandbox_app, action):
    sandbox_app.state.faults.fail_rate = 1.0
    outcome = await runner.run(action)
    sandbox_app.state.faults.fail_rate = 0.0
    assert outcome.state is State.QUEUED
    return action


async def test_a_queued_walk_in_is_not_already_there_because_someone_else_has_the_email(runner, synced, api,
                                                                                       sandbox_app, client,
                                                                                       cache_dir, clock):
    queued = await queue(runner, sandbox_app, walk_in())
    other = {"attendee": {"attendee_type_id": 5001, "first_name": "Zacarías", "last_name": "Núñez",
                          "email": "zoe.nunez@walkin.test"}}  # another desk registered another person with it
    assert (await api.post(f"/events/{EXPO}/attendees/register", json=other)).status_code == 200
    report = await restarted(client, cache_dir, clock).replay()
    assert (report.sent, report.already_there, report.failed) == (0, 0, [])
    assert len(report.conflicts) == 1 and "Zacarías Núñez is registered" in report.conflicts[0]
    items = list(runner.outbox.items())
    assert [(item.state, item.action.action_id) for item in items] == [(CONFLICT, queued.action_id)]
    assert "drop this one" in items[0].message
    assert runner.outbox.count() == 0  # not retried by itself: a person decides
    assert [e["outcome"] for e in runner.audit.entries()] == ["sending", "queued", "sending", CONFLICT]  # never "done"
    assert (await runner.replay()).conflicts == []  # asked once, then left to the person
    await runner.drop(queued.action_id)
    assert list(runner.outbox.items()) == []


@pytest.mark.parametrize(("first", "last", "type_id", "same"), [
    ("ZOË", " núñez ", "5001", True),  # case and spacing aside, the same person
    ("Zoë", "Núñez", "5002", False),  # same names, another attendee type
    ("Zoe", "Nunez", "5001", False),  # other letters
])
async def test_already_there_needs_the_names_and_type_as_queued(runner, synced, api, sandbox_app,
                                                                first, last, type_id, same):
    queued = await queue(runner, sandbox_app, walk_in())
    body = {"attendee": {"attendee_type_id": int(type_id), "first_name": first, "last_name": last,
                         "email": "zoe.nunez@walkin.test"}}
    assert (await api.post(f"/events/{EXPO}/attendees/register", json=body)).status_code == 200
    report = await runner.replay()
    assert report.already_there == int(same) and len(report.conflicts) == int(not same)
    assert [item.action.action_id for item in runner.outbox.items()] == ([] if same else [queued.action_id])


def kiosk_two(client, cache_dir, clock, tmp_path):
    """A second desk: its own cache directory, the same Eventtia."""
    return restarted(client, tmp_path / "kiosk-two", clock)


async def workshops_on_server(api, attendee_id: str) -> set[str]:
    return {w["id"] for w in (await api.get(f"/events/{EXPO}/attendees/{attendee_id}/workshops")).json()["data"]}


async def test_a_move_at_one_desk_and_an_add_at_another_both_land(runner, synced, api, client, cache_dir, clock,
                                                                  tmp_path, sandbox_app):
    other = kiosk_two(client, cache_dir, clock, tmp_path)
    await sync_event(other.gateway, EXPO)
    attendee = next(r for r in synced.index(EXPO).records.values() if r.status == "confirmed")
    current = sorted(await workshops_on_server(api, attendee.id))
    free = [w.id for w in views.cached(synced, "workshops", EXPO) if not w.is_full and w.id not in current]
    if not current:
        assert (await runner.run(add_activity(EXPO, attendee.id, attendee.full_name, free.pop(), []))).ok
        current = sorted(await workshops_on_server(api, attendee.id))
    old, new, extra = current[0], free[0], free[1]
    for _ in range(3):  # the lost update happened 2 of 3 times: try it more than once
        sandbox_app.state.faults.latency_ms = 30  # both requests in flight at the same moment
        move, add = await asyncio.gather(
            runner.run(move_activity(EXPO, attendee.id, attendee.full_name, old, new, current)),
            other.run(add_activity(EXPO, attendee.id, attendee.full_name, extra, current)))
        sandbox_app.state.faults.latency_ms = 0
        assert move.state is State.DONE and add.state is State.DONE
        landed = await workshops_on_server(api, attendee.id)
        assert new in landed and extra in landed and old not in landed
        # back to the start for the next round, one change at a time
        assert (await runner.run(move_activity(EXPO, attendee.id, attendee.full_name, new, old,
                                               sorted(landed)))).ok
        assert (await runner.run(views_remove(attendee, extra, sorted(landed - {new} | {old})))).ok
        assert await workshops_on_server(api, attendee.id) == set(current)


def views_remove(attendee, workshop_id, current):
    return remove_activity(EXPO, attendee.id, attendee.full_name, workshop_id, current)


async def test_a_move_half_sent_when_the_connection_dropped_sends_only_the_rest(runner, synced, api, sandbox_app):
    attendee = next(r for r in synced.index(EXPO).records.values() if r.status == "confirmed")
    free = [w.id for w in views.cached(synced, "workshops", EXPO) if not w.is_full]
    assert (await runner.run(add_activity(EXPO, attendee.id, attendee.full_name, free[0]))).ok
    before = sorted(await workshops_on_server(api, attendee.id))
    move = move_activity(EXPO, attendee.id, attendee.full_name, free[0], free[1], before)
    calls = 0
    original = runner.gateway.client.remove_attendee_workshop

    async def drop_on_remove(*args):
        nonlocal calls
        calls += 1

        raise Unavailable("Cannot reach the Eventtia server.", None, may_have_applied=False)

    runner.gateway.client.remove_attendee_workshop = drop_on_remove
    assert (await runner.run(move)).state is State.QUEUED and calls == 1
    runner.gateway.client.remove_attendee_workshop = original
    assert [item.action.landed for item in runner.outbox.items()] == [[f"+{free[1]}"]]
    report = await runner.replay()
    assert (report.sent, report.failed, report.remaining) == (1, [], 0)
    assert await workshops_on_server(api, attendee.id) == set(before) - {free[0]} | {free[1]}
