"""Event picker: the user's events, filter as you type, Enter opens one; shows which are synced."""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Input, Static

from eventtia_tui.api.errors import ApiError
from eventtia_tui.api.models import Event
from eventtia_tui.badge import looks_like_badge
from eventtia_tui.gateway import Result, describe_age

from .base import AppScreen, highlighted_key
from .formatting import date_range, zone
from .messages import ConnectionChanged
from .tables import PlainTable


class EventPickerScreen(AppScreen):
    BINDINGS = [
        Binding("enter", "open_event", "Open", id="open-event", show=True),
        Binding("ctrl+r", "reload", "Reload", id="reload-events"),
        Binding("escape", "clear_filter", "Clear filter", id="clear-filter", show=False),
        Binding("down", "cursor_down", show=False),
        Binding("up", "cursor_up", show=False),
    ]

    def __init__(self, select: str | None = None) -> None:
        super().__init__()
        self.select = select
        self.events: list[Event] = []
        self.synced: dict[str, float | None] = {}

    def compose(self) -> ComposeResult:
        yield Static("Events", id="picker-title", classes="title")
        yield Input(placeholder="Type to filter events…", id="event-filter")
        yield PlainTable(id="events", cursor_type="row", zebra_stripes=True)
        yield Static("Loading events…", id="picker-status", classes="status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one(DataTable)
        table.add_columns("Event", "Dates", "Where", "Offline copy")
        self.query_one(Input).focus()
        self.load()

    def is_scan(self, text: str, box: Input | None = None, scanner: bool = False) -> bool:
        """A badge scanned here (see screens/scan_gate.py), not typed into the filter."""
        return scanner or looks_like_badge(text)

    def take_scan(self, text: str, scanner: bool = False) -> None:
        self.app.bell()
        self.notify("That was a badge scan, but no event is open: open the event (Enter on it), then scan again.",
                    severity="warning")

    def palette_commands(self):
        return [("Open event", "Open the highlighted event", self.action_open_event),
                ("Reload events", "Ask Eventtia for the list again", self.action_reload)]

    @work(exclusive=True, group="events", exit_on_error=False)
    async def load(self, force: bool = False) -> None:
        gateway = self.app.gateway
        table = self.query_one(DataTable)
        table.loading = not self.events
        try:
            result = await gateway.events(on_update=lambda r: self.call_later(self.show, r), force=force)
        except ApiError as error:
            self.query_one("#picker-status", Static).update(
                f"Could not load events: {error.message} Ctrl+R tries again.")
            return
        finally:
            table.loading = False
        await self.show(result)

    async def show(self, result: Result[list[Event]]) -> None:
        gateway = self.app.gateway
        self.events = sorted(result.value, key=lambda e: (e.start_date is None, e.start_date))
        uris = [e.event_uri or "" for e in self.events]
        synced = await asyncio.to_thread(lambda: {uri: gateway.synced_at(uri) for uri in uris})
        self.synced = synced
        status = f"{len(self.events)} events"
        if result.offline:
            status += f" — offline, list from {describe_age(result.age(self.app.clock()))}"
        self.query_one("#picker-status", Static).update(status)
        self.refill()

    def refill(self) -> None:
        table = self.query_one(DataTable)
        needle = self.query_one(Input).value.strip().casefold()
        table.clear()
        now = self.app.clock()
        for event in self.events:
            text = f"{event.name} {event.event_uri} {event.address}".casefold()
            if needle and needle not in text:
                continue
            synced_at = self.synced.get(event.event_uri or "")
            copy = "not synced" if synced_at is None else f"synced {describe_age(now - synced_at)}"
            table.add_row(event.name or event.event_uri or "?",
                          date_range(event.start_date, event.end_date, zone(event.timezone)),
                          event.address or "—", copy, key=event.event_uri)
        if self.select and self.select in table.rows:
            table.move_cursor(row=table.get_row_index(self.select))
            self.select = None
        if table.row_count == 0 and self.events:
            self.query_one("#picker-status", Static).update("No event matches the filter. Esc clears it.")

    @on(Input.Changed, "#event-filter")
    def filter_changed(self) -> None:
        self.refill()

    @on(Input.Submitted, "#event-filter")
    @on(DataTable.RowSelected, "#events")
    def action_open_event(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return
        uri = highlighted_key(table)
        event = next((e for e in self.events if e.event_uri == uri), None)
        self.app.open_event(uri, event.name if event else uri)

    def action_reload(self) -> None:
        self.load(force=True)

    def action_clear_filter(self) -> None:
        self.query_one(Input).value = ""

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        if message.connection.online:
            self.load()
