"""The client, `sync` and `find` against the reference's own literal examples (tests/replay/server.py).

The examples are what real Eventtia is documented to send: whatever the sandbox does, the app must read
these. Every request the app sends is checked against the parameters the reference documents for it.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from eventtia_tui import commands
from eventtia_tui.api.client import EventtiaClient
from eventtia_tui.api.tokens import TokenStore
from eventtia_tui.badge import BY_EMAIL, BY_QR, Badge
from eventtia_tui.cli import main
from eventtia_tui.gateway import sync_event
from eventtia_tui.gateway.lookup import look_up, look_up_badge
from eventtia_tui.session import Session
from tests.replay.reference import endpoint
from tests.replay.server import ACCOUNT, BASE_URL, EVENT, JOHN_QR, REGISTER, check_requests

CONFERENCE, PARTICIPANT_TYPE, PARTICIPANT = "12345", "12345", "1234567"


# Every endpoint the app reads ----------------------------------------------------------------------------


async def test_events_and_tickets_parse(replay_client, replay):
    events = (await replay_client.list_events(page=None)).items
    assert events[0].event_uri == "test-event-1"  # (the example's second event repeats the first one's id)
    event = await replay_client.get_event(EVENT)
    assert event.name == "FirstTest" and event.timezone == "America/Bogota"
    stats = await replay_client.tickets_stats(EVENT)
    assert [(s.name, s.used_seats, s.seats_limit) for s in stats] == [("Vip", 4, 100), ("gold", 1, None)]
    check_requests(replay)


async def test_attendees_parse_with_unresolved_field_ids_falling_back_to_the_qr_code(replay_client, replay):
    types = (await replay_client.attendee_types(EVENT)).items
    assert [t.name for t in types] == ["General Public"]
    assert types[0].field_names == {"1234567": "first_name"}  # the attendees' field ids are not listed
    page = await replay_client.list_attendees(EVENT, page=None, include_archived=True)
    john = page.items[0].bind_names(types[0].custom_fields)
    assert (john.first_name, john.last_name, john.email, john.company, john.job_title, john.telephone) == (
        "John", "Doe", "johndoe@eventtia.com", "Eventtia", "Developer", "+57123456789")
    assert john.qr_code == JOHN_QR and john.uuid == "288c39"
    by_email = await replay_client.attendee_by_email(EVENT, "cat3@exampleemail.com")
    assert by_email.email == "cat3@exampleemail.com" and by_email.company == "Cat inc"
    one = await replay_client.get_attendee(EVENT, "12344656")
    assert one.checked_in and one.checked_in_date == datetime(2023, 2, 13, 9, 6, 41, tzinfo=ZoneInfo("America/Bogota"))
    check_requests(replay)


async def test_activities_parse(replay_client, replay):
    workshops = (await replay_client.list_workshops(EVENT, page=None)).items
    assert [(w.name, w.availability, w.used_seats, w.attendance_mode) for w in workshops] == [
        ("Activity 1", 1000, 0, "online"), ("Activity 2", 1000, 0, "online")]
    roster = (await replay_client.workshop_attendees(EVENT, "123456", page=None)).items
    assert [a.email for a in roster] == ["jondoe@eventtia.com"]
    mine = (await replay_client.attendee_workshops(EVENT, "12345678")).items
    assert [w.name for w in mine] == ["Activity 4"]
    added = await replay_client.add_attendee_workshop(EVENT, "1234567", "123456")
    assert (added.attendee_id, added.workshop_id, added.checked_in) == ("1234567", "123456", False)
    await replay_client.remove_attendee_workshop(EVENT, "1234567", "123456")
    await replay_client.update_activities(EVENT, "12345678", ["123456", "654321"])
    check_requests(replay)


async def test_business_conference_parses(replay_client, replay):
    conferences = (await replay_client.business_conferences(EVENT)).items
    assert [c.name for c in conferences] == ["Networking test"]
    assert [t.name for t in conferences[0].participant_types] == ["Sellers"]  # both included types share id 12345
    types = (await replay_client.participant_types(EVENT, CONFERENCE)).items
    assert [(t.name, [s.key for s in t.agenda]) for t in types] == [("Sellers", [1234567890])]
    participants = (await replay_client.participants(EVENT, CONFERENCE)).items
    assert [(p.profile_contact_name, p.profile_contact_email) for p in participants] == [
        ("John Doe", "johndoe@eventtia.com")]
    agenda = await replay_client.participant_agenda(EVENT, CONFERENCE, "456")
    assert [s.key for s in agenda.agenda] == [1676037600, 1676039400] and set(agenda.blocked_slots) == {1676037600}
    meetings = (await replay_client.meetings(EVENT, CONFERENCE)).items
    assert [(m.status, m.slot_id, m.rejection_description) for m in meetings] == [
        (3, 123456, "i cant, i have another meeting")]
    hours = (await replay_client.unavailable_hours(EVENT, CONFERENCE, PARTICIPANT_TYPE)).items
    assert [(h.start_date.isoformat(), h.end_date.isoformat()) for h in hours] == [
        ("2023-02-10T09:00:00-05:00", "2023-02-13T12:25:00-05:00")]
    bogota = ZoneInfo("America/Bogota")
    start, end = datetime(2023, 2, 11, 9, tzinfo=bogota), datetime(2023, 2, 11, 11, tzinfo=bogota)
    created = await replay_client.create_unavailable_hour(EVENT, CONFERENCE, PARTICIPANT_TYPE, start, end)
    assert created.id == "1234"
    await replay_client.update_unavailable_hour(EVENT, CONFERENCE, PARTICIPANT_TYPE, "1234", start, end)
    await replay_client.delete_unavailable_hour(EVENT, CONFERENCE, PARTICIPANT_TYPE, "1234")
    sent = replay.requests_to("POST", endpoint("POST", "/events/:event_uri/business_conferences/"
                                               ":business_conference_id/business_conference_participant_types/"
                                               ":business_conference_participant_type_id/unavailable_hours").path)
    # The reference lists start_date and end_date as query parameters, written "10/12/2020 - 01:00".
    assert dict(sent[0].query) == {"start_date": "11/02/2023 - 09:00", "end_date": "11/02/2023 - 11:00"}
    check_requests(replay)


async def test_register_and_cancel(replay_client, replay):
    attendee = await replay_client.register_attendee(EVENT, {
        "attendee_type_id": 55428, "first_name": "Walk", "last_name": "In", "email": "walk@in.test",
        "custom_fields": {"692349": "x"}, "city_id": 3, "workshops": {"103625": 103625}})
    assert attendee.uuid == "cbba89" and attendee.email == "johndoe2@eventtia.com"
    body = replay.requests_to("POST", REGISTER)[0].body
    assert body == {"attendee": {"attendee_type_id": 55428, "first_name": "Walk", "last_name": "In",
                                 "email": "walk@in.test", "custom_fields": {"692349": "x"}},
                    "city_id": 3, "workshops": {"103625": 103625}}
    assert await replay_client.cancel_attendee(EVENT, "12345678") is None  # documented without a body
    check_requests(replay)


# sync and find -------------------------------------------------------------------------------------------


async def test_sync_then_john_doe_is_found_by_name_email_and_literal_qr(replay_gateway, replay):
    report = await sync_event(replay_gateway, EVENT)
    assert (report.mode, report.attendees, report.active, report.workshops, report.conferences) == (
        "full", 1, 1, 2, 1)
    index = await replay_gateway.attendee_index(EVENT)
    for query in ("John Doe", "doe", "johndoe@eventtia.com"):
        assert [m.record.email for m in index.search(query)] == ["johndoe@eventtia.com"], query
    john = index.exact(JOHN_QR)
    assert john is not None and john.full_name == "John Doe" and john.qr_code == JOHN_QR
    assert (john.company, john.job_title, john.telephone) == ("Eventtia", "Developer", "+57123456789")
    assert john.checked_in and john.checked_in_at == "2023-02-07T11:52:02.000-05:00"
    check_requests(replay)

    again = await sync_event(replay_gateway, EVENT)
    assert again.mode == "incremental" and again.active == 1
    changes = [s for s in replay.sent if s.endpoint.path == "/events/:event_uri/attendees"
               and any(name == "updated_date_time" for name, _ in s.query)]
    assert changes
    for sent in changes:  # the reference's format, 2021-10-31T14:25:46: no offset, no fraction
        value = dict(sent.query)["updated_date_time"]
        assert datetime.strptime(value, "%Y-%m-%dT%H:%M:%S").tzinfo is None, value
    check_requests(replay)


async def test_a_cancellation_is_seen_without_any_attribute_saying_so(replay_gateway, replay):
    """The example's John Doe, cancelled at another desk: his record is unchanged ("status": "confirmed"),
    only the default listing leaves him out. The next sync must not bring him back as confirmed."""
    await sync_event(replay_gateway, EVENT)
    replay.archived_ids.add("12345678")
    report = await sync_event(replay_gateway, EVENT)
    assert (report.mode, report.cancelled, report.attendees, report.active) == ("incremental", 1, 1, 0)
    john = (await replay_gateway.attendee_index(EVENT)).exact("johndoe@eventtia.com")
    assert john.cancelled and john.status == "cancelled"
    check_requests(replay)


async def test_look_up_online_finds_by_email_and_qr(replay_gateway, replay):
    found = await look_up(replay_gateway, EVENT, "cat3@exampleemail.com")
    assert [r.email for r in found] == ["cat3@exampleemail.com"]
    assert found[0].qr_code == "20bb76|Test attendee Test|cat3@exampleemail.com|Cat inc - Lawyer|"
    assert found[0].uuid == "41bb76"  # not the QR's first part
    check_requests(replay)


async def test_by_email_is_a_fallback_and_its_answer_is_checked_against_the_scanned_qr(replay_gateway, replay):
    """The reference's by_email example (cat3) is not in its listing example: the listing's email filter finds
    nobody with exactly that email, by_email answers, and the badge judges its answer."""
    own = await look_up_badge(replay_gateway, EVENT, Badge.parse(
        "20BB76|Test attendee Test|cat3@exampleemail.com|Cat inc - Lawyer|\r\n"))
    assert own.by == BY_QR and [r.uuid for r in own.found] == ["41bb76"]
    other = await look_up_badge(replay_gateway, EVENT, Badge.parse("ffee00|Test attendee|cat3@exampleemail.com||"))
    assert other.by == BY_EMAIL and [r.uuid for r in other.found] == ["41bb76"]  # not this badge: says so
    assert any(s.endpoint.path == "/events/:event_uri/attendees/by_email" for s in replay.sent)
    check_requests(replay)


@pytest.fixture
def cli_on_replay(replay, tmp_path, monkeypatch):
    """`eventtia-tui sync` / `find` with their session on the replay (signed in from the environment)."""
    for name in ("DATA", "CACHE", "CONFIG"):
        monkeypatch.setenv(f"EVENTTIA_{name}_DIR", str(tmp_path / name.lower()))
    monkeypatch.setenv("EVENTTIA_EMAIL", ACCOUNT)
    monkeypatch.setenv("EVENTTIA_PASSWORD", "myPassword")

    def open_session(settings):
        client = EventtiaClient(settings.api_url, transport=httpx.ASGITransport(app=replay.app))
        return Session(settings, client, TokenStore(settings.config_dir))

    monkeypatch.setattr(commands, "open_session", open_session)
    return replay


def test_cli_sync_and_find(cli_on_replay, capsys):
    assert main(["sync", EVENT, "--api-url", BASE_URL]) == 0
    assert "1 attendees (1 active, 0 cancelled)" in capsys.readouterr().out
    for query in ("John", "johndoe@eventtia.com", JOHN_QR):
        assert main(["find", EVENT, query, "--json", "--api-url", BASE_URL]) == 0
        found = json.loads(capsys.readouterr().out)
        assert [(f["first_name"], f["last_name"], f["qr_code"]) for f in found] == [("John", "Doe", JOHN_QR)], query
    check_requests(cli_on_replay)


async def test_update_activity_sends_documented_parameters_and_reads_the_example_answer(replay_client, replay):
    """The reference's Update Activity answer carries id 12345 whatever was asked: read as a confirmation."""
    answer = await replay_client.update_workshop(EVENT, "115421", {
        "location": "Hall B", "availability": 1005, "start_date": "22/04/2023 - 06:15:00", "show_on_register": False})
    assert answer.name == "Updated name" and answer.availability == 1000
    check_requests(replay)
    sent = replay.sent[-1]
    assert (sent.method, sent.path) == ("PUT", "/events/test-event-1/workshops/115421")
    assert sent.body == {"location": "Hall B", "availability": 1005, "start_date": "22/04/2023 - 06:15:00",
                         "show_on_register": False}
