"""Writes settle by reading, not by the answer's shape (issue 27 item 2), against the sandbox's variants: a 2xx
whose body proves nothing (`200` empty, `{}`, `{"message": …}`, `true`) is followed by a read of the resource
that settles it; a refusal saying "already cancelled" / "already registered" / "already taken" counts as landed
(or, for a walk-in, is read back), and never rolls the screen back.

Before: each of those answers left the write "queued (offline)", told "Eventtia's answer did not confirm it";
a cancel made at another desk first was refused and shown CONFIRMED again until the next sync.
"""

from __future__ import annotations

import pytest

from eventtia_tui.actions import State, add_activity, views
from eventtia_tui.actions.runner import ALREADY_MESSAGE, READ_BACK_MESSAGE
from eventtia_tui.sandbox.app import WRITE_ANSWERS
from tests.demo_expo import EXPO, cancel, is_active, someone, walk_in

pytestmark = pytest.mark.fault


def outcomes(runner) -> list[str]:
    return [entry["outcome"] for entry in runner.audit.entries()]


@pytest.mark.parametrize("answer", sorted(WRITE_ANSWERS))
async def test_a_write_answered_with_a_body_that_proves_nothing_is_read_back_and_done(runner, synced, api,
                                                                                     sandbox_app, answer):
    sandbox_app.state.variants.write_answer = answer
    person = someone(synced)
    cancelled = await runner.run(cancel(person))
    assert (cancelled.state, cancelled.message) == (State.DONE, READ_BACK_MESSAGE)
    assert synced.index(EXPO).get(person.id).cancelled and not await is_active(api, person)

    registered = await runner.run(walk_in())
    assert registered.state is State.DONE and registered.message == READ_BACK_MESSAGE
    found = (await api.get(f"/events/{EXPO}/attendees", params={"email": "zoe.nunez@walkin.test"})).json()["data"]
    shown = synced.index(EXPO).exact("zoe.nunez@walkin.test")
    assert len(found) == 1 and shown is not None and shown.id == found[0]["id"]  # the real record, not a guess
    assert not any(record.id.startswith("pending-") for record in synced.index(EXPO).records.values())

    other = next(r for r in synced.index(EXPO).records.values()
                 if r.status == "confirmed" and r.id != person.id and not r.id.startswith("pending-"))
    room = next(w for w in views.cached(synced, "workshops", EXPO) if not w.is_full)
    joined = await runner.run(add_activity(EXPO, other.id, other.full_name, room.id))
    assert joined.state is State.DONE
    on_server = (await api.get(f"/events/{EXPO}/attendees/{other.id}/workshops")).json()["data"]
    assert room.id in {w["id"] for w in on_server}
    assert "queued" not in outcomes(runner) and runner.outbox.count() == 0


async def test_a_write_whose_read_back_does_not_find_it_stays_queued(runner, synced, api, sandbox_app):
    # The answer said yes, the read says no (something in the way answered for Eventtia): not done, kept.
    sandbox_app.state.variants.write_answer = "{}"
    sandbox_app.state.variants.listing_lags = True  # the cancelled registration is still listed
    person = someone(synced)
    outcome = await runner.run(cancel(person))
    assert outcome.state is State.QUEUED and "did not confirm" in outcome.message
    assert synced.index(EXPO).get(person.id).status == "cancel queued (offline)"


async def test_a_cancel_made_at_another_desk_first_counts_as_landed(runner, synced, api):
    person = someone(synced)
    assert (await api.put(f"/events/{EXPO}/attendees/{person.id}/cancel")).status_code == 204  # another desk
    outcome = await runner.run(cancel(person))
    assert (outcome.state, outcome.message) == (State.DONE, ALREADY_MESSAGE)
    assert synced.index(EXPO).get(person.id).cancelled  # never shown CONFIRMED again


async def test_a_replay_that_meets_already_cancelled_never_rolls_the_screen_back(runner, synced, api, sandbox_app):
    person = someone(synced)
    sandbox_app.state.faults.fail_rate = 1.0
    assert (await runner.run(cancel(person))).state is State.QUEUED
    sandbox_app.state.faults.fail_rate = 0.0
    assert (await api.put(f"/events/{EXPO}/attendees/{person.id}/cancel")).status_code == 204  # another desk
    sandbox_app.state.variants.listing_lags = True  # the check before the replay still sees it listed
    report = await runner.replay()
    assert (report.sent, report.already_there, report.failed, report.remaining) == (0, 1, [], 0)
    assert synced.index(EXPO).get(person.id).cancelled
    assert outcomes(runner)[-1] == "done"


async def test_a_replayed_walk_in_already_registered_by_its_lost_answer_is_landed_once(runner, synced, api,
                                                                                      sandbox_app):
    sandbox_app.state.faults.fail_rate = 1.0
    assert (await runner.run(walk_in())).state is State.QUEUED
    sandbox_app.state.faults.fail_rate = 0.0
    sandbox_app.state.variants.write_answer = "true"
    report = await runner.replay()  # sent now; its answer proves nothing: read back, it is there
    assert (report.failed, report.remaining) == ([], 0) and report.sent + report.already_there == 1
    found = (await api.get(f"/events/{EXPO}/attendees", params={"email": "zoe.nunez@walkin.test"})).json()["data"]
    assert len(found) == 1 and synced.index(EXPO).exact("zoe.nunez@walkin.test").id == found[0]["id"]


async def test_an_activity_already_joined_elsewhere_counts_as_landed(runner, synced, api):
    person = someone(synced)
    room = next(w for w in views.cached(synced, "workshops", EXPO) if not w.is_full)
    body = {"workshop_id": int(room.id), "attendee_id": int(person.id)}
    assert (await api.post(f"/events/{EXPO}/attendee_workshops", json=body)).status_code in (200, 201)
    outcome = await runner.run(add_activity(EXPO, person.id, person.full_name, room.id, current=[]))
    assert outcome.state is State.DONE
    assert room.id in (views.attendee_workshop_ids(synced, EXPO, person.id) or [room.id])
