"""What a kiosk may do (`--kiosk --event URI`): one allow-list, not a list of exceptions.

An unattended kiosk serves walk-up people: the attendee search, the card, badge scans, walk-in registration,
help and quit. Nothing else runs there — no export, no copy of an attendee's email or QR text, no theme (it
writes the config file), screenshot, outbox, undo, cancellation, activity change, other tab or other event —
and neither does any action not named here: a command added later is refused on a kiosk until it is added to
this list. The app asks the policy wherever an action runs (a key, a click, the command palette, Textual's
own system commands); the CLI refuses its subcommands with --kiosk.

"Sync now" is left out: the kiosk re-syncs by itself every minute and whenever the network comes back, and
each press would spend the account's request budget that every desk of the venue shares.

Actions are named "Owner.action", Owner being the class that defines `action_<action>`; an entry may pin
the parameters, as the binding writes them: "EventScreen.show_tab('attendees')".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ALLOWED_ACTIONS = frozenset({
    # everywhere
    "EventtiaApp.quit", "EventtiaApp.help", "App.help_quit",  # Ctrl+C says how to quit
    "App.command_palette",  # it lists only what is allowed here
    "App.focus_next", "App.focus_previous",  # Tab and Shift+Tab
    "Screen.dismiss",  # Esc closes help, a card, a verdict
    # the event's screen: its attendee tab only
    "EventScreen.show_tab('attendees')",
    "AttendeeSearch.focus_results", "AttendeeSearch.clear", "AttendeeSearch.clear_box", "AttendeeSearch.register",
    "ResultsList.select", "ResultsList.cursor", "ResultsList.page", "ResultsList.cursor_to",
    # the card: reading it, the same person's newer registration, the others a scanned email names
    "AttendeeCardScreen.open_newer", "AttendeeCardScreen.next_registration",
    # a supervised kiosk desk (admit_on = "key") admits a CONFIRMED badge with Ctrl+A; the card offers it only there
    # (a supervisor's re-admission of an ALREADY ADMITTED badge is not a kiosk's: AttendeeCardScreen.readmit)
    "AttendeeCardScreen.admit",
    # a scan that names nobody, and the walk-in form
    "NotFoundScreen.register",
    "FormModal.close", "RegisterFormScreen.submit",
    "ConfirmScreen.answer",  # "Discard what was typed?", "Quit with writes not sent?"
    # a sign-in the kiosk's token needs again (the desk staff types it)
    "LoginScreen.back",
})

# Textual's own widgets used on those screens: every action of theirs moves a cursor, scrolls, or edits the
# focused box, inside that widget. Any other Textual widget's actions are refused until listed here.
TEXTUAL_WIDGETS = frozenset({
    "Widget", "ScrollableContainer", "VerticalScroll", "ScrollView", "Input", "Button", "DataTable", "OptionList",
    "Tabs", "TabbedContent", "RadioSet", "RadioButton", "ToggleButton", "Select", "SelectOverlay", "CommandPalette",
    "CommandInput", "CommandList",
})

CLI_COMMANDS: frozenset[str] = frozenset()  # `eventtia-tui --kiosk` runs the desk screen, no subcommand


def action_owner(cls: type, action: str) -> type | None:
    """The class in `cls`'s hierarchy that defines the action's method (as Textual looks it up)."""
    for klass in cls.__mro__:
        if f"_action_{action}" in klass.__dict__ or f"action_{action}" in klass.__dict__:
            return klass
    return None


def own_bound_actions(klass: type) -> set[str]:
    """The actions a class of this app (not Textual's) binds keys to itself."""
    if klass.__module__.startswith("textual."):
        return set()
    return {getattr(binding, "action", "") for binding in klass.__dict__.get("BINDINGS", ())}


def app_binder(cls: type, action: str) -> type | None:
    """An action of a Textual widget that one of this app's classes binds to a key of its own (Enter on the
    activities opens a roster) is that class's command, not the widget's: it must be listed to run on a kiosk."""
    return next((klass for klass in cls.__mro__ if action in own_bound_actions(klass)), None)


@dataclass(frozen=True)
class KioskPolicy:
    actions: frozenset[str] = ALLOWED_ACTIONS
    textual_widgets: frozenset[str] = TEXTUAL_WIDGETS
    cli_commands: frozenset[str] = CLI_COMMANDS

    def allows(self, node: object, action: str, parameters: Iterable[object] = ()) -> bool:
        """Whether `action` may run on `node` (a screen, a widget or the app) on a kiosk."""
        return self.allows_on(type(node), action, parameters)

    def allows_on(self, cls: type, action: str, parameters: Iterable[object] = ()) -> bool:
        owner = action_owner(cls, action)
        if owner is None:  # no such action: nothing would run (and Textual logs it)
            return True
        if owner.__module__.startswith("textual.") and owner.__name__ in self.textual_widgets:
            binder = app_binder(cls, action)
            if binder is None:
                return True
            owner = binder
        name = f"{owner.__name__}.{action}"
        pinned = f"{name}({', '.join(repr(value) for value in parameters)})"
        return name in self.actions or pinned in self.actions

    def permits(self, name: str) -> bool:
        """Whether the action named as in ALLOWED_ACTIONS ("Class.action", or pinned with its parameters) is
        allowed: what the help says a kiosk can do comes from here."""
        return name in self.actions

    def allows_command(self, command: str | None) -> bool:
        return command is None or command in self.cli_commands


def refused_command(command: str) -> str:
    return (f"`{command}` is not available in kiosk mode (--kiosk runs the desk's search, card and "
            "registration only).")
