"""A walk-in registered at the desk with activities lands in them on a server that reads the register body
only where the reference's request example puts each parameter (the sandbox, strict since this change)."""

from eventtia_tui.actions import CancelAttendee, RegisterAttendee, State
from eventtia_tui.api.models import Attendee, TicketStat

EXPO = "demo-expo"


async def test_a_walk_in_with_an_activity_is_registered_to_it(runner, synced, api):
    workshops = (await api.get(f"/events/{EXPO}/workshops", params={"page[size]": 100})).json()["data"]
    open_one = next(w for w in workshops if w["attributes"]["used_seats"] < w["attributes"]["availability"])
    action = RegisterAttendee(EXPO, attendee_type_id="5001", type_name="General Admission",
                              workshop_ids=[open_one["id"]],
                              values={"first_name": "Walk", "last_name": "In", "email": "walk.in@desk.test",
                                      "company": "Desk", "telephone": "+573001234567", "birthdate": "27/08/1990"})
    outcome = await runner.run(action)
    assert outcome.state is State.DONE, outcome.message
    found = (await api.get(f"/events/{EXPO}/attendees/by_email", params={"email": "walk.in@desk.test"})).json()
    mine = (await api.get(f"/events/{EXPO}/attendees/{found['data']['id']}/workshops")).json()["data"]
    assert [w["id"] for w in mine] == [open_one["id"]]


async def test_a_cancel_answered_with_the_record_still_shows_cancelled(synced):
    """Eventtia documents no answer for a cancel; if it sends the record, its status ("confirmed" in every
    example) does not say cancelled: the confirmed cancel must not look undone."""
    index = synced.index(EXPO)
    record = next(r for r in index.records.values() if r.status == "confirmed")
    answer = Attendee(id=record.id, uuid=record.uuid, status="confirmed", qr_code=record.qr_code,
                      attendee_type_id=record.type_id)
    CancelAttendee(EXPO, attendee_id=record.id, name=record.full_name).confirm(synced, answer)
    assert index.get(record.id).cancelled


async def test_a_sold_out_type_is_refused_whatever_the_case_of_its_stats_row(synced):
    """The reference's stats say "Vip" for the attendee type "VIP"."""
    def as_reference_writes_it(stats: list[TicketStat]) -> list[TicketStat]:
        return [s.model_copy(update={"name": "Vip", "used_seats": s.seats_limit}) if s.name == "VIP" else s
                for s in stats]

    assert synced.patch("tickets_stats", (EXPO,), as_reference_writes_it)
    action = RegisterAttendee(EXPO, attendee_type_id="5002", type_name="VIP",
                              values={"first_name": "Late", "last_name": "Comer", "email": "late@desk.test"})
    assert "sold out" in action.validate(synced).get("attendee_type_id", "")
