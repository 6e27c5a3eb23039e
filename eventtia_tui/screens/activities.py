"""Activities (F2): the event's activities with their rooms and seats; Enter opens an activity's roster."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from eventtia_tui.api.errors import ApiError
from eventtia_tui.api.models import Workshop
from eventtia_tui.gateway import Result, describe_age

from .activity_form import ActivityFormScreen
from .base import EventPane, event_zone, highlighted_key
from .formatting import CELL_WIDTH, bar, one_line, plain, time_range
from .roster import RosterScreen
from .tables import PlainTable

COLUMNS = ("When", "Activity", "Room", "Seats", "Left")
WIDE = 100  # cells: from this width the Seats column draws a bar beside its numbers
BAR_WIDTH = 12
MIN_NAME = 12  # the Activity column never narrower than this
NEARLY_FULL = 0.9  # the share of seats taken from which an activity counts as nearly full (as `bar` colours it)


def is_nearly_full(workshop: Workshop) -> bool:
    capacity = workshop.capacity
    return bool(capacity) and not workshop.is_full and (workshop.used_seats or 0) / (capacity or 1) >= NEARLY_FULL


def seats_left_text(workshop: Workshop) -> Text:
    """'FULL', '2 · nearly full', '59', or '∞' when the activity has no limit; '· closed' when it is not
    offered for registration."""
    shown = seats_left(workshop)
    if workshop.show_on_register is False:
        shown.append(" · closed", style="dim")
    return shown


def seats_left(workshop: Workshop) -> Text:
    if workshop.capacity is None:
        return Text("∞", style="dim")
    if workshop.is_full:
        return Text(" FULL ", style="bold white on red")
    left = f"{workshop.seats_left:,}"
    return Text(f"{left} · nearly full", style="bold yellow") if is_nearly_full(workshop) else Text(left)


def sort_key(workshop: Workshop) -> tuple:
    start = workshop.start_date
    return (start is None, start.timestamp() if start else 0.0, (workshop.name or "").casefold())


class ActivityTable(PlainTable):
    BINDINGS = [Binding("enter", "select_cursor", "Roster", id="open-roster"),
                Binding("e", "edit_activity", "Change activity", id="edit-activity")]

    def action_edit_activity(self) -> None:
        pane = next((a for a in self.ancestors if isinstance(a, ActivitiesPane)), None)
        if pane is not None:
            pane.edit_activity(pane.selected_id())


class ActivitiesPane(EventPane, Vertical):
    DEFAULT_CLASSES = "event-pane"
    def __init__(self, uri: str) -> None:
        super().__init__(id="activities-pane")
        self.uri = uri
        self.workshops: list[Workshop] = []
        self.loaded = False
        self.result: Result[list[Workshop]] | None = None

    def compose(self) -> ComposeResult:
        yield Static("Loading activities…", id="activities-status", classes="status", markup=False)
        yield ActivityTable(id="activities-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.load()

    def on_resize(self) -> None:
        if self.result is not None:
            self.show(self.result)  # the rows fitted to the new width

    def on_show(self) -> None:
        table = self.query_one(DataTable)
        if not table.has_focus:
            table.focus()

    def data_changed(self) -> None:
        """After a sync (or Sync now): ask Eventtia again; the cached copy answers if it cannot."""
        self.load(force=True)

    def action_reload(self) -> None:
        self.load(force=True)

    @work(exclusive=True, group="activities", exit_on_error=False)
    async def load(self, force: bool = False) -> None:
        try:
            result = await self.desk.reads.workshops(self.uri, on_update=self.update_later, force=force)
        except ApiError as error:
            self.show_error(error.message)
            return
        self.show(result)

    def update_later(self, result: Result[list[Workshop]]) -> None:
        """A background refresh brought newer activities."""
        self.call_later(self.show, result)

    def show_error(self, message: str) -> None:
        if not self.is_attached:
            return
        status = self.query_one("#activities-status", Static)
        if self.loaded:
            status.update(f"Could not refresh the activities: {message} Showing the last copy.")
        else:
            status.update(f"Could not load the activities: {message} Press Ctrl+R to try again.")

    def show(self, result: Result[list[Workshop]]) -> None:
        if not self.is_attached:
            return
        self.loaded = True
        self.result = result
        self.workshops = sorted(result.value, key=sort_key)
        tz = event_zone(self)
        table = self.query_one(DataTable)
        selected = self.selected_id()
        # Fitted to the width: under WIDE the Seats column shows its numbers without the bar, and the
        # Activity column takes what the others leave, so seat numbers and seats left are not cut off.
        width = self.size.width or self.app.size.width
        bar_width = BAR_WIDTH if width >= WIDE else 0
        rows = [(workshop, time_range(workshop.start_date, workshop.end_date, tz), workshop.location or "—",
                 bar(workshop.used_seats or 0, workshop.capacity, width=bar_width), seats_left_text(workshop))
                for workshop in self.workshops]
        others = [max([cell_len(COLUMNS[column])] + [cell_len(one_line(row[position], CELL_WIDTH))
                                                     for row in rows])
                  for column, position in ((0, 1), (2, 2), (3, 3), (4, 4))]
        name_width = (CELL_WIDTH if width >= WIDE
                      else max(MIN_NAME, min(CELL_WIDTH, width - sum(others) - 2 * len(COLUMNS) - 1)))
        table.clear(columns=True)
        table.add_columns(*COLUMNS)
        for workshop, when, room, seats, left in rows:
            name = plain(workshop.name or "—", name_width, style="bold" if workshop.is_full else "")
            table.add_row(when, name, room, seats, left, key=workshop.id)
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))
        self.query_one("#activities-status", Static).update(self.status_text(result))

    def status_text(self, result: Result[list[Workshop]]) -> str:
        count = len(self.workshops)
        if count == 0:
            text = "This event has no activities yet."
        else:
            full = sum(1 for w in self.workshops if w.is_full)
            nearly = sum(1 for w in self.workshops if is_nearly_full(w))
            parts = [f"{count} activit{'ies' if count != 1 else 'y'}"]
            if full:
                parts.append(f"{full} full")
            if nearly:
                parts.append(f"{nearly} nearly full")
            text = " · ".join(parts) + " — Enter opens the roster."
        if result.offline:
            text += f"  Offline copy, fetched {describe_age(result.age(self.desk.clock()))}."
        return text

    def selected_id(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return highlighted_key(table)

    @on(DataTable.RowSelected, "#activities-table")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        self.open_roster(event.row_key.value)

    def action_open_roster(self) -> None:
        self.open_roster(self.selected_id())

    def open_roster(self, workshop_id: str | None) -> None:
        workshop = next((w for w in self.workshops if w.id == workshop_id), None)
        if workshop is None:
            return
        self.app.push_screen(RosterScreen(self.uri, workshop, event_zone(self)))

    def edit_activity(self, workshop_id: str | None) -> None:
        workshop = next((w for w in self.workshops if w.id == workshop_id), None)
        if workshop is None:
            return
        self.app.push_screen(ActivityFormScreen(self.uri, workshop, event_zone(self)))

    def palette_commands(self):
        commands = [("Open roster", "Roster of the highlighted activity (Enter)", self.action_open_roster),
                    ("Change activity", "Room, times, seats, name or registration of the highlighted activity (E)",
                     lambda: self.edit_activity(self.selected_id())),
                    ("Reload activities", "Ask Eventtia for the activities again", self.action_reload)]
        for workshop in self.workshops:
            seats = "FULL" if workshop.is_full else f"{workshop.used_seats or 0}/{workshop.capacity or '∞'}"
            commands.append((f"Roster: {workshop.name}", f"{workshop.location or 'room tbc'} · {seats}",
                             lambda workshop_id=workshop.id: self.open_roster(workshop_id)))
        return commands
