"""Undo that undoes: a cancellation or removal waits out a window before it is sent; Ctrl+Z inside it means
Eventtia never sees it; queued offline, Ctrl+Z takes it out of the outbox; quitting with writes not on
Eventtia yet asks first. The sandbox's data is checked after each."""

from datetime import datetime

from eventtia_tui.screens.attendee_card import AttendeeCardScreen
from eventtia_tui.screens.confirm import ConfirmScreen
from eventtia_tui.screens.event_screen import EventScreen
from eventtia_tui.screens.outbox import OutboxScreen
from eventtia_tui.screens.roster import RosterScreen
from tests.screens.pilot import (
    EXPO,
    SIZE,
    answer,
    is_active,
    open_card_while_held,
    open_demo_expo,
    open_roomy_roster,
    settle,
    type_in,
)

WINDOW = 60.0  # longer than any test: the window ends only by Ctrl+Z or by quitting


def someone(app):
    """A confirmed attendee of the synced event (its record)."""
    index = app.gateway.index_if_loaded("demo-expo")
    return next(r for r in index.records.values() if r.status == "confirmed" and r.email and not r.checked_in)


async def held(pilot) -> None:
    """Until the write is held (its validation and optimistic change run in a worker)."""
    for _ in range(200):
        if pilot.app.runner.held:
            return
        await pilot.pause()
    raise AssertionError("nothing was held")


async def open_card_and_cancel(pilot, api, *, wait_held: bool = True) -> tuple:
    await open_demo_expo(pilot)
    attendee = someone(pilot.app)
    await type_in(pilot, *attendee.email, "enter")
    card = pilot.app.screen
    assert isinstance(card, AttendeeCardScreen) and card.record.id == attendee.id
    await type_in(pilot, "c")
    assert isinstance(pilot.app.screen, ConfirmScreen)
    await answer(pilot, "y")
    if wait_held:
        await held(pilot)
        await pilot.pause()
    return card, attendee


async def test_ctrl_z_inside_the_window_keeps_the_registration_and_nothing_reaches_eventtia(make_app, api):
    app = make_app(undo_window=WINDOW)
    async with app.run_test(size=SIZE) as pilot:
        card, attendee = await open_card_and_cancel(pilot, api)
        assert "Cancellation in" in str(card.query_one("#card-pending").render())
        assert "Ctrl+Z to keep" in str(card.query_one("#card-pending").render())
        assert card.record.cancelled and "BEING CANCELLED" in str(card.query_one("#verdict").render())  # at once
        before = (await api.get(f"{EXPO}/attendees/{attendee.id}")).json()["data"]["attributes"]["updated_at"]
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert not card.query_one("#card-pending").display  # at once, not at the countdown's next tick
        assert app.runner.held == {}
        assert await is_active(api, attendee)
        after = (await api.get(f"{EXPO}/attendees/{attendee.id}")).json()["data"]["attributes"]["updated_at"]
        assert after == before  # Eventtia never saw a cancel
        assert not card.record.cancelled and card.record.status == "confirmed"
        outcomes = [entry["outcome"] for entry in app.runner.audit.entries()]
        assert outcomes[-2:] == ["held", "undone"]
        assert app.runner.outbox.count() == 0 and list(app.runner.outbox.items()) == []


async def test_after_the_window_it_is_sent_and_ctrl_z_offers_a_new_registration(make_app, api):
    app = make_app(undo_window=0.2)
    async with app.run_test(size=SIZE) as pilot:
        card, attendee = await open_card_and_cancel(pilot, api, wait_held=False)
        await settle(pilot)  # the window is over: sent
        assert not await is_active(api, attendee)
        await pilot.press("ctrl+z")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        text = str(question.query_one("#confirm-question").render())
        assert "no way to undo a cancellation" in text and "new badge code" in text and "check-in" in text
        await type_in(pilot, "n")
        assert not await is_active(api, attendee)  # nothing sent on "no"
        total = (await api.get(f"{EXPO}/attendees", params={"email": attendee.email})).json()
        assert total["data"] == []


async def test_offline_the_queued_cancel_is_taken_out_of_the_outbox(make_app, api, sandbox_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        attendee = someone(app)
        await type_in(pilot, *attendee.email, "enter")
        card = app.screen
        sandbox_app.state.faults.fail_rate = 1.0
        await type_in(pilot, "c")
        await type_in(pilot, "y")
        await settle(pilot)
        assert app.runner.outbox.count() == 1 and card.record.status == "cancel queued (offline)"
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert app.runner.outbox.count() == 0 and list(app.runner.outbox.items()) == []
        assert card.record.status == "confirmed"
        sandbox_app.state.faults.fail_rate = 0.0
        app.replay_outbox()
        await settle(pilot)
        assert await is_active(api, attendee)  # neither the cancel nor an opposite write was ever sent


async def test_quitting_with_a_held_cancel_asks_then_sends_it(make_app, api):
    app = make_app(undo_window=WINDOW)
    async with app.run_test(size=SIZE) as pilot:
        card, attendee = await open_card_and_cancel(pilot, api)
        await answer(pilot, "ctrl+q")
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        assert "1 change waiting out the undo window" in str(question.query_one("#confirm-question").render())
        await answer(pilot, "n")
        assert app.is_running and app.runner.held and await is_active(api, attendee)
        await answer(pilot, "ctrl+q")
        await answer(pilot, "y")
        await settle(pilot)
    assert not await is_active(api, attendee)  # sent when the app quit, not lost


async def test_a_removal_from_the_roster_waits_and_ctrl_z_keeps_the_seat(make_app, api):
    app = make_app(undo_window=WINDOW)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        roomy = await open_roomy_roster(pilot, api)
        roster = app.screen
        assert isinstance(roster, RosterScreen)
        roster.query_one("DataTable").focus()
        await pilot.pause()
        before = (await api.get(f"{EXPO}/workshops/{roomy['id']}")).json()["data"]["attributes"]["used_seats"]
        await type_in(pilot, "d")
        assert isinstance(app.screen, ConfirmScreen)
        assert "It is sent after 60 s; Ctrl+Z until then keeps it." in str(app.screen.query_one("#confirm-question").render())
        await answer(pilot, "y")
        await held(pilot)
        await pilot.pause()
        assert roster.taken() == before - 1  # shown at once
        await pilot.press("ctrl+z")
        await settle(pilot)
        after = (await api.get(f"{EXPO}/workshops/{roomy['id']}")).json()["data"]["attributes"]["used_seats"]
        assert after == before and roster.taken() == before


async def test_registered_again_the_old_badge_says_so_and_opens_the_new_record(make_app, api):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        card, attendee = await open_card_and_cancel(pilot, api, wait_held=False)
        await settle(pilot)
        await pilot.press("ctrl+z")
        await settle(pilot)
        await type_in(pilot, "y")  # register again, as a new attendee
        found = (await api.get(f"{EXPO}/attendees", params={"email": attendee.email})).json()["data"]
        assert len(found) == 1 and found[0]["id"] != attendee.id
        assert app.screen is card and card.newer is not None and card.newer.id == found[0]["id"]
        line = str(card.query_one("#card-newer").render())
        assert "Registered again since" in line and "This badge stays cancelled" in line
        await type_in(pilot, "o")
        assert isinstance(app.screen, AttendeeCardScreen) and app.screen.record.id == found[0]["id"]


async def test_the_outbox_shows_when_a_write_was_queued_in_the_events_time(make_app, api, sandbox_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        event = app.screen
        assert isinstance(event, EventScreen) and event.tz is not None
        attendee = someone(app)
        await type_in(pilot, *attendee.email, "enter")
        sandbox_app.state.faults.fail_rate = 1.0
        await type_in(pilot, "c")
        await type_in(pilot, "y")
        await type_in(pilot, "escape")
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, OutboxScreen)
        item = next(iter(app.runner.outbox.items()))
        shown = str(app.screen.query_one("#outbox-items").get_row_at(0)[0])
        assert shown == datetime.fromtimestamp(item.queued_at, event.tz).strftime("%H:%M:%S")


async def test_ctrl_z_on_a_persons_card_takes_back_their_cancel_not_the_newest(make_app, api):
    app = make_app(undo_window=WINDOW)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        index = app.gateway.index_if_loaded("demo-expo")
        first, second = [r for r in index.records.values()
                         if r.status == "confirmed" and r.email and not r.checked_in][:2]
        for person in (first, second):
            await open_card_while_held(pilot, person)
            await answer(pilot, "c")
            await answer(pilot, "y")
            for _ in range(200):
                if len(app.runner.held) == (1 if person is first else 2):
                    break
                await pilot.pause()
            await answer(pilot, "escape")
        assert len(app.runner.held) == 2
        await open_card_while_held(pilot, first)
        card = app.screen
        assert isinstance(card, AttendeeCardScreen) and card.record.id == first.id
        assert card.query_one("#card-pending").display  # opened again: the countdown shows
        await answer(pilot, "ctrl+z")
        assert [h.action.attendee_id for h in app.runner.held.values()] == [second.id]
        assert index.get(first.id).status == "confirmed" and index.get(second.id).cancelled
        await answer(pilot, "ctrl+z")  # the other one, from anywhere
        assert app.runner.held == {}
        assert await is_active(api, first) and await is_active(api, second)
