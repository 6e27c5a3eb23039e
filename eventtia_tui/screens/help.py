"""Help (F12 everywhere, `?` outside a text box, the palette's "Keys and help"): the keys of the screen it was opened on, as bound now (a keymap's rebinds show), and what
this app can and cannot do with Eventtia's API."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static, TabbedContent

from eventtia_tui.kiosk import KioskPolicy
from eventtia_tui.textual_private import action_state, binding_chains

from .base import AppModal
from .footer import AppFooter


@dataclass(frozen=True)
class KeyHelp:
    key: str  # as the footer shows it ("^n", "F1", "?")
    what: str
    where: str  # "this screen" or "everywhere"
    enabled: bool = True


# Only the app's own bindings: the text boxes' and tables' editing keys are the usual ones everywhere.
OWN_MODULES = "eventtia_tui."

SCREEN_TITLES = {
    "EventPickerScreen": "Events", "EventScreen": "Event", "RosterScreen": "Activity roster",
    "AttendeeCardScreen": "Attendee card", "RegisterFormScreen": "Register a walk-in", "OutboxScreen": "Outbox",
    "ScanLogScreen": "Recent scans", "ParticipantAgendaScreen": "Participant agenda",
    "UnavailableHoursScreen": "Unavailable hours", "LoginScreen": "Sign in", "NotFoundScreen": "Scan verdict",
}

# What the app can do, each with the action it needs: a kiosk's help lists only what its policy lets it do.
CAN: tuple[tuple[str | None, str], ...] = (
    (None, "Find anyone in the event's synced copy as you type, offline too; a badge scan opens their card."),
    ("AttendeeSearch.register", "Register a walk-in."),
    ("AttendeeCardScreen.admit", "Admit a scanned badge: on a CONFIRMED scan, or with Ctrl+A where admit_on = \"key\" "
     "(recorded in the ledger of admissions, shared by the venue's machines in venue mode)."),
    ("AttendeeCardScreen.cancel_registration",
     "Cancel a registration or remove someone from an activity (held a few seconds before it is sent: Ctrl+Z in "
     "that time keeps it)."),
    ("AttendeeCardScreen.add_activity",
     "Add, move and remove a person's activities; see an activity's roster; change an activity's name, room, "
     "times or seats."),
    ("EventScreen.show_tab('tickets')",
     "Seats per attendee type, arrivals from the synced check-ins (F4) and the B2B agenda (F3); block a "
     "participant type's unavailable hours."),
    ("EventtiaApp.export",
     "Export search results, a roster, the tickets or the agenda as CSV or JSON (Ctrl+T); copy an attendee's "
     "email (@) or badge QR text (#) from a highlighted attendee or an open card."),
)
CANNOT = (
    "Check someone in: check-ins made with Eventtia's own check-in app show here after the next sync.",
    "Edit an attendee's details (name, email, type…): cancel the registration and register them again.",
    "Create, accept or reject B2B meetings (the agenda is read only), or take payments.",
    "Bring back a registration once its cancellation was sent: Ctrl+Z then offers a new registration (the badge "
    "code, check-in and activities do not carry over).",
)
OFFLINE_NOTE = ("Changes made while offline wait in the outbox (Ctrl+O) and are sent when Eventtia can be reached; "
                "nothing is shown as done before Eventtia has confirmed it.")


def api_notes(kiosk: KioskPolicy | None = None) -> Table:
    """What the app can and cannot do; on a kiosk, only what its policy allows there."""
    table = Table.grid(padding=(0, 1))
    table.add_column(width=1)
    table.add_column(ratio=1)
    can = tuple(line for action, line in CAN if action is None or kiosk is None or kiosk.permits(action))
    title = "What this kiosk can do" if kiosk is not None else "What this app can do with Eventtia's API"
    for heading, lines in ((title, can), ("What it cannot do — Eventtia's API has no way to", CANNOT)):
        table.add_row("", Text(heading, style="bold"))
        for line in lines:
            table.add_row("•", Text(line))
        table.add_row("", "")
    table.add_row("", Text(OFFLINE_NOTE, style="dim"))
    return table


def screen_title(screen: Screen) -> str:
    name = type(screen).__name__
    title = SCREEN_TITLES.get(name, name.removesuffix("Screen"))
    for tabs in screen.query(TabbedContent):  # the event screen: which tab
        if tabs.active:
            return f"{title} — {tabs.get_tab(tabs.active).label.plain}"
    return title


def own_actions(node) -> set[str]:
    """The actions bound by the app's own classes of `node` (not Textual's widgets it builds on)."""
    return {binding.action for cls in type(node).__mro__ if cls.__module__.startswith(OWN_MODULES)
            for binding in cls.__dict__.get("BINDINGS", ()) if isinstance(binding, Binding)}


def key_display(screen: Screen, binding: Binding) -> str:
    key = screen.app.get_key_display(binding)
    return key.upper() if re.fullmatch(r"f\d+", key) else key


def bindings_in_force(screen: Screen) -> list[ActiveBinding]:
    """Every binding that can run on `screen` now, from the focused widget out to the app, keymap applied as
    Textual applies it. Unlike `active_bindings`, a key the focused widget also binds keeps the screen's own
    binding too (the event picker's Enter), and past a modal screen the app's priority keys are kept."""
    app = screen.app
    chain, whole_chain = binding_chains(screen)
    beyond_modal = all(node is not app for node, _ in chain)
    if beyond_modal:
        chain += [(node, bindings) for node, bindings in whole_chain if node is app]
    found = []
    for node, bindings in chain:
        for _key, binding in bindings:
            if node is app and beyond_modal and not binding.priority:
                continue
            state = action_state(app, binding.action, node)
            if state is not False:
                found.append(ActiveBinding(node, binding, bool(state)))
    return found


def keys_of(screen: Screen) -> list[KeyHelp]:
    """The keys that work on `screen` now (its focused widget's, its own, the app's), each once, as bound."""
    app = screen.app
    found: list[KeyHelp] = []
    seen: set[str] = set()
    for active in bindings_in_force(screen):
        binding: Binding = active.binding
        if not binding.description or binding.system or binding.action not in own_actions(active.node):
            continue
        key = key_display(screen, binding)
        if key in seen:  # the one nearest the focus runs, as Textual decides
            continue
        seen.add(key)
        where = "everywhere" if active.node is app else "this screen"
        found.append(KeyHelp(key, binding.description, where, active.enabled))
    found.sort(key=lambda k: k.where == "everywhere")  # this screen's first, in their own order
    return found


def keys_table(keys: list[KeyHelp]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", min_width=8)
    table.add_column()
    table.add_column(style="dim")
    for key in keys:
        table.add_row(Text(key.key), Text(key.what, style="" if key.enabled else "dim"),
                      Text(key.where + ("" if key.enabled else " · not now")))
    return table


class HelpScreen(AppModal):
    BINDINGS = [Binding("escape,f12,question_mark,q", "dismiss", "Close", id="close-help")]

    def __init__(self, title: str, keys: list[KeyHelp]) -> None:
        super().__init__()
        self.title_text = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text(f"Keys · {self.title_text}", style="bold"), id="help-title", classes="title")
            yield Static(keys_table(self.keys), id="help-keys")
            yield Static("A badge scan works on every screen of an event: no key needed. Ctrl+P opens the "
                         "command palette with this screen's commands.", id="help-scan", markup=False)
            yield Static(api_notes(self.desk.kiosk), id="help-api")
        yield AppFooter()

    def palette_commands(self):
        return [("Close help", "Back to the screen (Esc)", self.dismiss)]
