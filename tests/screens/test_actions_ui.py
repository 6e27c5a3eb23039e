"""The desk's writes through the UI: register, activities, cancel and undo, offline queueing."""

from textual.widgets import Input

from eventtia_tui.screens.activity_picker import ActivityPickerScreen
from eventtia_tui.screens.attendee_card import AttendeeCardScreen
from eventtia_tui.screens.attendee_picker import AttendeePickerScreen
from eventtia_tui.screens.confirm import ConfirmScreen
from eventtia_tui.screens.event_screen import EventScreen
from eventtia_tui.screens.outbox import OutboxScreen
from eventtia_tui.screens.register_form import RegisterFormScreen
from eventtia_tui.screens.roster import RosterScreen
from tests.screens.pilot import (
    EXPO,
    SIZE,
    fill,
    open_demo_expo,
    open_form,
    open_roomy_roster,
    settle,
    type_in,
    type_like_a_person,
)


def test_register_form_snapshot(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_form)


def test_register_form_errors_snapshot(snap_compare, make_app):
    async def run_before(pilot):
        await open_form(pilot)
        await fill(pilot, email="zoe-at-walkin", telephone="300 123", birthdate="31/02/1990")
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


async def test_a_walk_in_is_registered_moved_cancelled_and_restored_with_keys(make_app, api):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        form = app.screen
        assert isinstance(form, RegisterFormScreen)
        assert form.query_one("#field-first_name", Input).value == "Zoë"  # started from what was searched
        assert form.query_one("#field-last_name", Input).value == "Núñez"
        await fill(pilot, email="zoe@walkin.test", telephone="+573001234567")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, EventScreen)
        found = (await api.get(f"{EXPO}/attendees/by_email", params={"email": "zoe@walkin.test"})).json()["data"]
        await pilot.press("ctrl+l")
        await type_in(pilot, *"zoe@walkin.test", "enter")
        await settle(pilot)
        card = app.screen
        assert isinstance(card, AttendeeCardScreen) and card.record.id == found["id"]

        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ActivityPickerScreen)
        picker = app.screen
        open_ids = [w for w, workshop in picker.workshops.items() if not workshop.is_full]
        table = picker.query_one("#picker-activities")
        table.move_cursor(row=table.get_row_index(open_ids[0]))
        await pilot.press("enter")
        await settle(pilot)
        assert [w.id for w in card.activities] == [open_ids[0]]

        await pilot.press("m")
        await settle(pilot)
        table = app.screen.query_one("#picker-activities")
        table.move_cursor(row=table.get_row_index(open_ids[1]))
        await pilot.press("enter")
        await settle(pilot)
        server = (await api.get(f"{EXPO}/attendees/{found['id']}/workshops")).json()["data"]
        assert [w["id"] for w in server] == [open_ids[1]] == [w.id for w in card.activities]

        before = {s["name"]: s["used_seats"] for s in (await api.get(f"{EXPO}/tickets-stats")).json()}
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is card and card.record.cancelled  # the card stays open on the cancelled record
        after = {s["name"]: s["used_seats"] for s in (await api.get(f"{EXPO}/tickets-stats")).json()}
        assert after["General Admission"] == before["General Admission"] - 1
        seats = (await api.get(f"{EXPO}/workshops/{open_ids[1]}")).json()["data"]["attributes"]["used_seats"]
        assert seats == picker.workshops[open_ids[1]].used_seats  # the seat was freed

        await pilot.press("ctrl+z")  # sent already: undo offers a new registration, saying what does not carry over
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen), [n.message for n in app._notifications]
        assert "new badge code" in str(app.screen.query_one("#confirm-question").render())
        await type_in(pilot, "y")
        again = (await api.get(f"{EXPO}/attendees/by_email", params={"email": "zoe@walkin.test"})).json()["data"]
        assert again["attributes"]["status"] == "confirmed" and again["id"] != found["id"]


async def test_a_refused_registration_reopens_the_form_with_what_was_typed(make_app, api):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        body = {"attendee": {"attendee_type_id": 5001, "first_name": "Other", "last_name": "Desk",
                             "email": "zoe@walkin.test"}}
        assert (await api.post(f"{EXPO}/attendees/register", json=body)).status_code == 200
        await fill(pilot, email="zoe@walkin.test", company="Señal Telecom")
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RegisterFormScreen)
        assert "Email has already been taken." in str(form.query_one("#register-message").render())
        assert form.query_one("#field-company", Input).value == "Señal Telecom"
        assert form.query_one("#field-first_name", Input).value == "Zoë"


async def test_offline_registration_is_queued_shown_and_sent_later(make_app, sandbox_app, api):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        sandbox_app.state.faults.fail_rate = 1.0
        await fill(pilot, email="zoe@walkin.test")
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EventScreen)
        assert "1 change waiting to send" in str(screen.query_one("#event-header").render())
        assert screen.query_one("#offline-banner").display
        results = screen.query_one("#attendee-results")
        assert "QUEUED (OFFLINE)" in str(results.get_row_at(0)[1])  # the verdict column
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, OutboxScreen)
        assert app.screen.query_one("#outbox-items").row_count == 1
        await pilot.press("escape")
        sandbox_app.state.faults.fail_rate = 0.0
        await pilot.press("ctrl+r")  # sync: the API answers again, the outbox is replayed
        await settle(pilot)
        found = await api.get(f"{EXPO}/attendees", params={"email": "zoe@walkin.test"})
        assert found.json()["meta"]["total_attendees"] == 1
        assert "waiting to send" not in str(screen.query_one("#event-header").render())


def test_offline_banner_snapshot(snap_compare, make_app, sandbox_app):
    async def run_before(pilot):
        await open_demo_expo(pilot)
        sandbox_app.state.faults.fail_rate = 1.0
        await pilot.press("ctrl+r")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def open_card_and_press(key: str):
    """A run_before: open García's card and press a key on it."""

    async def run_before(pilot):
        await open_demo_expo(pilot)
        await type_in(pilot, *"garcia", "enter")
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)

    return run_before


def test_confirm_cancel_snapshot(snap_compare, make_app):
    assert snap_compare(make_app(undo_window=8.0), terminal_size=SIZE, run_before=open_card_and_press("c"))


def test_activity_picker_snapshot(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_card_and_press("a"))


async def test_kiosk_registers_but_cannot_cancel(make_app):
    app = make_app(kiosk=True, event_uri="demo-expo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_in(pilot, *"garcia", "enter")
        await settle(pilot)
        card = app.screen
        assert isinstance(card, AttendeeCardScreen)
        for key in ("c", "a", "d", "m"):
            await pilot.press(key)
            assert app.screen is card
        await pilot.press("escape", "ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, RegisterFormScreen)


async def test_the_door_adds_and_removes_someone_on_the_roster(make_app, api):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        roomy = await open_roomy_roster(pilot, api)
        roster = app.screen
        assert isinstance(roster, RosterScreen)
        before = len(roster.roster)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, AttendeePickerScreen)
        index = app.gateway.index_if_loaded("demo-expo")
        on_roster = {a.id for a, _ in roster.roster}
        newcomer = next(r for r in index.records.values() if r.status == "confirmed" and r.id not in on_roster)
        await type_in(pilot, *newcomer.email, "enter")
        await settle(pilot)
        assert app.screen is roster
        assert len(roster.roster) == before + 1
        seats = (await api.get(f"{EXPO}/workshops/{roomy['id']}")).json()["data"]["attributes"]["used_seats"]
        assert seats == roomy["attributes"]["used_seats"] + 1
        results = roster.query_one("#roster-table")
        results.focus()
        results.move_cursor(row=results.get_row_index(newcomer.id))
        await type_like_a_person(pilot, "d")  # asks first
        assert newcomer.id in {a.id for a, _ in roster.roster}
        await type_like_a_person(pilot, "y")
        await settle(pilot)
        assert newcomer.id not in {a.id for a, _ in roster.roster}
        seats = (await api.get(f"{EXPO}/workshops/{roomy['id']}")).json()["data"]["attributes"]["used_seats"]
        assert seats == roomy["attributes"]["used_seats"]
