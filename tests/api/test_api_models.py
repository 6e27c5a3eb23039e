"""Models against every example response of the API reference, and against malformed payloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import reference_examples as ref

from eventtia_tui.api import (
    Attendee,
    AttendeeType,
    AttendeeTypeCustomField,
    AttendeeWorkshop,
    BusinessConference,
    Document,
    Event,
    EventSlim,
    Meeting,
    Participant,
    ParticipantAgenda,
    ParticipantType,
    TicketStat,
    UnavailableHour,
    Workshop,
    parse_agenda,
    to_model,
)

UTC = UTC
BOGOTA = timezone(timedelta(hours=-5))


# Every example parses ----------------------------------------------------------------------------------

EXAMPLES = [
    (ref.EVENTS, Event), (ref.EVENTS_SLIM, EventSlim), (ref.EVENT, Event),
    (ref.BUSINESS_CONFERENCES, BusinessConference), (ref.PARTICIPANT_TYPES, ParticipantType),
    (ref.UNAVAILABLE_HOURS, UnavailableHour), (ref.UNAVAILABLE_HOUR_CREATED, UnavailableHour),
    (ref.UNAVAILABLE_HOUR_UPDATED, UnavailableHour), (ref.UNAVAILABLE_HOUR_DESTROYED, UnavailableHour),
    (ref.PARTICIPANTS, Participant), (ref.PARTICIPANT_AGENDA, Meeting), (ref.MEETINGS, Meeting),
    (ref.ATTENDEE_TYPES, AttendeeType), (ref.ATTENDEES, Attendee), (ref.ATTENDEE_REGISTERED, Attendee),
    (ref.ATTENDEE, Attendee), (ref.ATTENDEE_BY_EMAIL, Attendee), (ref.ATTENDEE_WORKSHOPS, Workshop),
    (ref.ATTENDEE_WORKSHOP_CREATED, AttendeeWorkshop), (ref.ATTENDEE_WORKSHOP_DELETED, AttendeeWorkshop),
    (ref.ACTIVITIES_UPDATED, Attendee), (ref.WORKSHOPS, Workshop), (ref.WORKSHOP, Workshop),
    (ref.WORKSHOP_ATTENDEES, Attendee),
]


@pytest.mark.parametrize(("raw", "model"), EXAMPLES, ids=[model.__name__ for _, model in EXAMPLES])
def test_every_reference_example_parses(raw, model):
    document = Document.parse(raw)
    items = document.models(model)
    assert len(items) == (1 if isinstance(raw["data"], dict) else len(raw["data"]))
    for item, resource in zip(items, document.data):
        assert isinstance(item, model)
        assert item.id == resource.id
        assert to_model(resource, document=document).id == resource.id  # by JSON:API type, too
    for resource in document.included:  # and everything a document includes
        assert to_model(resource, document=document).id == resource.id


# Events and ticket stats -------------------------------------------------------------------------------


def test_event_list_values():
    document = Document.parse(ref.EVENTS)
    first, second = document.models(Event)
    assert first.name == "Test Event" and first.event_uri == "test-event-1"
    assert first.start_date == datetime(2017, 10, 13, 8, tzinfo=BOGOTA)
    assert first.start_date.tzinfo is not None
    assert first.coordinates == {"lat": 6.15384, "lng": -75.533}
    assert second.coordinates == {"lat": None, "lng": None}
    assert first.google_analytics_tracking_code == "testGA"  # unknown attributes are kept
    assert document.total_pages == 1 and document.links["prev"] is None


def test_single_event():
    event = Document.parse(ref.EVENT).model(Event)
    assert event.id == "54321" and event.event_uri == "firsttest"
    assert event.end_date == datetime(2021, 9, 10, 15, tzinfo=UTC)
    assert event.total_attendees == 0 and event.timezone == "America/Bogota" and event.is_template is True
    assert event.fields == {} and event.attendee_type_ids == []


def test_slim_events_page_count_comes_from_links_when_meta_is_missing():
    document = Document.parse(ref.EVENTS_SLIM)
    (event,) = document.models(EventSlim)
    assert event.name == "Event Test" and event.city_id == "106297"
    assert event.registration_start_date is None and event.latitude is None
    assert document.meta == {} and document.total_pages == 8


def test_ticket_stats_infinity_means_unlimited():
    vip, gold = (TicketStat.model_validate(row) for row in ref.TICKETS_STATS)
    assert (vip.name, vip.used_seats, vip.seats_limit, vip.unlimited, vip.seats_left) == ("Vip", 4, 100, False, 96)
    assert (gold.name, gold.used_seats, gold.seats_limit, gold.unlimited) == ("gold", 1, None, True)
    assert gold.seats_left is None and not gold.is_full
    assert TicketStat(name="x", used_seats=5, seats_limit=5).is_full


# Attendee types and attendees ---------------------------------------------------------------------------


def test_attendee_types_carry_their_custom_fields():
    document = Document.parse(ref.ATTENDEE_TYPES)
    (general,) = document.models(AttendeeType)
    assert general.name == "General Public" and general.capacity is None and general.unlimited
    assert general.price == 0.0 and general.availability == 0
    assert general.business_conference_participant_type_id == "12345"
    (first_name,) = general.custom_fields
    assert isinstance(first_name, AttendeeTypeCustomField)
    assert (first_name.id, first_name.name, first_name.required, first_name.default) == ("1234567", "first_name",
                                                                                          True, True)
    assert first_name.attendee_type_id == "123456" and first_name.label == "First name"
    assert general.field_names == {"1234567": "first_name"}


NAMES = {"1466264": "first_name", "1466265": "last_name", "1466266": "email", "1466267": "company",
         "1466268": "telephone", "1466269": "city_id", "1466270": "job_title", "1466271": "photo",
         "1466273": "birthdate"}


def test_attendee_fields_map_to_names():
    (attendee,) = Document.parse(ref.ATTENDEES).models(Attendee)
    assert attendee.id == "12345678" and attendee.attendee_type_id == "123456"
    assert attendee.business_conference_participant_ids == ["1234567"]
    assert attendee.checked_in is True and attendee.paid is True and attendee.status == "confirmed"
    assert attendee.checked_in_date == datetime(2023, 2, 7, 11, 52, 2, tzinfo=BOGOTA)
    named = attendee.named_fields([AttendeeTypeCustomField(id=ident, name=name) for ident, name in NAMES.items()])
    assert named["first_name"] == "John" and named["email"] == "johndoe@eventtia.com"
    assert named["birthdate"] == "1996-08-26" and named["1466274"] == "America/Bogota"  # unnamed id stays
    assert attendee.named_fields(NAMES) == named
    attendee.bind_names(NAMES)
    assert (attendee.first_name, attendee.last_name, attendee.full_name) == ("John", "Doe", "John Doe")
    assert (attendee.email, attendee.company, attendee.telephone) == ("johndoe@eventtia.com", "Eventtia",
                                                                      "+57123456789")
    assert attendee.job_title == "Developer" and attendee.field("city_id") is None


def test_attendee_without_names_falls_back_to_the_qr_code():
    attendee = Document.parse(ref.ATTENDEE).model(Attendee)
    assert attendee.field_names == {}
    # qr_code: "a1592c|Test Attendee Test|lastest@exampleevent.com|Hospital - Paramedic|"
    assert attendee.full_name == "Test Attendee Test"
    assert (attendee.first_name, attendee.last_name) == ("Test Attendee", "Test")
    assert (attendee.email, attendee.company, attendee.job_title) == ("lastest@exampleevent.com", "Hospital",
                                                                      "Paramedic")
    assert attendee.telephone == ""
    # Bound names win over the qr code (whose name differs in this example).
    attendee.bind_names(NAMES)
    assert attendee.full_name == "John Attendee Test" and attendee.first_name == "John Attendee"
    assert attendee.telephone == ""  # null field, empty qr part


def test_registered_attendee_resolves_its_type_and_group_meta():
    document = Document.parse(ref.ATTENDEE_REGISTERED)
    attendee = document.model(Attendee)
    assert attendee.attendee_type_id == "12345" and attendee.checked_in is False
    assert attendee.checked_in_date is None
    assert attendee.company == "Eventtia" and attendee.job_title == ""
    assert document.meta["group_uuid"] == "1c2f65"
    included_type = to_model(document.included[0], document=document)
    assert isinstance(included_type, AttendeeType) and included_type.name == "Leader Group"


def test_attendee_names_resolve_from_included_custom_fields():
    raw = {
        "data": [{"id": "1", "type": "attendees",
                  "attributes": {"fields": {"11": "Zoë", "12": "Núñez", "13": "zoe@example.org"},
                                 "qr_code": "u|Wrong Name|wrong@example.org||"},
                  "relationships": {"attendee_type": {"data": {"id": "7", "type": "attendee_types"}}}}],
        "included": [
            {"id": "7", "type": "attendee_types", "attributes": {"name": "VIP"},
             "relationships": {"attendee_type_custom_fields": {"data": [
                 {"id": "11", "type": "attendee_type_custom_fields"}]}}},
            *({"id": ident, "type": "attendee_type_custom_fields", "attributes": {"name": name},
               "relationships": {"attendee_type": {"data": {"id": "7", "type": "attendee_types"}}}}
              for ident, name in (("11", "first_name"), ("12", "last_name"), ("13", "email"))),
        ],
    }
    document = Document.parse(raw)
    (attendee,) = document.models(Attendee)
    assert attendee.full_name == "Zoë Núñez" and attendee.email == "zoe@example.org"
    (vip,) = [to_model(resource, document=document) for resource in document.of_type("attendee_types")]
    assert [field.name for field in vip.custom_fields] == ["first_name", "last_name", "email"]


# Activities -------------------------------------------------------------------------------------------


def test_workshops_capacity_and_seats():
    activity_1, activity_2 = Document.parse(ref.WORKSHOPS).models(Workshop)
    assert activity_1.name == "Activity 1" and activity_1.availability == 1000 == activity_1.capacity
    assert activity_1.used_seats == 0 and activity_1.seats_left == 1000 and not activity_1.is_full
    assert activity_1.start_date == datetime(2023, 2, 12, 14, tzinfo=UTC)
    assert activity_1.booking_deadline_date == datetime(2023, 2, 12, 8, tzinfo=BOGOTA)
    assert activity_2.zoom_type == "native"
    assert Workshop(availability=10, used_seats=10).is_full
    assert Workshop(availability=None, used_seats=10).seats_left is None


def test_attendee_workshops_and_registration():
    (activity,) = Document.parse(ref.ATTENDEE_WORKSHOPS).models(Workshop)
    assert activity.used_seats == 1 and activity.price == {"101226": "0", "101224": "0"}
    assert activity.speaker_ids == ["123456"]
    document = Document.parse(ref.ATTENDEE_WORKSHOP_CREATED)
    link = document.model(AttendeeWorkshop)
    assert (link.id, link.attendee_id, link.workshop_id, link.checked_in) == ("1234567", "1234567", "123456", False)
    assert document.meta["current_attendee_workshops"] == [123456]
    deleted = Document.parse(ref.ATTENDEE_WORKSHOP_DELETED).model(AttendeeWorkshop)
    assert deleted.workshop_id == "123456" and deleted.attendee_id is None  # its linkage is elided


# Business conferences ---------------------------------------------------------------------------------


def test_business_conference_with_included_participant_types():
    document = Document.parse(ref.BUSINESS_CONFERENCES)
    (conference,) = document.models(BusinessConference)
    assert conference.name == "Networking test" and conference.event_id == "43678"
    assert conference.meeting_duration is None and conference.meeting_rejection_enabled is True
    assert conference.meeting_rejection_description_options == ["i cant, i have another meeting",
                                                                 "i cant, need to go for a hurry"]
    assert conference.participant_type_ids == ["12345"]
    # Both included types share the id "12345" in the reference; the later one wins the lookup.
    assert [kind.name for kind in conference.participant_types] == ["Buyers"]


def test_participant_type_agenda_epoch_keys_become_slots():
    (sellers,) = Document.parse(ref.PARTICIPANT_TYPES).models(ParticipantType)
    assert sellers.name == "Sellers" and sellers.can_block_time_slots is True
    (slot,) = sellers.agenda
    assert slot.key == 1234567890 and slot.slot_id == 232039
    # This example's key (2009-02-13 23:31:30 UTC) is a placeholder that does not match its wall-clock
    # times: the key stays the instant (it is what blocked_slots refer to) and the duration is kept.
    assert slot.start == datetime(2009, 2, 13, 23, 31, 30, tzinfo=UTC)
    assert slot.end - slot.start == timedelta(minutes=25)


def test_conference_participant_type_agenda_is_consistent():
    document = Document.parse(ref.BUSINESS_CONFERENCES)
    (buyers,) = BusinessConference.from_resource(document.data[0], document).participant_types
    (slot,) = buyers.agenda
    # 1676037600 is 2023-02-10 14:00 UTC, 09:00 in Bogotá: the slot carries the -05:00 offset.
    assert slot.start == datetime(2023, 2, 10, 9, tzinfo=BOGOTA) and slot.start.utcoffset() == timedelta(hours=-5)
    assert slot.end == datetime(2023, 2, 10, 9, 25, tzinfo=BOGOTA)
    assert buyers.attendee_type_ids == ["101224"] and buyers.business_conference_id == "16758"


def test_participants_with_their_attendees():
    document = Document.parse(ref.PARTICIPANTS)
    (participant,) = document.models(Participant)
    assert participant.attendee_id == "1234567" and participant.participant_type_id == "12345"
    assert participant.participant_type_name == "Sellers" and participant.blocked_slots == [1676037600]
    assert participant.attendee is not None and participant.attendee.full_name == "John Doe"
    assert participant.attendee.company == "Eventtia" and participant.attendee.job_title == "Developer"


def test_participant_agenda_meta():
    agenda = ParticipantAgenda.from_document(Document.parse(ref.PARTICIPANT_AGENDA))
    assert [slot.key for slot in agenda.agenda] == [1676037600, 1676039400]
    assert [slot.slot_id for slot in agenda.agenda] == [232039, 232040]
    assert agenda.agenda[1].start == datetime(2023, 2, 10, 9, 30, tzinfo=BOGOTA)
    assert agenda.blocked_slots == [1676037600]  # the reference lists it twice
    assert agenda.is_blocked(1676037600) and not agenda.is_blocked(1676039400)
    assert agenda.slot(1676039400).end.minute == 55 and agenda.slot(1) is None
    assert agenda.meeting_statuses == {"requested": 1, "accepted": 2, "rejected": 3, "expired": 4}
    assert agenda.meetings == [] and agenda.participants == []


def test_meetings_status_names():
    document = Document.parse(ref.MEETINGS)
    (meeting,) = document.models(Meeting)
    assert meeting.status == 3 and meeting.status_name == "rejected"
    assert meeting.slot_id == 123456 and meeting.business_conference_id == "12345"
    assert meeting.start_date == datetime(2023, 2, 10, 19, tzinfo=UTC)
    assert meeting.rejection_description == "i cant, i have another meeting"
    participants = [to_model(resource, document=document) for resource in document.included]
    assert [p.profile_contact_name for p in participants] == ["Daniel Attendee Test", "John Doe"]
    assert participants[1].blocked_slots == [1676037600]
    # Status names come from the document's meta when it has them.
    renamed = {"data": [{"id": "9", "type": "business_conference_meetings", "attributes": {"status": 2},
                         "relationships": {"host": {"data": {"id": "5", "type": "business_conference_participants"}},
                                           "guest": {"data": {"id": "6", "type": "business_conference_participants"}}}}],
               "meta": {"meeting_statuses": {"pending": 1, "confirmed": 2}}}
    (confirmed,) = Document.parse(renamed).models(Meeting)
    assert confirmed.status_name == "confirmed" and confirmed.participant_ids == ["5", "6"]
    assert confirmed.host_id == "5" and confirmed.guest_id == "6"  # to-one links become <name>_id
    assert Meeting(status=9).status_name is None


def test_unavailable_hours():
    (hour,) = Document.parse(ref.UNAVAILABLE_HOURS).models(UnavailableHour)
    assert hour.start_date == datetime(2023, 2, 10, 9, tzinfo=BOGOTA)
    assert hour.end_date == datetime(2023, 2, 13, 12, 25, tzinfo=BOGOTA)
    created = Document.parse(ref.UNAVAILABLE_HOUR_CREATED).model(UnavailableHour)
    assert created.id == "1234" and created.end_date.hour == 11


# Malformed payloads never raise ------------------------------------------------------------------------

MODELS = [Event, EventSlim, AttendeeType, AttendeeTypeCustomField, Attendee, Workshop, AttendeeWorkshop,
          TicketStat, BusinessConference, ParticipantType, UnavailableHour, Participant, Meeting,
          ParticipantAgenda]

GARBAGE = [None, 0, "x", [], [1, 2], {}, {"id": None}, {"id": {"nested": 1}}]

WRONG_TYPES = {
    "id": ["list"], "name": {"a": 1}, "fields": "not a dict", "start_date": "yesterday-ish",
    "end_date": 12.5e30, "updated_at": True, "availability": "∞", "used_seats": "lots", "capacity": 3.5,
    "paid": "perhaps", "checked_in": {}, "price": "free", "status": [3], "blocked_slots": "1676037600",
    "agenda": {"not-a-number": ["2023-02-10 09:00:00", "2023-02-10 09:25:00", 1], "1676037600": "junk",
               "1676039400": [None, 5, "x"]},
    "custom_fields": [1, "x"], "participant_types": "nope", "meeting_statuses": {"x": "y"},
    "meetings": [None], "coordinates": None, "attendee": "someone", "qr_code": 42,
    "meeting_rejection_description_options": [1, None, "ok"], "seats_limit": None, "logo": [],
}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_garbage_never_raises(model):
    for raw in GARBAGE:
        model.model_validate(raw)
    item = model.model_validate(WRONG_TYPES)
    for name in ("start_date", "end_date", "updated_at", "availability", "used_seats", "paid", "checked_in"):
        if name in model.model_fields:
            assert getattr(item, name) is None, name
    if "fields" in model.model_fields:
        assert item.fields == {}


def test_malformed_values_become_defaults():
    attendee = Attendee.model_validate(WRONG_TYPES)
    assert attendee.id is None and attendee.fields == {} and attendee.qr_code == "42"
    assert attendee.full_name == "" and attendee.email == "" and attendee.first_name == ""  # "42" is only a uuid
    participant = Participant.model_validate(WRONG_TYPES)
    assert participant.blocked_slots == [] and participant.attendee is None
    conference = BusinessConference.model_validate(WRONG_TYPES)
    assert conference.participant_types == [] and conference.meeting_rejection_description_options == ["ok"]
    kind = ParticipantType.model_validate(WRONG_TYPES)
    # Only the usable keys survive; a slot whose times are unusable keeps its key's instant.
    assert [(slot.key, slot.slot_id) for slot in kind.agenda] == [(1676037600, None), (1676039400, None)]
    assert kind.agenda[0].start == kind.agenda[0].end == datetime(2023, 2, 10, 14, tzinfo=UTC)
    agenda = ParticipantAgenda.model_validate(WRONG_TYPES)
    assert agenda.meeting_statuses == {"requested": 1, "accepted": 2, "rejected": 3, "expired": 4}
    assert TicketStat.model_validate({"seats_limit": "∞", "used_seats": "3"}).used_seats == 3
    assert Event.model_validate({"start_date": "2023-02-10"}).start_date == datetime(2023, 2, 10, tzinfo=UTC)


@pytest.mark.parametrize("raw", [None, [], "text", 3, {"data": "x"}, {"data": [None, 1, "a"], "included": {},
                                                                      "links": [], "meta": None},
                                 {"data": {"id": 5, "type": "attendees", "attributes": None,
                                           "relationships": {"attendee_type": {"data": "x"},
                                                             "other": None}}}])
def test_malformed_documents_never_raise(raw):
    document = Document.parse(raw)
    document.models(Attendee)
    document.model(Event)
    assert isinstance(document.meta, dict) and isinstance(document.links, dict)
    assert document.total_pages is None


def test_integer_resource_id_becomes_string():
    document = Document.parse({"data": {"id": 5, "type": "attendees", "attributes": {"fields": {"1": "a"}}}})
    assert document.model(Attendee).id == "5" and document.single


def test_models_round_trip_through_json():
    (kind,) = Document.parse(ref.PARTICIPANT_TYPES).models(ParticipantType)
    again = ParticipantType.model_validate_json(kind.model_dump_json())
    assert again.agenda == kind.agenda and again.name == "Sellers"


def test_parse_agenda_sorts_by_key():
    slots = parse_agenda({"200": ["1970-01-01 00:03:20", "1970-01-01 00:05:00", 2],
                          "100": ["1970-01-01 00:01:40", "1970-01-01 00:03:00", 1]})
    assert [slot.slot_id for slot in slots] == [1, 2] and slots[0].start.utcoffset() == timedelta(0)


def test_a_ticket_stat_row_is_matched_to_its_type_whatever_the_case():
    vip, gold = (TicketStat.model_validate(row) for row in ref.TICKETS_STATS)  # "Vip"; the type is "VIP"
    assert vip.is_for("VIP") and vip.is_for(" vip ") and not vip.is_for("VIP Plus") and not vip.is_for("")
    assert gold.is_for("Gold") and gold.unlimited
