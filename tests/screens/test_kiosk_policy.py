"""Kiosk mode is one allow-list (eventtia_tui/kiosk.py): every binding of every screen and every palette command,
Textual's own included, is enumerated here; only the allowed ones act, the others are not shown and change
nothing."""

import importlib
import inspect
import pkgutil

import pytest
from rich.console import Console
from textual.actions import parse
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from eventtia_tui import screens
from eventtia_tui.app import EventtiaApp
from eventtia_tui.cli import main
from eventtia_tui.kiosk import KioskPolicy, action_owner, own_bound_actions
from eventtia_tui.screens.attendee_card import AttendeeCardScreen
from eventtia_tui.screens.event_screen import EventScreen
from eventtia_tui.screens.help import CAN, api_notes
from eventtia_tui.screens.palette import ScreenCommands
from eventtia_tui.screens.register_form import RegisterFormScreen
from eventtia_tui.screens.scan_verdict import NotFoundScreen
from tests.screens.pilot import SIZE, badges, scan_badge, settle, shows_card_of, type_in

# Every binding id the kiosk may use: the search, the card, scans, walk-in registration, help, quit, and
# closing what is open. A new binding anywhere makes the enumeration below fail until it is decided here.
KIOSK_BINDINGS = {
    "quit", "help", "help-question", "tab-attendees", "search-to-results", "clear-search", "clear-search-box", "register-walk-in", "register-from-results",
    "results-open", "results-up", "results-down", "results-page-up", "results-page-down", "results-first",
    "results-last", "open-newer-registration", "next-named-registration", "verdict-register", "submit-register", "cancel-register",
    "confirm-yes", "confirm-no", "login-back",
    "admit",  # Ctrl+A on a scanned CONFIRMED card, offered only where admit_on = "key" (a supervised kiosk desk)
    # Esc on a screen a kiosk cannot open anyway: closing never changes anything
    "close-card", "close-verdict", "close-help", "close-scan-log", "close-hours", "close-participant-agenda",
    "close-attendee-picker", "close-picker", "close-outbox", "cancel-export", "cancel-activity-edit",
}


def app_classes() -> list[type]:
    """The app and every screen and widget class of the `screens` package that binds keys."""
    found = {EventtiaApp}
    for module in pkgutil.iter_modules(screens.__path__):
        loaded = importlib.import_module(f"eventtia_tui.screens.{module.name}")
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if cls.__module__ == loaded.__name__ and issubclass(cls, (Widget, App)) and "BINDINGS" in cls.__dict__:
                found.add(cls)
    return sorted(found, key=lambda cls: cls.__qualname__)


def target_class(cls: type, action: str) -> tuple[type, str, tuple]:
    namespace, name, parameters = parse(action)
    return {"app": EventtiaApp, "screen": Screen}.get(namespace, cls), name, parameters


def test_every_binding_of_every_screen_is_decided_by_the_policy():
    policy = KioskPolicy()
    allowed, refused = set(), set()
    for cls in app_classes():
        for binding in cls.__dict__["BINDINGS"]:
            assert isinstance(binding, Binding) and binding.id, f"{cls.__name__} binds {binding} without an id"
            target, name, parameters = target_class(cls, binding.action)
            (allowed if policy.allows_on(target, name, parameters) else refused).add(binding.id)
    assert allowed == KIOSK_BINDINGS
    # what the issue names: no export, copy, outbox, cancel, activity change, other tab or event, sync, undo
    assert {"export", "copy-email", "copy-qr", "outbox", "drop-write", "cancel-registration", "add-activity",
            "move-activity", "remove-activity", "edit-activity", "roster-edit-activity", "tab-activities",
            "tab-tickets", "tab-b2b", "leave-event", "sync", "undo", "scan-log", "open-event", "readmit"} <= refused


def test_textual_own_app_and_screen_actions_are_refused_unless_listed():
    policy = KioskPolicy()
    for action in ("change_theme", "screenshot", "toggle_dark", "show_help_panel", "suspend_process", "push_screen",
                   "switch_mode", "toggle_class", "bell"):
        assert not policy.allows_on(EventtiaApp, action), action
    for action in ("copy_text", "maximize", "focus"):
        assert not policy.allows_on(Screen, action), action
    assert not policy.allows_on(Widget, "toggle")  # DOMNode's: sets any attribute
    assert policy.allows_on(EventtiaApp, "quit") and policy.allows_on(Screen, "dismiss")


class NewCommandScreen(EventScreen):
    """A command someone adds later, with no word about kiosks."""

    BINDINGS = [Binding("ctrl+y", "brand_new", "Brand new", id="brand-new")]
    ran = False

    def action_brand_new(self) -> None:
        self.ran = True

    def palette_commands(self):
        return [*super().palette_commands(), ("Brand new", "Something new", self.action_brand_new)]


def shown_keys(screen) -> set[str]:
    return {active.binding.id for active in screen.active_bindings.values() if active.binding.id}


def palette(app, screen) -> set[str]:
    own = {title for title, _, _ in ScreenCommands(screen).commands()}
    return own | {command.title for command in app.get_system_commands(screen)}


def textual_widgets_work(app, screen) -> None:
    """Every key of Textual's own widgets on the screen (typing in a box, moving in a list, opening a select)
    is allowed, unless the app binds that action to a key of its own."""
    for node in [screen, *screen.query("*")]:
        for _key, binding in node._bindings:
            target, name, parameters = app._parse_action(binding.action, node)
            owner = action_owner(type(target), name)
            if owner is not None and owner.__module__.startswith("textual.widget") and not any(
                    binding.action in own_bound_actions(klass) for klass in type(target).__mro__):
                assert app.allows(target, name, parameters), (type(node).__name__, binding.action)


async def refused_bindings_change_nothing(app, pilot) -> list[str]:
    """Run every binding of the screen in front (from its focused widget out to the app) that the policy refuses:
    each returns False, pushes nothing and is not shown. Returns their ids."""
    screen = app.screen
    textual_widgets_work(app, screen)
    stack = list(app.screen_stack)
    refused = []
    for node, bindings in list(screen._binding_chain):
        for _key, binding in bindings:
            target, name, parameters = app._parse_action(binding.action, node)
            if app.allows(target, name, parameters):
                continue
            refused.append(binding.id or binding.action)
            assert await app.run_action(binding.action, node) is False, binding
            await pilot.pause()
            assert app.screen_stack == stack, binding
            assert app._check_action_state(binding.action, node) is False, binding
    assert not shown_keys(screen) & set(refused)
    return refused


async def test_on_the_kiosk_only_the_allowed_keys_and_commands_act(make_app, tmp_path):
    app = make_app(kiosk=True, event_uri="demo-expo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        event = app.screen
        assert isinstance(event, EventScreen)
        assert palette(app, event) == {"Attendees", "Clear search", "Register a walk-in", "Keys and help", "Quit"}
        refused = await refused_bindings_change_nothing(app, pilot)
        assert {"sync", "outbox", "scan-log", "leave-event", "tab-tickets", "export", "undo"} <= set(refused)
        assert shown_keys(event) >= {"register-walk-in", "quit"}

        await type_in(pilot, *"garcia", "down")
        assert palette(app, event) == {"Attendees", "Clear search", "Register a walk-in", "Keys and help", "Quit"}
        assert {"copy-email", "copy-qr", "export"} <= set(await refused_bindings_change_nothing(app, pilot))
        for key in ("ctrl+t", "at", "number_sign", "ctrl+z", "ctrl+o", "f5", "f2", "ctrl+r"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is event, key
        assert event.query_one("TabbedContent").active == "attendees"
        assert not list(tmp_path.rglob("*.csv")) and not list(tmp_path.rglob("*.json"))

        await pilot.press("enter")
        await settle(pilot)
        card = app.screen
        assert isinstance(card, AttendeeCardScreen)
        assert palette(app, card) == {"Close", "Keys and help", "Quit"}
        assert {"cancel-registration", "add-activity", "move-activity", "remove-activity", "copy-email",
                "copy-qr"} <= set(await refused_bindings_change_nothing(app, pilot))
        for key in ("c", "a", "m", "d", "at"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is card, key
        assert "A add" not in str(card.query_one("#card-activities-title").render())
        await pilot.press("question_mark")
        await settle(pilot)
        help_text = str(app.screen.query_one("#help-keys").render())
        assert "Cancel registration" not in help_text and "Export" not in help_text
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen is event

        await scan_badge(pilot, "ffffff|Nobody Here|nobody@nowhere.test|Nowhere - None|")
        assert isinstance(app.screen, NotFoundScreen)  # a scan works, and so does a walk-in's registration
        assert "Ctrl+N registers a walk-in" in str(app.screen.query_one(".status").render())
        await refused_bindings_change_nothing(app, pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, RegisterFormScreen)
        await pilot.press("escape")
        await settle(pilot)
        if not isinstance(app.screen, EventScreen):  # "Discard what was typed?"
            await pilot.press("y")
            await settle(pilot)
        assert app.screen is event
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RegisterFormScreen)
        await refused_bindings_change_nothing(app, pilot)
        kind = form.query_one("#attendee-type")
        kind.focus()
        await pilot.press("enter")  # the attendee type's list opens and a type can be picked
        await settle(pilot)
        assert kind.expanded
        await pilot.press("down", "enter")
        await settle(pilot)
        assert not kind.expanded and not kind.is_blank()

        await pilot.press("escape")
        await settle(pilot)
        if not isinstance(app.screen, EventScreen):  # "Discard what was typed?"
            await pilot.press("y")
            await settle(pilot)
        app.settings.admit_on = "key"  # a supervised kiosk desk: Ctrl+A admits a scanned CONFIRMED badge
        person = next(r for r in badges(app) if r.paid and not r.checked_in)
        await scan_badge(pilot, person.qr_code)
        assert shows_card_of(app, person) and "admit" in shown_keys(app.screen)
        assert app.ledger.first_admission("demo-expo", person.id) is None
        await pilot.press("ctrl+a")
        await settle(pilot)
        assert app.ledger.first_admission("demo-expo", person.id).kind == "admitted"
        await pilot.press("escape")
        await settle(pilot)
        await scan_badge(pilot, person.qr_code)  # ALREADY ADMITTED: re-admitting is a supervisor's, not a kiosk's
        assert app.screen.verdict().words.startswith("ALREADY ADMITTED") and "readmit" not in shown_keys(app.screen)
        await pilot.press("ctrl+a")
        await settle(pilot)
        assert len(app.ledger.of_event("demo-expo")) == 1


async def test_a_new_command_is_refused_on_a_kiosk_until_it_is_listed(make_app):
    app = make_app(kiosk=True, event_uri="demo-expo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = NewCommandScreen("demo-expo", "Demo Expo")
        app.switch_screen(screen)
        await settle(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert not screen.ran
        assert "brand-new" not in shown_keys(screen) and "Brand new" not in palette(app, screen)


async def test_outside_kiosk_mode_everything_is_offered(make_app):
    app = make_app(event_uri="demo-expo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = palette(app, app.screen)
        assert {"Back to events", "Tickets", "Outbox", "Export to CSV or JSON…", "Theme", "Screenshot"} <= titles
        assert {"sync", "outbox", "leave-event"} <= shown_keys(app.screen)


@pytest.mark.parametrize("command", [["export", "demo-expo", "attendees"], ["find", "demo-expo", "ana"],
                                     ["sync", "demo-expo"], ["config"], ["sandbox"]])
def test_the_cli_refuses_subcommands_in_kiosk_mode(command, capsys, tmp_path):
    assert main(["--kiosk", "--event", "demo-expo", *command]) == 2
    error = capsys.readouterr().err
    assert f"`{command[0]}` is not available in kiosk mode" in error and "Traceback" not in error
    assert not any(tmp_path.iterdir())


def test_the_help_says_what_the_kiosk_can_do_from_its_policy():
    """The help's "can do" lines come from the policy: a kiosk's lists finding and the walk-in, never cancel,
    export or the other tabs; each line's action is a real action of a real class (a rename cannot hide it)."""
    classes = {cls.__name__: cls for cls in app_classes()}
    for action, _ in CAN:
        if action is not None:
            owner, _, name = action.partition("(")[0].partition(".")
            assert hasattr(classes[owner], f"action_{name}"), action
    kiosk = Console(width=100, record=True)
    kiosk.print(api_notes(KioskPolicy()))
    shown = kiosk.export_text()
    assert "What this kiosk can do" in shown and "Find anyone" in shown and "Register a walk-in" in shown
    assert "Admit a scanned badge" in shown
    assert "Cancel a registration" not in shown and "Export search results" not in shown and "(F4)" not in shown
    desk = Console(width=100, record=True)
    desk.print(api_notes(None))
    everything = " ".join(desk.export_text().split())
    assert all(line.split(";")[0][:30] in everything for _, line in CAN)
