"""Attendee search (F1): every keystroke answers from the local index; a badge scan opens the card."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from eventtia_tui.gateway import AttendeeIndex, AttendeeRecord

from .results_list import ResultsList

RESULT_LIMIT = 50
STATUS_STYLES = {"confirmed": "green", "pending": "yellow", "cancelled": "red", "rejected": "red"}


def status_text(record: AttendeeRecord) -> Text:
    return Text(record.status, style=STATUS_STYLES.get(record.status, ""))


def checked_in_text(record: AttendeeRecord) -> Text:
    return Text("✓", style="bold green") if record.checked_in else Text("")


class AttendeeSearch(Vertical):
    DEFAULT_CLASSES = "event-pane"
    BINDINGS = [
        Binding("down", "focus_results", "Results", show=False),
        Binding("ctrl+l", "clear", "Clear", id="clear-search", show=False),
        Binding("ctrl+n", "register", "Register walk-in", id="register-walk-in", priority=True),
        Binding("n", "register", "Register", id="register-from-results", show=False),
    ]

    def __init__(self, uri: str, *, kiosk: bool = False) -> None:
        super().__init__(id="attendee-search")
        self.uri = uri
        self.kiosk = kiosk
        self.index: AttendeeIndex | None = None
        self.type_names: dict[str, str] = {}
        self.pending_exact: str | None = None
        self.shown: list[tuple[str, str, bool]] = []  # what the table shows, to skip identical redraws

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Name, email, company — or scan a badge", id="attendee-query")
        yield Static("Loading attendees…", id="search-status", classes="status")
        yield ResultsList("Name", "Company", "Type", "Status", "In", "Email", id="attendee-results")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.load_index()

    def data_changed(self) -> None:
        """After a sync or a write: the same index updated in place needs only the query again."""
        gateway = self.app.gateway
        if self.index is not None and gateway.index_if_loaded(self.uri) is self.index:
            self.run_query(self.query_one(Input).value)
        else:
            self.load_index()

    @work(exclusive=True, group="attendee-index", exit_on_error=False)
    async def load_index(self) -> None:
        gateway = self.app.gateway
        table = self.query_one(ResultsList)
        table.loading = self.index is None
        index = await gateway.attendee_index(self.uri)
        if index is None:
            offline = gateway.connection.online is False
            table.loading = not offline
            self.query_one("#search-status", Static).update(
                "No copy of this event's attendees on this machine yet, and Eventtia can't be reached. "
                "Ctrl+R retries." if offline else "Attendees are being synced for the first time…")
            return
        table.loading = False
        snapshot = await asyncio.to_thread(gateway.load_snapshot, self.uri)
        self.index = index
        self.type_names = snapshot.type_names if snapshot else {}
        self.run_query(self.query_one(Input).value)
        if self.pending_exact:
            self.open_exact(self.pending_exact)

    @on(Input.Changed, "#attendee-query")
    def query_changed(self, event: Input.Changed) -> None:
        self.run_query(event.value)

    def run_query(self, query: str) -> None:
        table = self.query_one(ResultsList)
        status = self.query_one("#search-status", Static)
        if self.index is None:
            return
        matches = self.index.search(query, limit=RESULT_LIMIT) if query.strip() else []
        shown = [(m.record.id, m.record.status, m.record.checked_in) for m in matches]
        if shown == self.shown and shown:
            return  # the same rows: keep the table (and its render cache) as it is
        self.shown = shown
        table.show([(m.record.id, self.cells(m.record)) for m in matches])
        if not query.strip():
            active = sum(1 for r in self.index.records.values() if not r.cancelled)
            status.update(f"{active:,} attendees. Type a name, email or company — or scan a badge.")
            return
        if not matches:
            status.update(f"No attendee matches “{query.strip()}”." + ("" if self.kiosk else " Ctrl+N registers a walk-in."))
        elif len(matches) == RESULT_LIMIT:
            status.update(f"Top {RESULT_LIMIT} matches — keep typing to narrow down.")
        else:
            status.update(f"{len(matches)} match{'es' if len(matches) != 1 else ''}. Enter opens the first; ↓ to pick.")

    @on(Input.Submitted, "#attendee-query")
    def submitted(self, event: Input.Submitted) -> None:
        if self.index is None:
            self.pending_exact = event.value  # a scan before the index loaded: open it when it has
            return
        if not self.open_exact(event.value):
            self.open_row(self.query_one(ResultsList).highlighted_key)

    def open_exact(self, text: str) -> bool:
        self.pending_exact = None
        record = self.index.exact(text) if self.index else None
        if record is None:
            return False
        self.open_row(record.id)
        input_widget = self.query_one(Input)
        if "|" in text:  # a scan: clear it, ready for the next badge
            input_widget.value = ""
        return True

    def cells(self, record: AttendeeRecord) -> tuple[str | Text, ...]:
        return (record.full_name or "—", record.company or "—", self.type_names.get(record.type_id, ""),
                status_text(record), checked_in_text(record), record.email or "—")

    @on(ResultsList.Selected, "#attendee-results")
    def row_selected(self, event: ResultsList.Selected) -> None:
        self.open_row(event.key)

    def open_row(self, attendee_id: str | None) -> None:
        record = self.index.get(attendee_id) if self.index and attendee_id else None
        if record is None:
            return
        from .attendee_card import AttendeeCardScreen

        self.app.push_screen(AttendeeCardScreen(self.uri, record, self.type_names.get(record.type_id, ""),
                                                kiosk=self.kiosk))

    def action_focus_results(self) -> None:
        table = self.query_one(ResultsList)
        if table.row_count:
            table.focus()

    def action_clear(self) -> None:
        input_widget = self.query_one(Input)
        input_widget.value = ""
        input_widget.focus()

    def action_register(self) -> None:
        from .register_form import RegisterFormScreen

        # What was searched for and not found is usually the walk-in's name or email: start from it.
        typed = self.query_one(Input).value.strip()
        values: dict[str, str] = {}
        if "@" in typed:
            values["email"] = typed
        elif typed and "|" not in typed:
            first, _, last = typed.partition(" ")
            values = {"first_name": first, "last_name": last}
        self.app.push_screen(RegisterFormScreen(self.uri, values))

    def palette_commands(self):
        return [("Clear search", "Empty the search box (Ctrl+L)", self.action_clear),
                ("Register a walk-in", "Open the registration form (Ctrl+N)", self.action_register)]
