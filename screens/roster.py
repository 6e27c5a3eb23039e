"""One activity's roster: who signed up, filtered locally as you type (accent-insensitive)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Input, Static

from eventtia_tui.actions import add_activity, remove_activity
from eventtia_tui.api.errors import ApiError
from eventtia_tui.api.models import Attendee, Workshop, field_names_by_type
from eventtia_tui.gateway import Result, describe_age
from eventtia_tui.gateway.index import fold

from .attendee_search import STATUS_STYLES
from .base import AppScreen, highlighted_key
from .formatting import bar, time_range
from .messages import DataChanged


class RosterScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="roster-back"),
        Binding("ctrl+l", "clear", "Clear filter", id="roster-clear"),
        Binding("ctrl+r", "reload", "Reload", id="roster-reload"),
        Binding("down", "focus_results", "Results", show=False),
        Binding("ctrl+n", "add_attendee", "Add someone", id="roster-add", priority=True),
        Binding("d", "remove_attendee", "Remove", id="roster-remove"),
    ]

    def __init__(self, uri: str, workshop: Workshop, tz: ZoneInfo | None = None) -> None:
        super().__init__()
        self.uri = uri
        self.workshop = workshop
        self.tz = tz
        self.roster: list[tuple[Attendee, str]] = []  # each attendee with its folded search text
        self.loaded = False
        self.note = ""  # "offline copy…" when the roster came from the cache without the network

    def compose(self) -> ComposeResult:
        yield Static(self.title_text(), id="roster-title", classes="title")
        yield Input(placeholder="Filter by name, email or company…", id="roster-filter")
        yield Static("Loading the roster…", id="roster-status", classes="status")
        yield DataTable(id="roster-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).add_columns("Name", "Company", "Email", "Status", "Checked in")
        self.query_one(Input).focus()
        self.load()

    def taken(self) -> int:
        return len(self.roster) if self.loaded else (self.workshop.used_seats or 0)

    def title_text(self) -> Text:
        workshop = self.workshop
        when = time_range(workshop.start_date, workshop.end_date, self.tz)
        title = Text.assemble((workshop.name or "Activity", "bold"), "  ·  ", when, "  ·  ",
                              workshop.location or "room tbc", "  ·  ", bar(self.taken(), workshop.capacity, width=10))
        if workshop.capacity is not None and self.taken() >= workshop.capacity:
            title.append("  FULL", style="bold red")
        return title

    @work(exclusive=True, group="roster", exit_on_error=False)
    async def load(self, force: bool = False) -> None:
        gateway = self.app.gateway
        try:
            result = await gateway.roster(self.uri, self.workshop.id or "", on_update=self.update_later, force=force)
        except ApiError as error:
            self.show_error(error.message)
            return
        names = await self.field_names()
        self.show(result, names)

    async def field_names(self) -> dict[str, dict[str, str]]:
        """Attendee type id → custom-field id → name, so the roster reads fields by name (cached read)."""
        try:
            types = (await self.app.gateway.attendee_types(self.uri)).value
        except ApiError:
            return {}  # the names also come from each attendee's QR text
        return field_names_by_type(types)

    def update_later(self, result: Result[list[Attendee]]) -> None:
        self.run_worker(self.refreshed(result), exclusive=True, group="roster-update", exit_on_error=False)

    async def refreshed(self, result: Result[list[Attendee]]) -> None:
        self.show(result, await self.field_names())

    def show_error(self, message: str) -> None:
        status = self.query_one("#roster-status", Static)
        if self.loaded:
            status.update(f"Could not refresh the roster: {message} Showing the last copy.")
        else:
            status.update(f"Could not load the roster: {message} Press Ctrl+R to try again.")

    def show(self, result: Result[list[Attendee]], names: dict[str, dict[str, str]]) -> None:
        if not self.is_attached:
            return
        roster = []
        for attendee in result.value:
            if attendee.attendee_type_id in names:
                attendee.bind_names(names[attendee.attendee_type_id])
            roster.append((attendee, fold(f"{attendee.full_name} {attendee.email} {attendee.company}")))
        self.roster = sorted(roster, key=lambda item: fold(item[0].full_name))
        self.loaded = True
        self.note = f"offline copy, fetched {describe_age(result.age(self.app.clock()))}" if result.offline else ""
        self.query_one("#roster-title", Static).update(self.title_text())
        self.refill()

    def matches(self, query: str) -> list[Attendee]:
        needles = fold(query).split()
        return [attendee for attendee, text in self.roster if all(needle in text for needle in needles)]

    def refill(self) -> None:
        table = self.query_one(DataTable)
        query = self.query_one(Input).value
        shown = self.matches(query)
        table.clear()
        for attendee in shown:
            status = attendee.status or "—"
            table.add_row(attendee.full_name or "—", attendee.company or "—", attendee.email or "—",
                          Text(status, style=STATUS_STYLES.get(status, "")),
                          Text("✓", style="bold green") if attendee.checked_in else Text(""),
                          key=attendee.id)
        self.query_one("#roster-status", Static).update(self.status_text(query, len(shown)))

    def status_text(self, query: str, shown: int) -> str:
        capacity = self.workshop.capacity
        if not self.roster:
            text = "Nobody has signed up for this activity yet."
        else:
            taken = len(self.roster)
            of = f"{taken:,} of {capacity:,} seats taken" if capacity is not None else f"{taken:,} signed up (no limit)"
            text = f"{of} · {shown:,} shown"
            if query.strip() and not shown:
                text += f" — nobody matches “{query.strip()}”. Ctrl+L clears the filter."
        return f"{text}  ({self.note})" if self.note else text

    @on(Input.Changed, "#roster-filter")
    def filter_changed(self) -> None:
        if self.loaded:
            self.refill()

    @on(Input.Submitted, "#roster-filter")
    def filter_submitted(self) -> None:
        self.action_focus_results()

    def action_focus_results(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.focus()

    def action_clear(self) -> None:
        field = self.query_one(Input)
        field.value = ""
        field.focus()

    def action_reload(self) -> None:
        self.load(force=True)

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_data_changed(self, message: DataChanged) -> None:
        if message.uri == self.uri:
            self.load()  # the cached roster changed here (an add or remove): show it

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove_attendee":
            return isinstance(self.focused, DataTable) and self.query_one(DataTable).row_count > 0
        return True

    def action_add_attendee(self) -> None:
        from .attendee_picker import AttendeePickerScreen

        index = self.app.gateway.index_if_loaded(self.uri)
        if index is None:
            self.notify("The attendee list is still syncing; try again in a moment.", severity="warning")
            return

        def picked(attendee_id: str | None) -> None:
            record = index.get(attendee_id) if attendee_id else None
            if record is not None:
                self.app.perform(add_activity(self.uri, record.id, record.full_name, self.workshop.id or ""))

        self.app.push_screen(AttendeePickerScreen(f"Add someone to {self.workshop.name}", index), picked)

    def action_remove_attendee(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        attendee_id = highlighted_key(table)
        attendee = next((a for a, _ in self.roster if a.id == attendee_id), None)
        name = attendee.full_name if attendee else attendee_id
        self.app.perform(remove_activity(self.uri, attendee_id, name, self.workshop.id or ""))

    def palette_commands(self):
        return [("Add someone", "Add an attendee to this activity (Ctrl+N)", self.action_add_attendee),
                ("Clear filter", "Show the whole roster (Ctrl+L)", self.action_clear),
                ("Reload roster", "Ask Eventtia for the roster again (Ctrl+R)", self.action_reload),
                ("Back to activities", "Close the roster (Esc)", self.action_back)]
