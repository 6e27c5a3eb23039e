import os
import stat

from textual.widgets import Input

from eventtia_tui.screens.attendee_card import AttendeeCardScreen
from eventtia_tui.screens.event_picker import EventPickerScreen
from eventtia_tui.screens.event_screen import EventScreen
from eventtia_tui.screens.login import LoginScreen
from tests.screens.pilot import SIZE, post_keys, settle, type_in


def test_login_snapshot(snap_compare, make_app):
    assert snap_compare(make_app(demo=False), terminal_size=SIZE, run_before=settle)


async def test_wrong_password_is_said_inline_then_sign_in_works(make_app, tmp_path):
    app = make_app(demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await pilot.press(*"demo@eventtia.test", "enter", *"wrong", "enter")
        await settle(pilot)
        assert "Wrong username or password." in str(app.screen.query_one("#login-error").render())
        assert app.screen.query_one("#password", Input).value == ""
        assert app.screen.query_one("#email", Input).value == "demo@eventtia.test"
        await pilot.press(*"demo", "enter")
        await settle(pilot)
        assert isinstance(app.screen, EventPickerScreen)
    token_file = tmp_path / "config" / "token.json"
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    assert "demo" not in token_file.read_text().replace("demo@eventtia.test", "")


async def test_a_stored_token_skips_the_login(make_app):
    first = make_app(demo=False)
    async with first.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"demo@eventtia.test", "enter", *"demo", "enter")
        await settle(pilot)
    again = make_app(demo=False)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, EventPickerScreen)


async def test_empty_login_is_refused_without_a_request(make_app):
    app = make_app(demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter", "enter")
        assert "Enter your Eventtia email and password." in str(app.screen.query_one("#login-error").render())


def test_kiosk_snapshot(snap_compare, make_app):
    assert snap_compare(make_app(kiosk=True, event_uri="demo-expo"), terminal_size=SIZE, run_before=settle)


async def test_kiosk_cannot_leave_the_event_or_open_other_tabs(make_app):
    app = make_app(kiosk=True, event_uri="demo-expo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EventScreen) and app.kiosk is not None
        for key in ("escape", "f2", "f3", "f4"):
            await pilot.press(key)
            assert app.screen is screen
            assert screen.query_one("TabbedContent").active == "attendees"
        titles = [title for title, _, callback in screen.palette_commands() if app.allows_callback(callback)]
        assert "Back to events" not in titles and "Tickets" not in titles
        assert len(screen.query("TabPane")) == 1
        await type_in(pilot, *"garcia", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AttendeeCardScreen)


async def test_esc_empties_a_kiosks_search_box_and_never_leaves(make_app):
    app = make_app(kiosk=True, event_uri="demo-expo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        box = screen.query_one("#attendee-query")
        await type_in(pilot, *"aguilar")
        await settle(pilot)
        assert box.value == "aguilar"
        await pilot.press("escape")
        await settle(pilot)
        assert box.value == "" and app.screen is screen
        await pilot.press("escape")  # on an empty box: the kiosk stays on its event
        await settle(pilot)
        assert app.screen is screen and box.value == ""


async def test_command_palette_lists_the_screens_commands(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+p", *"tickets")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("TabbedContent").active == "tickets"


async def test_a_sign_in_typed_in_one_burst_lands_field_by_field(make_app):
    """A password manager's auto-type (or a laggy SSH link) delivers email, Enter, password, Enter at once: each
    key lands in the box the one before it left focused, never the password in the email box."""
    app = make_app(demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        keys = [*"demo@eventtia.test", "enter", *"demo", "enter"]
        post_keys(app, keys, [0.5] + [0.003] * (len(keys) - 1))
        await settle(pilot)
        assert isinstance(app.screen, EventPickerScreen)
