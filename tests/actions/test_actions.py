"""Each action against the sandbox: happy path, validation (nothing sent), server refusal (rolled back)."""

import asyncio

import pytest

from eventtia_tui.actions import (
    CancelAttendee,
    State,
    UnavailableHourAction,
    add_activity,
    move_activity,
    remove_activity,
    views,
)
from tests.demo_expo import EXPO, server_total, stat, walk_in


async def test_register_shows_at_once_then_settles_on_the_server_record(runner, synced, api, sandbox_app):
    before, total = stat(synced), await server_total(api)
    sandbox_app.state.faults.latency_ms = 300
    task = asyncio.ensure_future(runner.run(walk_in()))
    while not runner.pending:
        await asyncio.sleep(0)
    index = synced.index(EXPO)
    pending = index.search("zoe.nunez@walkin.test")[0].record
    assert pending.id.startswith("pending-") and pending.status == "registering…"
    assert stat(synced) == before + 1  # the ticket count moved before the server answered
    outcome = await task
    assert outcome.state is State.DONE
    record = index.search("zoe.nunez@walkin.test")[0].record
    assert record.id.isdigit() and record.status == "confirmed" and record.uuid
    assert index.get(pending.id) is None
    assert await server_total(api) == total + 1
    entry = runner.audit.entries()[-1]
    assert entry["outcome"] == "done" and entry["who"] == "demo@eventtia.test" and "Zoë" in entry["what"]


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"email": "not-an-email"}, "email", "doesn't look like an address"),
    ({"first_name": ""}, "first_name", "is required"),
    ({"telephone": "3001234567"}, "telephone", "country code"),
    ({"birthdate": "31/02/1990"}, "birthdate", "real date"),
    ({"company": "line\nbreak"}, "company", "control characters"),
    ({"last_name": "x" * 300}, "last_name", "too long"),
])
async def test_register_validation_sends_nothing(runner, synced, api, values, field, message):
    total, before = await server_total(api), stat(synced)
    outcome = await runner.run(walk_in(**values))
    assert outcome.state is State.INVALID
    assert message in outcome.errors[field]
    assert await server_total(api) == total and stat(synced) == before
    assert synced.index(EXPO).search("zoe.nunez@walkin.test") == []


async def test_register_a_known_email_is_refused_locally(runner, synced):
    someone = next(r for r in synced.index(EXPO).records.values() if r.status == "confirmed")
    outcome = await runner.run(walk_in(email=someone.email.upper()))
    assert outcome.state is State.INVALID and someone.full_name in outcome.errors["email"]


async def test_server_refusal_rolls_back_and_says_why(runner, synced, api):
    body = {"attendee": {"attendee_type_id": 5001, "first_name": "Other", "last_name": "Desk", "email": "zoe.nunez@walkin.test"}}
    assert (await api.post(f"/events/{EXPO}/attendees/register", json=body)).status_code == 200  # another desk, not synced
    before = stat(synced)
    outcome = await runner.run(walk_in())
    assert outcome.state is State.FAILED and outcome.message == "Email has already been taken."
    assert stat(synced) == before
    assert all(not r.id.startswith("pending-") for r in synced.index(EXPO).records.values())


async def test_an_expired_token_asks_to_sign_in_and_keeps_the_write_queued(runner, synced, client, clock, api):
    before, total = stat(synced), await server_total(api)
    clock.advance(31 * 86400)
    outcome = await runner.run(walk_in())
    assert outcome.state is State.SIGN_IN and "expired" in outcome.message
    assert stat(synced) == before + 1  # still shown, as waiting: nothing typed is lost
    assert synced.index(EXPO).exact("zoe.nunez@walkin.test").status == "queued (offline)"
    assert [(item.state, item.message.split(":")[0]) for item in runner.outbox.items()] == [
        ("queued", "Waiting for a sign-in")]
    await client.login("demo@eventtia.test", "demo")  # the sign-in screen
    report = await runner.replay()
    assert report.sent == 1 and runner.outbox.count() == 0
    assert report.landed == ["Register Zoë Núñez (General Admission): waiting for a sign-in, sent"]
    assert (await client.get_page(f"events/{EXPO}/attendees", size=1)).meta["total_attendees"] == total + 1


async def test_cancel(runner, synced, api):
    record = next(r for r in synced.index(EXPO).records.values() if r.status == "confirmed" and r.type_id == "5001")
    before, total = stat(synced), await server_total(api)
    action = CancelAttendee(EXPO, attendee_id=record.id, name=record.full_name, type_name="General Admission")
    outcome = await runner.run(action)
    assert outcome.state is State.DONE
    assert synced.index(EXPO).get(record.id).status == "cancelled"
    assert stat(synced) == before - 1 and await server_total(api) == total - 1
    again = await runner.run(CancelAttendee(EXPO, attendee_id=record.id, name=record.full_name))
    assert again.state is State.INVALID and "already cancelled" in again.message


def workshops(gateway):
    return {w.id: w for w in views.cached(gateway, "workshops", EXPO)}


async def fresh_attendee(runner, synced, email="door@walkin.test") -> str:
    outcome = await runner.run(walk_in(email=email))
    return outcome.value.id


async def test_add_move_remove_activity_moves_seats(runner, synced, api):
    attendee = await fresh_attendee(runner, synced)
    open_ones = [w for w in workshops(synced).values() if not w.is_full and w.capacity - w.used_seats > 2]
    first, second = open_ones[0], open_ones[1]
    outcome = await runner.run(add_activity(EXPO, attendee, "Zoë", first.id, []))
    assert outcome.state is State.DONE
    assert workshops(synced)[first.id].used_seats == first.used_seats + 1
    assert views.attendee_workshop_ids(synced, EXPO, attendee) == [first.id]
    outcome = await runner.run(move_activity(EXPO, attendee, "Zoë", first.id, second.id, [first.id]))
    assert outcome.state is State.DONE
    seats = workshops(synced)
    assert seats[first.id].used_seats == first.used_seats and seats[second.id].used_seats == second.used_seats + 1
    server = {w["id"] for w in (await api.get(f"/events/{EXPO}/attendees/{attendee}/workshops")).json()["data"]}
    assert server == {second.id}
    outcome = await runner.run(remove_activity(EXPO, attendee, "Zoë", second.id, [second.id]))
    assert outcome.state is State.DONE
    assert (await api.get(f"/events/{EXPO}/attendees/{attendee}/workshops")).json()["data"] == []


async def test_a_full_activity_refuses_before_sending(runner, synced, api):
    attendee = await fresh_attendee(runner, synced)
    full = next(w for w in workshops(synced).values() if w.is_full)
    outcome = await runner.run(add_activity(EXPO, attendee, "Zoë", full.id, []))
    assert outcome.state is State.INVALID and "is full" in outcome.message
    assert (await api.get(f"/events/{EXPO}/workshops/{full.id}")).json()["data"]["attributes"]["used_seats"] == full.used_seats


async def test_the_server_wins_when_the_cache_was_wrong(runner, synced, api):
    """The cache says there are seats; the server filled them meanwhile: refused, rolled back."""
    attendee = await fresh_attendee(runner, synced)
    nearly = next(w for w in workshops(synced).values() if w.capacity - w.used_seats == 2)
    others = [r.id for r in synced.index(EXPO).records.values() if r.status == "confirmed"][:40]
    for other in others:  # another door fills the last two seats
        await api.post(f"/events/{EXPO}/attendee_workshops", json={"workshop_id": nearly.id, "attendee_id": other})
    outcome = await runner.run(add_activity(EXPO, attendee, "Zoë", nearly.id, []))
    assert outcome.state is State.FAILED and "is full" in outcome.message
    assert workshops(synced)[nearly.id].used_seats == nearly.used_seats


async def conference_ids(synced):
    conference = (await synced.conferences(EXPO)).value[0]
    buyers = next(t for t in conference.participant_types if t.name == "Buyers")
    return conference.id, buyers.id


async def test_unavailable_hours_create_edit_delete(runner, synced):
    conference, buyers = await conference_ids(synced)
    parts = (EXPO, conference, buyers)
    before = len(views.cached(synced, "unavailable_hours", *parts))
    create = UnavailableHourAction(EXPO, conference_id=conference, participant_type_id=buyers,
                                   start="24/11/2026 - 10:00", end="24/11/2026 - 10:30", type_name="Buyers")
    outcome = await runner.run(create)
    assert outcome.state is State.DONE
    hours = views.cached(synced, "unavailable_hours", *parts)
    assert len(hours) == before + 1
    created = outcome.value
    assert created.id in {h.id for h in hours}
    edit = UnavailableHourAction(EXPO, conference_id=conference, participant_type_id=buyers, hour_id=created.id,
                                 start="24/11/2026 - 10:00", end="24/11/2026 - 11:00")
    assert (await runner.run(edit)).state is State.DONE
    fresh = (await synced.unavailable_hours(EXPO, conference, buyers, force=True)).value
    assert any(h.id == created.id and h.end_date.hour == 11 for h in fresh)
    delete = UnavailableHourAction(EXPO, conference_id=conference, participant_type_id=buyers, hour_id=created.id, delete=True)
    assert (await runner.run(delete)).state is State.DONE
    assert len((await synced.unavailable_hours(EXPO, conference, buyers, force=True)).value) == before


@pytest.mark.parametrize(("start", "end", "field", "message"), [
    ("24/11/2026 - 11:00", "24/11/2026 - 10:00", "end", "after start"),
    ("2026-11-24 10:00", "24/11/2026 - 11:00", "start", "dd/mm/yyyy - HH:MM"),
    ("30/02/2026 - 10:00", "24/11/2026 - 11:00", "start", "real date"),
    ("01/12/2026 - 10:00", "01/12/2026 - 11:00", "start", "conference days"),
])
async def test_unavailable_hour_validation(runner, synced, start, end, field, message):
    conference, buyers = await conference_ids(synced)
    action = UnavailableHourAction(EXPO, conference_id=conference, participant_type_id=buyers, start=start, end=end)
    outcome = await runner.run(action)
    assert outcome.state is State.INVALID and message in outcome.errors[field]


async def test_audit_log_has_no_token(runner, synced, token):
    await runner.run(walk_in())
    await runner.run(walk_in(email="bad"))
    text = runner.audit.path.read_text()
    assert token not in text and "Bearer" not in text
    assert [e["outcome"] for e in runner.audit.entries()] == ["sending", "done", "invalid"]  # each step a line
