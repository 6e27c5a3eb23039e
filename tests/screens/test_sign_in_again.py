"""A 401 anywhere opens the sign-in screen over the current one, keeping what was typed and the writes waiting,
then asks again (issue 27 item 5); a token near its end asks to be renewed before a sync.

Before: a scan whose lookup met "Signature has expired" said NOT FOUND "Eventtia can't be reached", with no
sign-in; a write refused for the token was rolled back; the token's end was checked only at start.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from eventtia_tui.actions import State
from eventtia_tui.screens.attendee_card import AttendeeCardScreen
from eventtia_tui.screens.event_screen import EventScreen
from eventtia_tui.screens.login import LoginScreen
from eventtia_tui.session import RENEW_BEFORE_SYNC
from tests.demo_expo import EXPO, cancel, someone
from tests.screens.pilot import SIZE, open_demo_expo, scan_badge, settle

pytestmark = pytest.mark.hardening

WALK_IN = {"attendee_type_id": 5001, "first_name": "Yolanda", "last_name": "Xochiquetzal",
           "email": "yolanda.q@otherdesk.test", "company": "Otra Mesa", "telephone": "+573001112233",
           "birthdate": "01/02/1985"}
DAY = 86400


async def sign_in(pilot) -> None:
    screen = pilot.app.screen
    assert isinstance(screen, LoginScreen)
    screen.query_one("#email", Input).value = "demo@eventtia.test"
    screen.query_one("#password", Input).value = "demo"
    screen.submit()
    await settle(pilot)


async def test_a_401_on_a_scans_lookup_signs_in_over_the_desk_and_loses_nothing(make_app, api, sandbox_app, clock):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        desk = app.screen
        registered = await api.post(f"/events/{EXPO}/attendees/register", json={"attendee": WALK_IN})
        badge = registered.json()["data"]["attributes"]["qr_code"]  # made at another desk: not in this copy
        person = someone(app.gateway)
        sandbox_app.state.faults.fail_rate = 1.0
        assert (await app.runner.run(cancel(person))).state is State.QUEUED  # a write waiting in the outbox
        sandbox_app.state.faults.fail_rate = 0.0

        clock.advance(31 * DAY)  # "Signature has expired"
        await scan_badge(pilot, badge)
        assert isinstance(app.screen, LoginScreen) and app.screen_stack[-2] is desk  # over the desk, not instead
        assert "expired" in str(app.screen.query_one("#login-error").render())
        assert app.runner.outbox.count() == 1  # the queued write is kept

        await pilot.press("escape")  # put off: the desk goes on from its copy
        await settle(pilot)
        assert app.screen is desk
        desk.action_sync()  # a sync's 401 (background) does not ask again at once after an Esc ...
        await settle(pilot)
        assert app.screen is desk and "sync waits for sign-in" in desk.sync_text
        await scan_badge(pilot, badge)  # ... a person's scan does
        assert isinstance(app.screen, LoginScreen)

        await sign_in(pilot)
        assert isinstance(app.screen, AttendeeCardScreen)  # the scan was asked again: its verdict, not NOT FOUND
        assert app.screen.record.email == WALK_IN["email"] and app.screen_stack[-2] is desk
        assert app.runner.outbox.count() == 0  # the queued cancel went out with the new token
        listed = await app.session.client.list_attendees(EXPO, email=person.email)
        assert person.id not in {found.id for found in listed.items}


async def test_a_token_ending_within_the_hour_asks_to_renew_before_a_sync(make_app, clock):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        desk = app.screen
        assert isinstance(desk, EventScreen)
        clock.advance(30 * DAY - RENEW_BEFORE_SYNC / 2)  # 30 min left of the 30 days
        old = app.session.client.token
        desk.action_sync()
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen) and "ends in 30 min" in str(app.screen.query_one("#login-error").render())
        await sign_in(pilot)
        assert app.screen is desk and app.session.client.token != old
        desk.action_sync()  # renewed: not asked again
        await settle(pilot)
        assert app.screen is desk
