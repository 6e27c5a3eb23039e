"""Event picker: the user's events, filter as you type, Enter opens one; shows which are synced."""

from __future__ import annotations

import asyncio
from datetime import datetime

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from eventtia_tui.api.errors import ApiError
from eventtia_tui.api.models import Event
from eventtia_tui.badge import looks_like_badge
from eventtia_tui.gateway import Result, describe_age

from .base import AppScreen, highlighted_key, show_loading
from .footer import AppFooter
from .formatting import CELL_WIDTH, date_range, local, one_line, zone
from .messages import ConnectionChanged
from .tables import PlainTable

COLUMNS = ("Event", "Dates", "Where", "Offline copy")
WHERE = COLUMNS.index("Where")
MIN_WHERE = 10


class EventPickerScreen(AppScreen):
    BINDINGS = [
        Binding("enter", "open_event", "Open", id="open-event", show=True),
        Binding("ctrl+r", "reload", "Reload", id="reload-events"),
        Binding("escape", "clear_filter", "Clear filter", id="clear-filter", show=False),
        # Priority: the list's own ↑ would otherwise keep the focus in the list on its first row.
        Binding("down", "cursor_down", show=False, priority=True, id="events-down"),
        Binding("up", "cursor_up", show=False, priority=True, id="events-up"),
    ]

    def __init__(self, select: str | None = None) -> None:
        super().__init__()
        self.select = select
        self.events: list[Event] = []
        self.synced: dict[str, float | None] = {}
        self.list_status = "Loading events…"  # what the status line says of the list (how many, how old)

    def compose(self) -> ComposeResult:
        yield Static("Events", id="picker-title", classes="title")
        yield Input(placeholder="Type to filter events…", id="event-filter")
        yield PlainTable(id="events", cursor_type="row", zebra_stripes=True)
        yield Static("Loading events…", id="picker-status", classes="status", markup=False)
        yield AppFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.query_one(Input).focus()
        self.load()

    def on_screen_resume(self) -> None:
        """Back from an event (Esc): its copy was just synced, so "Offline copy" is read again."""
        if self.events:
            self.reread_synced()

    @work(exclusive=True, group="events-synced", exit_on_error=False)
    async def reread_synced(self) -> None:
        self.synced = await self.synced_of(self.events)
        self.refill()

    async def synced_of(self, events: list[Event]) -> dict[str, float | None]:
        """When each event's offline copy was last synced (None: never), read off the UI thread."""
        gateway = self.desk.reads
        uris = [e.event_uri or "" for e in events]
        return await asyncio.to_thread(lambda: {uri: gateway.synced_at(uri) for uri in uris})

    def current_event(self) -> str | None:
        """The event on today (in its own time zone), else the next to come, else the latest: where the
        cursor starts, rather than on the oldest event."""
        now = self.desk.clock()
        dated = [(e, e.start_date) for e in self.events if e.start_date is not None and e.event_uri]
        for event, start in dated:
            tz = zone(event.timezone)
            today = datetime.fromtimestamp(now, tz).date()
            starts, ends = local(start, tz), local(event.end_date or start, tz)
            if starts is not None and ends is not None and starts.date() <= today <= ends.date():
                return event.event_uri
        upcoming = [(e, start) for e, start in dated if start.timestamp() > now]
        if upcoming:
            return min(upcoming, key=lambda dated_event: dated_event[1].timestamp())[0].event_uri
        return max(dated, key=lambda dated_event: dated_event[1].timestamp())[0].event_uri if dated else None

    def is_scan(self, text: str, box: Input | None = None, scanner: bool = False) -> bool:
        """A badge scanned here (see eventtia_tui/screens/scan_gate.py), not typed into the filter."""
        return scanner or looks_like_badge(text)

    def names_badge(self, text: str) -> bool:
        return False  # no event open: no registration to name

    def take_scan(self, text: str, scanner: bool = False) -> None:
        self.app.bell()
        self.notify("That was a badge scan, but no event is open: open the event (Enter on it), then scan again.",
                    severity="warning")

    def palette_commands(self):
        return [("Open event", "Open the highlighted event", self.action_open_event),
                ("Reload events", "Ask Eventtia for the list again", self.action_reload)]

    @work(exclusive=True, group="events", exit_on_error=False)
    async def load(self, force: bool = False) -> None:
        gateway = self.desk.reads
        table = self.query_one(DataTable)
        show_loading(table, not self.events)
        try:
            result = await gateway.events(on_update=self.show_later, force=force)
        except ApiError as error:
            self.list_status = f"Could not load events: {error.message} Ctrl+R tries again."
            self.query_one("#picker-status", Static).update(self.list_status)
            return
        finally:
            show_loading(table, False)
        await self.show(result)

    def show_later(self, result: Result[list[Event]]) -> None:
        """A newer copy of the list arrived (from the sync): shown once the current message is handled."""
        self.call_later(self.show, result)

    async def show(self, result: Result[list[Event]]) -> None:
        self.events = sorted(result.value, key=lambda e: (e.start_date is None, e.start_date))
        self.synced = await self.synced_of(self.events)
        status = f"{len(self.events)} events"
        if result.offline:
            status += f" — offline, list from {describe_age(result.age(self.desk.clock()))}"
        self.list_status = status
        self.refill()

    def refill(self) -> None:
        table = self.query_one(DataTable)
        needle = self.query_one(Input).value.strip().casefold()
        now = self.desk.clock()
        rows: list[tuple[str | None, list[str]]] = []
        for event in self.events:
            text = f"{event.name} {event.event_uri} {event.address}".casefold()
            if needle and needle not in text:
                continue
            synced_at = self.synced.get(event.event_uri or "")
            copy = "not synced" if synced_at is None else f"synced {describe_age(now - synced_at)}"
            rows.append((event.event_uri, [event.name or event.event_uri or "?",
                                           date_range(event.start_date, event.end_date, zone(event.timezone)),
                                           event.address or "—", copy]))
        # Columns sized here from the rows they hold: DataTable measures new rows later, on idle, and a start
        # where that measure was lost drew every column cut to its header ("Demo ", "Mon 3").
        widths = [max([cell_len(label)] + [cell_len(one_line(cells[position], CELL_WIDTH)) for _, cells in rows])
                  for position, label in enumerate(COLUMNS)]
        # "Where" gives way to "Offline copy" at 80 columns (a long address pushed it off the screen).
        room = (self.size.width or self.app.size.width) - 2 * len(COLUMNS) - 1
        widths[WHERE] = max(MIN_WHERE, min(widths[WHERE], room - sum(widths) + widths[WHERE]))
        table.clear(columns=True)
        for label, width in zip(COLUMNS, widths):
            table.add_column(label, width=width)
        for key, cells in rows:
            table.add_row(*cells[:WHERE], one_line(cells[WHERE], widths[WHERE]), *cells[WHERE + 1:], key=key)
        if self.select and self.select in table.rows:
            table.move_cursor(row=table.get_row_index(self.select))
            self.select = None
        elif (current := self.current_event()) is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current))
        # One status line for the rows shown: the no-match sentence goes as soon as the filter matches again.
        self.query_one("#picker-status", Static).update(
            "No event matches the filter. Esc clears it." if table.row_count == 0 and self.events
            else self.list_status)

    def on_resize(self) -> None:
        if self.events:
            self.refill()  # the columns fitted to the new width

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
        if uri is not None:
            self.desk.open_event(uri, (event.name if event else None) or uri)

    def action_reload(self) -> None:
        self.load(force=True)

    def action_clear_filter(self) -> None:
        self.query_one(Input).value = ""

    def action_cursor_down(self) -> None:
        """↓ in the filter moves into the list (on the highlighted event); in the list, down a row."""
        table = self.query_one(DataTable)
        if table.has_focus:
            table.action_cursor_down()
        elif table.row_count:
            table.focus()

    def action_cursor_up(self) -> None:
        """↑ on the list's first row goes back to the filter."""
        table = self.query_one(DataTable)
        if table.has_focus and table.cursor_row > 0:
            table.action_cursor_up()
        else:
            self.query_one(Input).focus()

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        if message.connection.online:
            self.load()
