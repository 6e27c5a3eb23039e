"""Attendee search (F1): every keystroke answers from the local index; a badge scan opens the card.

The search never waits for a sync: while the first one is still pulling (or for a scanned badge or an
email this machine's copy does not know), Eventtia itself is asked — in the request budget's
interactive lane, ahead of the sync — and the answer is kept and shown, marked as fetched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Input, Static

from eventtia_tui.api.errors import ApiError, AuthError, RateLimited
from eventtia_tui.badge import BY_EMAIL, Badge, BadgeMatch, split_name
from eventtia_tui.gateway import look_up, look_up_badge
from eventtia_tui.store.index import AttendeeIndex
from eventtia_tui.store.records import AttendeeRecord
from eventtia_tui.textual_private import SteadyInput
from eventtia_tui.verdict import (
    FETCHING,
    NOT_FOUND_ANYWHERE,
    NOT_FOUND_HERE,
    NOT_FOUND_OFFLINE,
    UNAVAILABLE,
    PersonFacts,
    Unknown,
    Verdict,
    not_found_held_back,
    type_prices,
)

from .attendee_card import AttendeeCardScreen
from .base import EventPane, EventPlace, event_zone, show_loading
from .formatting import one_line
from .messages import AttendeesShown
from .register_form import RegisterFormScreen
from .results_list import ResultsList
from .scan_verdict import NotFoundScreen
from .verdict_banner import verdict_cell

RESULT_LIMIT = 50
LOOKUP_DELAY = 0.6  # seconds of no typing before a name not found here is asked of Eventtia
SIGN_IN_FIRST = "Eventtia asks to sign in again: “{}” is asked again once you have."
def mentions(record: AttendeeRecord, text: str) -> bool:
    """Every typed word is in the name, email or company (for attendees fetched from Eventtia)."""
    haystack = f"{record.full_name} {record.email} {record.company}".casefold()
    return all(word in haystack for word in text.casefold().replace("|", " ").split())


class QueryBox(SteadyInput):
    """The search box: its size never changes, so typing in it lays nothing out again."""


class AttendeeSearch(EventPane, Vertical):
    DEFAULT_CLASSES = "event-pane"
    BINDINGS = [
        Binding("down", "focus_results", "Results", show=False, id="search-to-results"),
        Binding("ctrl+l", "clear", "Clear", id="clear-search", show=False),
        # Esc in the search empties the box; on an empty one it goes on to the event screen's Esc (leave the event),
        # so a kiosk, which may not leave, still empties its box with Esc.
        Binding("escape", "clear_box", "Clear", id="clear-search-box", show=False),
        Binding("ctrl+n", "register", "Register walk-in", id="register-walk-in", priority=True),
        Binding("n", "register", "Register", id="register-from-results", show=False),
    ]

    def __init__(self, uri: str) -> None:
        super().__init__(id="attendee-search")
        self.uri = uri
        self.index: AttendeeIndex | None = None
        self.type_names: dict[str, str] = {}
        self.pending_exact: tuple[str, bool] | None = None  # (text, scanned) to open once the index has loaded
        self.shown: list[tuple[str, Verdict]] = []  # what the table shows, to skip identical redraws
        self.prices: Mapping[str, float | None] | Unknown = FETCHING  # the attendee types' prices, for each row's verdict
        self.complete = True  # False while the first sync is still pulling this event's attendees
        self.fetched: dict[str, AttendeeRecord] = {}  # attendees Eventtia was asked for, by id
        self.asked: set[str] = set()  # queries already asked of Eventtia (never twice)
        self.lookup_timer: Timer | None = None
        self.lookup_text = ""  # what the pending lookup is for
        self.scans = 0  # badge scans so far: an answer from Eventtia for an older scan is not shown
        self.status = ""  # what the status line says

    def compose(self) -> ComposeResult:
        yield QueryBox(placeholder="Name, email, company — or scan a badge", id="attendee-query")
        yield Static("Loading attendees…", id="search-status", classes="status", markup=False)
        # The verdict right after the name, as on the roster: at 80 columns it is seen whole.
        yield ResultsList("Name", "Verdict", "Company", "Type", "Email", id="attendee-results")

    def on_mount(self) -> None:
        box = self.query_one(Input)
        box.focus()
        # The rows follow the text in the same call as the key that changed it (an Input.Changed message
        # would be handled after the box's own frame, and the rows would wait a frame for theirs).
        self.watch(box, "value", self.run_query, init=False)
        self.watch(box, "value", self.box_emptied_or_filled, init=False)
        self.load_index()
        self.run_worker(self.load_prices(), group="attendee-prices", exit_on_error=False)

    def data_changed(self) -> None:
        """After a sync or a write: the same index updated in place needs only the query again."""
        gateway = self.desk.reads
        if self.index is not None and gateway.index_if_loaded(self.uri) is self.index:
            self.complete = gateway.is_complete(self.uri)  # the list is in memory: no I/O
            self.run_query(self.query_one(Input).value)
        else:
            self.load_index()

    @work(exclusive=True, group="attendee-index", exit_on_error=False)
    async def load_index(self) -> None:
        gateway = self.desk.reads
        table = self.query_one(ResultsList)
        show_loading(table, self.index is None)
        index = await gateway.attendee_index(self.uri)
        if index is None:
            self.complete = False
            offline = gateway.connection.online is False
            show_loading(table, not offline)
            self.say(
                "No copy of this event's attendees on this machine yet, and Eventtia can't be reached. "
                "Ctrl+R retries." if offline else "Attendees are being synced for the first time…")
            self.call_after_refresh(self.post_message, AttendeesShown())
            return
        show_loading(table, False)
        snapshot = await asyncio.to_thread(gateway.load_snapshot, self.uri)
        self.complete = await asyncio.to_thread(gateway.is_complete, self.uri)
        self.index = index
        self.type_names = snapshot.type_names if snapshot else {}
        self.run_query(self.query_one(Input).value)
        if self.pending_exact:
            self.open_exact(*self.pending_exact)
        self.desk.screens_settled()
        self.call_after_refresh(self.post_message, AttendeesShown())
        await asyncio.to_thread(index.warm)

    async def load_prices(self) -> None:
        """The attendee types' prices (a cached read, beside the index's load): an unpaid row and a card opened
        from here say CHECKING… until they are here."""
        prices: Mapping[str, float | None] | Unknown
        try:
            prices = type_prices((await self.desk.reads.attendee_types(self.uri)).value)
        except ApiError:
            prices = UNAVAILABLE if self.prices is FETCHING else self.prices
        if prices != self.prices:
            self.prices = prices
            self.run_query(self.query_one(Input).value)

    def run_query(self, query: str) -> None:
        table = self.query_one(ResultsList)
        text = query.strip()
        if self.lookup_timer is not None and self.lookup_text != text:  # for what was typed before: not wanted
            self.lookup_timer.stop()
            self.lookup_timer = None
        if self.index is None and not text:
            return  # the status line says why there is nothing yet
        records = [m.record for m in self.index.search(query, limit=RESULT_LIMIT)] if self.index and text else []
        if not records and not self.complete and text:
            records = [r for r in self.fetched.values() if mentions(r, text)
                       and (self.index is None or self.index.get(r.id) is None)][:RESULT_LIMIT]
        facts = self.facts()
        verdicts = [facts.verdict(r) for r in records]
        shown = [(r.id, verdict) for r, verdict in zip(records, verdicts)]
        if shown != self.shown or not shown:  # the same rows: the table (and its render cache) stays as it is
            self.shown = shown
            table.show([(r.id, self.cells(r, verdict)) for r, verdict in zip(records, verdicts)])
        if not text and self.index is not None:  # (no index and no text returned above)
            active = self.index.active
            self.say(f"{active:,} attendees. Type a name, email or company — or scan a badge." if self.complete
                     else f"{active:,} attendees here so far — the first sync is still running, so Eventtia "
                          "is asked for anyone not found here.")
            return
        fetched = sum(1 for r in records if r.id in self.fetched)
        from_eventtia = f" ({fetched} just fetched from Eventtia)" if fetched else ""
        if not records:
            self.say(f"No attendee matches “{one_line(text, 60)}”. Ctrl+N registers a walk-in.")
            if not self.complete:
                self.ask_later(text)
        elif len(records) == RESULT_LIMIT:
            self.say(f"Top {RESULT_LIMIT} matches — keep typing to narrow down.")
        else:
            self.say(f"{len(records)} match{'es' if len(records) != 1 else ''}{from_eventtia}. "
                     "Enter opens the first; ↓ to pick.")

    def say(self, text: str) -> None:
        """The status line: one line high (app.tcss), so new text needs a repaint of it, never a layout."""
        if text != self.status:
            self.status = text
            self.query_one("#search-status", Static).update(text, layout=False)

    def ask_later(self, text: str) -> None:
        """Once typing pauses, ask Eventtia for what this machine's copy does not have (yet). A pending lookup
        is for this same text (run_query drops one for another): the sync's pages re-run the query twice a
        second, and it keeps its time."""
        if self.lookup_timer is not None:
            return
        if len(text) >= 3 and text.casefold() not in self.asked:
            self.lookup_text = text
            if LOOKUP_DELAY > 0:
                self.lookup_timer = self.set_timer(LOOKUP_DELAY, lambda: self.ask_eventtia(text))
            else:
                self.call_later(self.ask_eventtia, text)

    @work(exclusive=True, group="attendee-lookup", exit_on_error=False)
    async def ask_eventtia(self, text: str) -> None:
        """A typed name or email this machine's copy does not have (yet): Eventtia's answer joins the rows."""
        if self.lookup_text == text:
            self.lookup_timer = None
        if self.query_text() != text:
            return  # typing went on: what is in the box now has its own answer
        self.say(f"Not on this machine yet — asking Eventtia for “{one_line(text, 60)}”…")
        try:
            records = await look_up(self.desk.reads, self.uri, text)
        except AuthError as error:  # the sign-in screen: asked again once signed in
            self.say(SIGN_IN_FIRST.format(one_line(text, 60)))
            self.desk.when_signed_in(lambda: self.ask_eventtia(text), ask=error.message)
            return
        except ApiError as error:
            self.say(f"Could not ask Eventtia: {one_line(error.message, 120)}")
            return
        self.asked.add(text.casefold())
        self.fetched.update((record.id, record) for record in records)
        if self.query_text() != text:
            self.run_query(self.query_one(Input).value)  # typing went on: its own answer, not "asking…"
            return
        if not records:
            self.say(f"No attendee matches “{one_line(text, 60)}”, here or on Eventtia. Ctrl+N registers a walk-in.")
            return
        self.shown = []
        self.run_query(text)

    @work(exclusive=True, group="badge-lookup", exit_on_error=False)
    async def ask_eventtia_for_badge(self, text: str, scanned: bool, here: BadgeMatch[AttendeeRecord],
                                     scans: int) -> None:
        """A badge (or an email, Enter pressed) this copy names by its email only, or not at all: Eventtia may
        hold its own registration (cancelled, or made at another desk). `here`: what this copy found;
        `scans`: the scan count when asked (a newer scan makes the answer stale)."""
        badge = Badge.parse(text)
        self.say(f"Not on this machine yet — asking Eventtia for “{one_line(text, 60)}”…")
        unasked = NOT_FOUND_OFFLINE
        try:
            found = await look_up_badge(self.desk.reads, self.uri, badge)
        except AuthError as error:  # no verdict from a refused token: the sign-in screen, asked again after it
            self.say(SIGN_IN_FIRST.format(one_line(text, 60)))
            self.desk.when_signed_in(lambda: self.ask_eventtia_for_badge(text, scanned, here, scans), ask=error.message)
            return
        except ApiError as error:
            self.say(f"Could not ask Eventtia: {one_line(error.message, 120)}")
            found = None
            if isinstance(error, RateLimited) and (held_back := self.desk.reads.held_back()):
                unasked = not_found_held_back(held_back)
        if scans != self.scans:
            return
        if not here and self.index is not None:  # it loaded while Eventtia was asked
            here = self.index.find(badge)
        if found is not None:
            self.asked.add(text.casefold())
            self.fetched.update((record.id, record) for record in found.found)
        best = found or here  # Eventtia's answer holds every registration with the email, cancelled ones too
        if best:
            self.open_match(text, best, scanned)
        elif scanned or badge.is_qr:
            self.not_found(text, NOT_FOUND_ANYWHERE if found is not None else unasked)
        elif found is not None:
            self.run_query(self.query_one(Input).value)
            if self.query_text() == text:
                self.say(f"No attendee matches “{one_line(text, 60)}”, here or on Eventtia. Ctrl+N registers a walk-in.")

    @on(Input.Submitted, "#attendee-query")
    def submitted(self, event: Input.Submitted) -> None:
        if not self.find_exact(event.value, scanned=Badge.parse(event.value).is_qr):
            self.open_row(self.query_one(ResultsList).highlighted_key)

    def scan(self, text: str, scanner: bool = False) -> None:
        """A badge scan (from anywhere on the event's screens): one card with one verdict, box ready again.
        `scanner`: typed as only a scanner types, so text that names nobody is NOT FOUND, not a search."""
        self.scans += 1
        box = self.query_one(Input)
        box.value = ""
        box.focus()
        badge = Badge.parse(text)
        if self.find_exact(badge.text, scanned=scanner or badge.is_qr or self.names_someone(badge)):
            return
        if badge.is_qr or scanner:
            self.not_found(badge.text, NOT_FOUND_HERE)
        else:
            box.value = text  # a person's typing that arrived in bursts: search for it

    def names_someone(self, badge: Badge) -> bool:
        """A burst that names a registration by its code or QR is a badge, however it was typed."""
        return self.index is not None and self.index.find(badge).by_the_badge

    def find_exact(self, text: str, scanned: bool = False) -> bool:
        """Open the registrations a badge, a code, a uuid or an email names, here or (by its email) on Eventtia.
        `scanned`: a badge scan (its card rings and goes into the scan log). False when the text names nobody
        here and holds no email to ask about."""
        badge = Badge.parse(text)
        here: BadgeMatch[AttendeeRecord] = BadgeMatch("")
        if self.index is None and not badge.email:
            self.pending_exact = (text, scanned)  # before the index loaded: opened when it has
            return True
        if self.index is not None:
            here = self.index.find(badge)
        if here and (here.by != BY_EMAIL or not badge.is_qr):
            self.open_match(text, here, scanned)
            return True
        if badge.email:  # found by its email only, or not at all: Eventtia may hold the badge's own registration
            self.ask_eventtia_for_badge(badge.text, scanned, here, self.scans)
            return True
        return False

    def not_found(self, text: str, verdict: Verdict) -> None:
        self.app.push_screen(NotFoundScreen(self.uri, text, verdict))
        self.run_query(self.query_one(Input).value)  # the status line no longer says "asking Eventtia…"

    def open_exact(self, text: str, scanned: bool = False) -> None:
        """A scan that came before the index had loaded."""
        self.pending_exact = None
        if not self.find_exact(text, scanned) and scanned:
            self.not_found(text, NOT_FOUND_HERE)

    def open_match(self, text: str, match: BadgeMatch[AttendeeRecord], scanned: bool) -> None:
        """The card of the first registration a badge names (the others a key away on it)."""
        self.open_record(match.found[0], scanned=Badge.parse(text).text if scanned else None, named=match)

    def facts(self) -> PersonFacts:
        """What each row's verdict needs beyond the record (the same as the card's)."""
        return PersonFacts(self.prices, event_zone(self), self.desk.ledger.firsts(self.uri))

    def cells(self, record: AttendeeRecord, verdict: Verdict) -> tuple[str | Text, ...]:
        return (record.full_name or "—", verdict_cell(verdict),  # the verdict says when someone checked in
                record.company or "—", self.type_names.get(record.type_id, ""), record.email or "—")

    @on(ResultsList.Selected, "#attendee-results")
    def row_selected(self, event: ResultsList.Selected) -> None:
        self.open_row(event.key)

    def open_row(self, attendee_id: str | None) -> None:
        record = (self.index.get(attendee_id) if self.index and attendee_id else None) or self.fetched.get(attendee_id or "")
        if record is not None:
            self.open_record(record)

    def open_record(self, record: AttendeeRecord, *, scanned: str | None = None,
                    named: BadgeMatch[AttendeeRecord] | None = None) -> None:
        """The attendee's card; `scanned` is the badge text when a scan opened it (the card then rings and goes
        into the scan log); `named`: the registrations the scanned or typed text named, and how."""
        if scanned:  # clear the scan, ready for the next badge
            self.query_one(Input).value = ""
        self.app.push_screen(AttendeeCardScreen(self.uri, record, self.type_names.get(record.type_id, ""),
                                                scanned=scanned, named=named, prices=self.prices))

    def query_text(self) -> str:
        return self.query_one(Input).value.strip()

    def ready_for_typing(self) -> None:
        """Back from a card: the text stays visible but selected, so the next name typed replaces it."""
        box = self.query_one(Input)
        if box.value:
            box.select_all()

    def action_focus_results(self) -> None:
        table = self.query_one(ResultsList)
        if table.row_count:
            table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Esc on an empty box is the event screen's (shown in the footer as leaving the event).
        return bool(self.query_one(Input).value) if action == "clear_box" else True

    def box_emptied_or_filled(self, before: str, after: str) -> None:
        if bool(before) != bool(after):
            self.screen.refresh_bindings()

    def action_clear_box(self) -> None:
        screen = self.screen
        if not (isinstance(screen, EventPlace) and screen.esc_meant_for_a_card()):
            self.action_clear()

    def action_clear(self) -> None:
        input_widget = self.query_one(Input)
        input_widget.value = ""
        input_widget.focus()

    def action_register(self) -> None:
        # What was searched for and not found is usually the walk-in's name or email: start from it.
        typed = self.query_one(Input).value.strip()
        values: dict[str, str] = {}
        if "@" in typed:
            values["email"] = typed
        elif typed and not Badge.parse(typed).is_qr:
            # Split as a badge's name is; one word is what a desk searches by, the last name.
            first, last = split_name(typed)
            values = {"first_name": first, "last_name": last}
        self.app.push_screen(RegisterFormScreen(self.uri, values))

    def palette_commands(self):
        return [("Clear search", "Empty the search box (Ctrl+L)", self.action_clear),
                ("Register a walk-in", "Open the registration form (Ctrl+N)", self.action_register)]
