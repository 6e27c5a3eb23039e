"""The config file in a real app run: a [keymap] rebinding by binding id, and the palette's theme kept across runs."""

from __future__ import annotations

import httpx
import pytest
from textual.binding import Binding
from textual.dom import DOMNode

from eventtia_tui.api.client import EventtiaClient
from eventtia_tui.api.tokens import TokenStore
from eventtia_tui.app import EventtiaApp
from eventtia_tui.screens.confirm import ConfirmScreen
from eventtia_tui.screens.keymap import known_bindings, subclasses
from eventtia_tui.session import Session, Settings
from tests.demo_expo import BASE_URL
from tests.screens.pilot import SIZE, settle


@pytest.fixture
def app_from_config(dirs, sandbox_app, clock, fast_retry):
    """The app with its settings read the way the command line reads them (config file, then env, then flags)."""

    def build(config: str | None = None) -> EventtiaApp:
        if config is not None:
            (dirs / "config").mkdir(exist_ok=True)
            (dirs / "config" / "config.toml").write_text(config, encoding="utf-8")
        settings = Settings.from_env(BASE_URL, demo=False)
        settings.demo = True  # signs in as the demo user, on the in-process sandbox
        client = EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=sandbox_app), retry=fast_retry)
        return EventtiaApp(Session(settings, client, TokenStore(dirs / "config"), clock=clock), cursor_blink=False)

    return build


async def test_a_keymap_rebinds_a_key_by_its_binding_id(app_from_config):
    app = app_from_config('[keymap]\ntab-tickets = "f9"\nsync = "ctrl+y"\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # Demo Expo
        await settle(pilot)
        tabs = app.screen.query_one("TabbedContent")
        titles = [str(tab.label) for tab in app.screen.query("ContentTab")]
        assert titles == ["F1 Attendees", "F2 Activities", "F3 B2B agenda", "F9 Tickets"]  # the tab says its key
        await pilot.press("f4")  # no longer Tickets
        await settle(pilot)
        assert tabs.active == "attendees"
        await pilot.press("f9")
        await settle(pilot)
        assert tabs.active == "tickets"
        keys = set(app.screen.active_bindings)  # what the footer and the Keys panel show
        assert "f9" in keys and "f4" not in keys and "ctrl+y" in keys and "ctrl+r" not in keys


async def test_an_unknown_binding_id_is_named(app_from_config):
    app = app_from_config('[keymap]\ntab-tikets = "f9"\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert any("no binding called tab-tikets" in str(note.message) for note in app._notifications)


async def test_the_palette_theme_is_kept_for_the_next_run(app_from_config, dirs):
    config = dirs / "config" / "config.toml"
    app = app_from_config('# the desk\nundo_window = 10\n\n[keymap]\nsync = "f9"\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+p", *"theme")  # the palette's "Theme" command, then its list of themes
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*"nord", "enter")
        await settle(pilot)
        assert app.theme == "nord"
    assert config.read_text() == '# the desk\nundo_window = 10\ntheme = "nord"\n\n[keymap]\nsync = "f9"\n'

    again = app_from_config()
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "nord" and again.session.settings.undo_window == 10


async def test_a_theme_the_app_does_not_know_leaves_the_default_and_the_file(app_from_config, dirs):
    app = app_from_config('theme = "no-such-theme"\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        assert any("No theme called 'no-such-theme'" in str(note.message) for note in app._notifications)
    assert (dirs / "config" / "config.toml").read_text() == 'theme = "no-such-theme"\n'


def test_every_binding_of_the_app_has_an_id_for_the_keymap():
    known = known_bindings(EventtiaApp)  # imports every screen
    ours = [cls for cls in [EventtiaApp, *subclasses(DOMNode)] if cls.__module__.startswith(("eventtia_tui.screens.", "eventtia_tui."))]
    missing = [f"{cls.__name__}: {binding}" for cls in ours for binding in cls.__dict__.get("BINDINGS", [])
               if not isinstance(binding, Binding) or not binding.id]
    assert not missing
    assert {"quit", "tab-tickets", "results-down", "events-down", "confirm-yes"} <= set(known)


async def test_the_palette_theme_replaces_a_quoted_theme_key_and_keeps_its_comment(app_from_config, dirs):
    """`"theme" = …` is the theme key: a second `theme =` line would stop the next start ("Cannot overwrite")."""
    config = dirs / "config" / "config.toml"
    app = app_from_config('"theme" = "dracula"  # the desk likes it dark\nundo_window = 10\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "dracula"
        await pilot.press("ctrl+p", *"theme")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*"nord", "enter")
        await settle(pilot)
        assert app.theme == "nord"
    assert config.read_text() == '"theme" = "nord"  # the desk likes it dark\nundo_window = 10\n'
    again = app_from_config()
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "nord"


async def test_a_keymap_id_with_escape_sequences_is_named_in_a_toast_as_text(app_from_config):
    app = app_from_config('[keymap]\n"tab\\u001b]0;PWNED\\u0007\\u202e" = "f9"\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        [note] = [note for note in app._notifications if "no binding called" in str(note.message)]
        assert "tab␛]0;PWNED␇\ufffd" in note.message and "\x1b" not in note.message and "\u202e" not in note.message


async def test_the_confirm_buttons_name_the_keys_in_force_and_ctrl_c_says_how_to_quit(app_from_config):
    app = app_from_config('[keymap]\nconfirm-yes = "j"\nconfirm-no = "k,escape"\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await settle(pilot)
        hint = [str(note.message) for note in app._notifications if "quit" in str(note.message)]
        assert hint and "[b]" not in hint[-1] and hint[-1].startswith("Press ")
        answers = []
        app.push_screen(ConfirmScreen("Sure?", "Drop"), answers.append)
        await settle(pilot)
        labels = [str(button.label) for button in app.screen.query("Button")]
        assert labels == ["Drop (J)", "Keep it (K)"]
        await pilot.press("n")  # no longer an answer
        await settle(pilot)
        assert answers == []
        await pilot.press("k")
        await settle(pilot)
        assert answers == [False]


async def test_a_key_that_is_a_markup_character_shows_as_itself_in_its_tab_title(app_from_config):
    app = app_from_config('[keymap]\ntab-tickets = "["\n')
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # Demo Expo
        await settle(pilot)
        titles = [str(tab.label) for tab in app.screen.query("ContentTab")]
        assert titles[-1] == "[ Tickets"
