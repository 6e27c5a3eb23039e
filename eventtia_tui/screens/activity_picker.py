"""Pick an activity (for adding or moving an attendee): seats left shown, full ones refused."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from eventtia_tui.api.errors import ApiError
from eventtia_tui.api.models import Workshop

from .base import AppModal
from .footer import AppFooter
from .formatting import bar, one_line, time_range
from .tables import PlainTable


class ActivityPickerScreen(AppModal):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="close-picker")]

    def __init__(self, uri: str, title: str, exclude: set[str] | None = None, tz=None) -> None:
        super().__init__()
        self.uri = uri
        self.title_text = title
        self.exclude = exclude or set()
        self.tz = tz
        self.workshops: dict[str, Workshop] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="activity-picker"):
            yield Static(one_line(self.title_text, 200), classes="title", markup=False)
            yield Static("Loading activities…", id="picker-note", classes="status", markup=False)
            yield PlainTable(id="picker-activities", cursor_type="row")
        yield AppFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).add_columns("When", "Activity", "Room", "Seats")
        self.load()

    @work(exclusive=True, group="picker", exit_on_error=False)
    async def load(self) -> None:
        note = self.query_one("#picker-note", Static)
        try:
            items = (await self.desk.reads.workshops(self.uri)).value
        except ApiError as error:
            note.update(f"Activities are not available: {error.message}")
            return
        table = self.query_one(DataTable)
        for workshop in items:
            if workshop.id in self.exclude:
                continue
            self.workshops[workshop.id or ""] = workshop
            table.add_row(time_range(workshop.start_date, workshop.end_date, self.tz), workshop.name or "—",
                          workshop.location or "—", bar(workshop.used_seats or 0, workshop.capacity, 12),
                          key=workshop.id)
        note.update("Enter picks the highlighted activity; full ones can't be picked." if table.row_count
                    else "There is no other activity to choose.")
        table.focus()

    @on(DataTable.RowSelected)
    def picked(self, event: DataTable.RowSelected) -> None:
        workshop = self.workshops.get(event.row_key.value or "")
        if workshop is None:
            return
        if workshop.is_full:
            self.query_one("#picker-note", Static).update(f"{one_line(workshop.name, 60)} is full: pick another.")
            return
        self.dismiss(workshop.id)
