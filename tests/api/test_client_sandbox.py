"""EventtiaClient against the in-process sandbox (the real FastAPI + SQLite app over ASGITransport)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from eventtia_tui.api import (
    NO_RETRY,
    Attendee,
    AuthError,
    EventtiaClient,
    Invalid,
    NotFound,
    token_expiry,
)
from eventtia_tui.sandbox import API_PREFIX, DEMO_EMAIL, DEMO_PASSWORD

URI = "demo-expo"


@pytest.fixture
async def client(sandbox_app):  # sandbox_app: tests/conftest.py (1,200 attendees, seed 42, frozen clock)
    async with EventtiaClient("http://sandbox" + API_PREFIX, transport=httpx.ASGITransport(app=sandbox_app),
                              retry=NO_RETRY) as api:
        await api.login(DEMO_EMAIL, DEMO_PASSWORD)
        yield api


async def test_login(sandbox_app):
    async with EventtiaClient("http://sandbox/api/v3", transport=httpx.ASGITransport(app=sandbox_app)) as api:
        with pytest.raises(AuthError) as caught:
            await api.login(DEMO_EMAIL, "not the password")
        assert caught.value.status == 401 and caught.value.message
        token = await api.login(DEMO_EMAIL, DEMO_PASSWORD)
    assert token == api.token and token_expiry(token) is not None


async def test_events_and_event(client):
    events = await client.list_events(page=None)
    assert URI in [event.event_uri for event in events] and len(events) >= 3
    event = await client.get_event(URI)
    assert event.name == "Demo Expo" and event.start_date.tzinfo is not None
    with pytest.raises(NotFound):
        await client.get_event("no-such-event")


async def test_get_all_attendees_matches_total_attendees(client):
    path = f"events/{URI}/attendees"
    everyone = {"include_archived": True}  # the demo's 1,200 include some cancelled and rejected ones
    first = await client.get_page(path, everyone, size=24)
    total = first.meta_int("total_attendees")
    assert total == 1200 and first.total_pages == 50
    progress: list[tuple[int, int]] = []
    resources = await client.get_all(path, everyone, size=100,
                                     on_progress=lambda done, pages: progress.append((done, pages)))
    assert len(resources) == total == len({r.id for r in resources})
    assert [int(r.id) for r in resources] == sorted(int(r.id) for r in resources)  # page order kept
    assert progress[-1] == (12, 12)
    current = await client.list_attendees(URI, page=None)
    assert 0 < len(current) == current.meta["total_attendees"] < total


async def test_attendee_fields_resolve_through_their_types(client):
    types = (await client.attendee_types(URI)).items
    assert len(types) == 5 and any(kind.unlimited for kind in types)
    names = {kind.id: kind.field_names for kind in types}
    for kind in types:
        assert {"first_name", "last_name", "email", "company", "telephone", "city_id"} <= set(kind.field_names.values())
    attendees = (await client.list_attendees(URI, page=None, include_archived=True)).items
    assert len(attendees) == 1200
    for attendee in attendees:
        by_qr = attendee.full_name  # no names bound yet: read from the qr code
        attendee.bind_names(names[attendee.attendee_type_id])
        assert attendee.first_name and attendee.email == attendee.named_fields()["email"]
        assert attendee.full_name == by_qr
    assert any(not attendee.full_name.isascii() for attendee in attendees)


async def test_tickets_stats_and_workshops(client):
    stats = await client.tickets_stats(URI)
    assert stats and any(stat.unlimited for stat in stats) and all(stat.used_seats is not None for stat in stats)
    workshops = (await client.list_workshops(URI, page=None)).items
    assert len(workshops) >= 8 and any(workshop.is_full for workshop in workshops)
    full = next(workshop for workshop in workshops if workshop.is_full)
    assert (await client.get_workshop(URI, full.id)).seats_left == 0
    seated = await client.workshop_attendees(URI, full.id, page=None)
    assert len(seated) == full.used_seats


async def test_business_conference(client):
    (conference,) = (await client.business_conferences(URI)).items
    assert {kind.name for kind in conference.participant_types} >= {"Buyers", "Sellers"}
    kinds = (await client.participant_types(URI, conference.id)).items
    slots = kinds[0].agenda
    assert slots and all(slot.end - slot.start == timedelta(minutes=25) for slot in slots)
    assert all(slot.start.timestamp() == slot.key for slot in slots)
    participants = (await client.participants(URI, conference.id)).items
    assert len(participants) >= 40 and all(p.attendee is not None and p.attendee.full_name for p in participants)
    meetings = (await client.meetings(URI, conference.id)).items
    assert len(meetings) >= 50
    assert {meeting.status_name for meeting in meetings} == {"requested", "accepted", "rejected", "expired"}
    host = next(meeting.participant_ids[0] for meeting in meetings if meeting.participant_ids)
    agenda = await client.participant_agenda(URI, conference.id, host)
    assert agenda.meetings and agenda.agenda and set(agenda.blocked_slots) <= {slot.key for slot in agenda.agenda}
    assert all(host in meeting.participant_ids for meeting in agenda.meetings)


async def test_register_then_duplicate_then_cancel(client):
    kind = next(kind for kind in (await client.attendee_types(URI)).items if kind.unlimited)
    attendee = await client.register_attendee(URI, {"attendee_type_id": kind.id, "first_name": "Zoë",
                                                    "last_name": "Núñez", "email": "zoe.nunez@example.org"})
    assert isinstance(attendee, Attendee) and attendee.full_name == "Zoë Núñez"
    with pytest.raises(Invalid) as caught:
        await client.register_attendee(URI, {"attendee_type_id": kind.id, "first_name": "Z", "last_name": "N",
                                             "email": "ZOE.NUNEZ@example.org"})
    assert caught.value.status == 422 and "taken" in caught.value.message
    await client.cancel_attendee(URI, attendee.id)
    found = await client.list_attendees(URI, email="zoe.nunez@example.org")
    assert found.items == []
    archived = await client.list_attendees(URI, email="zoe.nunez@example.org", include_archived=True)
    assert [a.id for a in archived] == [attendee.id]


async def test_the_connection_is_made_by_the_first_request_and_a_closed_client_sends_nothing(sandbox_app):
    """Start-up (issue 30): httpx's client, whose making loads the TLS certificates, waits for a request."""
    api = EventtiaClient("http://sandbox/api/v3", transport=httpx.ASGITransport(app=sandbox_app))
    assert api._connection is None
    await api.login(DEMO_EMAIL, DEMO_PASSWORD)
    made = api._connection
    assert made is not None and (await api.get_event(URI)).name == "Demo Expo"
    assert api._connection is made  # one connection for every request after
    await api.aclose()
    assert made.is_closed
    with pytest.raises(RuntimeError):
        await api.get_event(URI)
    unused = EventtiaClient("http://sandbox/api/v3", transport=httpx.ASGITransport(app=sandbox_app))
    await unused.aclose()  # never connected: nothing to close, and nothing made to close it
    assert unused._connection is None
    with pytest.raises(RuntimeError):
        await unused.get_event(URI)
