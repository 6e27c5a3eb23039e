"""Changing an activity itself (PUT workshops/:id) against the sandbox: the form's checks, the optimistic
change, Eventtia's refusal, the offline queue and its replay, and a change made elsewhere meanwhile."""

from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventtia_tui.actions import State, UpdateActivity, views
from eventtia_tui.actions.activity_edit import current_values, form_changes, zone
from eventtia_tui.api.models import Workshop
from tests.demo_expo import EXPO

TZ = "America/Bogota"


def open_activity(gateway):
    return next(w for w in views.cached(gateway, "workshops", EXPO) if not w.is_full and w.start_date)


def typed(workshop, **changes):
    values = current_values(workshop, zone(TZ))
    form = {"name": values["name"], "location": values["location"],
            "start_date": values["start_date"].replace(" - ", " ")[:16],
            "end_date": values["end_date"].replace(" - ", " ")[:16],
            "availability": "" if values["availability"] is None else str(values["availability"]),
            "show_on_register": values["show_on_register"]}
    return form | changes


def edit(workshop, **changes) -> UpdateActivity:
    found, errors = form_changes(workshop, typed(workshop, **changes), zone(TZ))
    assert errors == {}
    return UpdateActivity(EXPO, workshop_id=workshop.id, name=workshop.name, changes=found, tz=TZ)


async def server_workshop(api, workshop_id):
    return (await api.get(f"/events/{EXPO}/workshops/{workshop_id}")).json()["data"]["attributes"]


def cached(gateway, workshop_id):
    return next(w for w in views.cached(gateway, "workshops", EXPO) if w.id == workshop_id)


async def test_the_form_sends_only_what_changed_in_the_reference_format(synced):
    workshop = open_activity(synced)
    assert form_changes(workshop, typed(workshop), zone(TZ)) == ({}, {})
    start = workshop.start_date.astimezone(zone(TZ))
    changes, errors = form_changes(workshop, typed(workshop, location="Hall B", start_date="14:15",
                                                  end_date="15:45"), zone(TZ))
    assert errors == {}
    assert changes == {"location": "Hall B", "start_date": f"{start:%d/%m/%Y} - 14:15:00",
                       "end_date": f"{start:%d/%m/%Y} - 15:45:00"}


async def test_the_form_says_what_is_wrong(synced):
    workshop = open_activity(synced)
    _, errors = form_changes(workshop, typed(workshop, name=" ", start_date="25:99", availability="ten"), zone(TZ))
    assert set(errors) == {"name", "start_date", "availability"}
    assert "14:15" in errors["start_date"] and "whole number" in errors["availability"]
    _, errors = form_changes(workshop, typed(workshop, start_date="16:00", end_date="15:00"), zone(TZ))
    assert errors == {"end_date": "The end must be after the start."}
    _, errors = form_changes(workshop, typed(workshop, location="Hall\x1b]0;owned\x07"), zone(TZ))
    assert "control characters" in errors["location"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.fixed_dictionaries({k: st.text(max_size=30) for k in
                                    ("name", "location", "start_date", "end_date", "availability")}))
def test_any_typing_gives_changes_or_messages_never_an_error(texts):
    workshop = Workshop(id="1", name="Keynote", location="Hall A", availability=10, used_seats=3,
                        start_date=datetime(2026, 11, 24, 9, 0, tzinfo=zone(TZ)),
                        end_date=datetime(2026, 11, 24, 10, 0, tzinfo=zone(TZ)))
    changes, errors = form_changes(workshop, texts, zone(TZ))
    assert not set(changes) & set(errors)
    for name in ("start_date", "end_date"):
        if name in changes:
            datetime.strptime(changes[name], "%d/%m/%Y - %H:%M:%S")
    if "availability" in changes:
        assert changes["availability"] is None or changes["availability"] >= 0


async def test_an_edit_shows_at_once_and_lands(runner, synced, api):
    workshop = open_activity(synced)
    seen = {}
    action = edit(workshop, location="Hall B", availability=str(workshop.availability + 5))
    outcome = await runner.run(action, on_applied=lambda: seen.update(shown=cached(synced, workshop.id)))
    assert seen["shown"].location == "Hall B" and seen["shown"].availability == workshop.availability + 5
    assert outcome.state is State.DONE
    server = await server_workshop(api, workshop.id)
    assert server["location"] == "Hall B" and server["availability"] == workshop.availability + 5
    assert server["name"] == workshop.name
    entry = runner.audit.entries()[-1]
    assert entry["outcome"] == "done" and "room" in entry["what"] and "Hall B" in entry["what"]


async def test_fewer_seats_than_booked_needs_a_confirmation(runner, synced, api):
    workshop = next(w for w in views.cached(synced, "workshops", EXPO) if (w.used_seats or 0) >= 5)
    action = edit(workshop, availability=str(workshop.used_seats - 2))
    outcome = await runner.run(action)
    assert outcome.state is State.INVALID and f"{workshop.used_seats} seats are already booked" in outcome.message
    assert (await server_workshop(api, workshop.id))["availability"] == workshop.availability
    action.below_booked_ok = True
    assert (await runner.run(action)).state is State.DONE
    assert (await server_workshop(api, workshop.id))["availability"] == workshop.used_seats - 2


async def test_a_refused_edit_is_rolled_back_with_eventtias_reason(runner, synced, api):
    workshop = open_activity(synced)
    # A start after the end that only Eventtia knows of (the end was changed there since the last sync).
    await api.put(f"/events/{EXPO}/workshops/{workshop.id}", json={"start_date": "01/01/2020 - 09:00:00",
                                                                   "end_date": "01/01/2020 - 10:00:00"})
    action = edit(workshop, location="Hall B", start_date="08:00")
    outcome = await runner.run(action)
    assert outcome.state is State.FAILED and "after the start" in outcome.message
    assert cached(synced, workshop.id).location == workshop.location
    assert cached(synced, workshop.id).start_date == workshop.start_date
    assert (await server_workshop(api, workshop.id))["location"] == workshop.location


async def test_offline_edit_is_queued_and_replayed_once(runner, synced, api, sandbox_app):
    workshop = open_activity(synced)
    sandbox_app.state.faults.fail_rate = 1.0
    outcome = await runner.run(edit(workshop, location="Hall B"))
    assert outcome.state is State.QUEUED and cached(synced, workshop.id).location == "Hall B"
    sandbox_app.state.faults.fail_rate = 0.0
    report = await runner.replay()
    assert (report.sent, report.already_there, report.conflicts) == (1, 0, [])
    assert (await server_workshop(api, workshop.id))["location"] == "Hall B"
    again = await runner.replay()
    assert (again.sent, again.already_there) == (0, 0)


async def test_a_queued_edit_that_landed_is_not_sent_again(runner, synced, api, sandbox_app):
    workshop = open_activity(synced)
    sandbox_app.state.faults.fail_rate = 1.0
    assert (await runner.run(edit(workshop, location="Hall B"))).state is State.QUEUED
    sandbox_app.state.faults.fail_rate = 0.0
    await api.put(f"/events/{EXPO}/workshops/{workshop.id}", json={"location": "Hall B"})  # its answer was lost
    report = await runner.replay()
    assert (report.sent, report.already_there) == (0, 1)


async def test_a_queued_edit_over_a_change_made_elsewhere_waits_for_a_person(runner, synced, api, sandbox_app):
    workshop = open_activity(synced)
    sandbox_app.state.faults.fail_rate = 1.0
    assert (await runner.run(edit(workshop, location="Hall B"))).state is State.QUEUED
    sandbox_app.state.faults.fail_rate = 0.0
    await api.put(f"/events/{EXPO}/workshops/{workshop.id}", json={"location": "Hall C"})  # the web admin
    report = await runner.replay()
    assert report.sent == 0 and len(report.conflicts) == 1 and "Hall C" in report.conflicts[0]
    assert (await server_workshop(api, workshop.id))["location"] == "Hall C"
