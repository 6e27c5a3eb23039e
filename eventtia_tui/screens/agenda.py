"""The B2B agenda (F3): meeting slots × the participants of one type, coloured by meeting status.

`build_grid` turns the cached lists (the type's agenda, its participants, the conference's meetings and
the type's unavailable hours) into one state per (slot key, participant id); the pane only draws it.
Enter on a cell opens that participant's own agenda.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Select, Static
from textual.worker import Worker

from eventtia_tui.api.errors import ApiError, Forbidden, NotFound
from eventtia_tui.api.models import (
    BusinessConference,
    Participant,
    ParticipantType,
    Slot,
    UnavailableHour,
)
from eventtia_tui.export import ExportTable, agenda_table
from eventtia_tui.gateway import Result

from .agenda_grid import (
    CELL_LOOK,
    COLUMN_WIDTH,
    AgendaGrid,
    CellState,
    build_grid,
    offline_note,
    overlaps,
    participant_label,
    participant_name,
    short_name,
    slot_label,
)
from .base import EventPane, Exports, event_place, event_zone
from .formatting import local, one_line, plain, time_range
from .participant_agenda import ParticipantAgendaScreen
from .tables import PlainTable
from .unavailable_hours import UnavailableHoursScreen

SIDE_MIN_WIDTH = 24  # the side panel (unavailable hours, the cell's meeting): at least this, plus what whole
ROW_LABEL_WIDTH = 14  # participant columns leave ("Mon 07 09:00" and its padding)
GRID_SCROLLBAR = 2
SIDE_NAME_WIDTH = 80  # a name in the side panel: at most about three of its lines

NO_MATCHMAKING = "This event has no B2B matchmaking."


# The pane ---------------------------------------------------------------------------------------------


class AgendaPane(EventPane, Exports, Vertical):
    DEFAULT_CLASSES = "event-pane"
    COMPONENT_CLASSES = {f"agenda--{kind}" for kind in (*CELL_LOOK, "free", "other")}
    BINDINGS = [
        Binding("t", "next_type", "Next type", id="agenda-next-type"),
        Binding("a", "open_agenda", "Participant agenda", id="agenda-participant"),
        Binding("ctrl+b", "reload", "Reload B2B", id="agenda-reload", show=False),
        Binding("u", "unavailable_hours", "Unavailable hours", id="agenda-unavailable-hours"),
    ]

    def __init__(self, uri: str) -> None:
        super().__init__(id="agenda")
        self.uri = uri
        self.conferences: list[BusinessConference] = []
        self.types: list[ParticipantType] = []
        self.conference_id: str | None = None
        self.type_id: str | None = None
        self.grid: AgendaGrid | None = None
        self.hours: list[UnavailableHour] = []
        self.names: dict[str, str] = {}  # every participant of the conference: id -> "Company (Contact)"
        self.people: dict[str, Participant] = {}
        self.showing_offline = False
        self._loader: Worker | None = None
        self._again = False  # another load was asked for while one was running
        self._force_again = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="agenda-controls"):
            yield Select([], prompt="Conference", allow_blank=True, compact=True, id="agenda-conference")
            yield Select([], prompt="Participant type", allow_blank=True, compact=True, id="agenda-type")
            yield Static("", id="agenda-summary", markup=False)
        yield Static("Loading the B2B agenda…", id="agenda-status", classes="status", markup=False)
        yield Static(id="agenda-legend")
        with Horizontal(id="agenda-body"):
            yield PlainTable(id="agenda-grid", cursor_type="cell", show_row_labels=True,
                            cursor_foreground_priority="css", cursor_background_priority="css")
            with Vertical(id="agenda-side"):
                yield Static(id="agenda-hours")
                yield Static(id="agenda-cell")

    def on_mount(self) -> None:
        self.query_one("#agenda-controls").display = False
        self.query_one("#agenda-body").display = False
        self.query_one("#agenda-legend").display = False
        self.refresh_grid()

    def on_show(self) -> None:
        # The tab was switched to: after the screen has settled its own focus, put it on the grid.
        self.call_after_refresh(self.focus_grid)

    def focus_grid(self) -> None:
        """Focus the grid unless the person is already using one of this pane's visible controls."""
        table = self.query_one(DataTable)
        if not table.row_count or not self.is_on_screen:
            return
        focused = self.screen.focused
        controls = [widget for widget in self.query(Select) if widget.display]
        if focused is not table and focused not in controls:
            table.focus()

    # Loading ------------------------------------------------------------------------------------------

    def data_changed(self) -> None:
        """After a sync: everything may be new."""
        self.refresh_grid()

    def reshade(self) -> None:
        """Recompute the grid from the gateway's cached data (after an unavailable hour or meeting changed)."""
        self.refresh_grid()

    def _updated(self, result: Result) -> None:
        """A background refresh answered: draw what it brought, or say the copy shown is offline.

        An offline answer only changes the note (a reload would start another refresh: a loop while the
        network is down); the next sync or reshade reads again.
        """
        if not result.offline:
            self.refresh_grid()
        elif self.grid is not None and not self.showing_offline:
            self.showing_offline = True
            status = self.query_one("#agenda-status", Static)
            status.update(f"{offline_note(self.desk.clock(), result.fetched_at)} {status.render()}")

    def refresh_grid(self, force: bool = False) -> None:
        """Load and draw again; while a load runs, run once more after it instead of cancelling it.

        Sync, reshade and background refreshes can ask at any time; cancelling a load half-way would
        waste the reads it made (and leave nothing drawn if the requests keep coming).
        """
        if self._loader is not None and self._loader.is_running:
            self._again = True
            self._force_again = self._force_again or force
            return
        self._loader = self.load(force)

    @work(exclusive=True, group="agenda", exit_on_error=False)
    async def load(self, force: bool = False) -> None:
        try:
            await self._load(force)
        finally:
            if self._again:
                force, self._again, self._force_again = self._force_again, False, False
                self.call_later(self.refresh_grid, force)

    async def _load(self, force: bool) -> None:
        gateway = self.desk.gateway
        if gateway is None:
            return
        offline: list[Result] = []

        def keep(result: Result):
            if result.offline:
                offline.append(result)
            return result.value

        try:
            conferences = keep(await gateway.conferences(self.uri, on_update=self._updated, force=force))
        except (NotFound, Forbidden):
            conferences = []
        except ApiError as error:
            self.show_problem(f"Could not load the B2B matchmaking: {error.message}")
            return
        self.conferences = [c for c in conferences if c.id]
        if not self.conferences:
            self.show_problem(NO_MATCHMAKING)
            return
        conference = next((c for c in self.conferences if c.id == self.conference_id), self.conferences[0])
        self.conference_id = cid = conference.id or ""

        try:
            types = keep(await gateway.participant_types(self.uri, cid, on_update=self._updated, force=force))
        except ApiError:
            types = conference.participant_types  # the conference carries them too
        self.types = [t for t in types if t.id]
        if not self.types:
            self.show_problem("This B2B conference has no participant types yet.")
            return
        ptype = next((t for t in self.types if t.id == self.type_id), self.types[0])
        self.type_id = tid = ptype.id or ""

        try:
            participants = keep(await gateway.participants(self.uri, cid, on_update=self._updated, force=force))
        except ApiError as error:
            self.show_problem(f"Could not load the B2B participants: {error.message}")
            return
        problems: list[str] = []
        try:
            meetings = keep(await gateway.meetings(self.uri, cid, on_update=self._updated, force=force))
        except ApiError as error:
            meetings = []
            problems.append(f"Meetings not available: {error.message}")
        try:
            hours = keep(await gateway.unavailable_hours(self.uri, cid, tid, on_update=self._updated, force=force))
        except ApiError as error:
            hours = []
            problems.append(f"Unavailable hours not available: {error.message}")

        self.people = {p.id: p for p in participants if p.id}
        self.names = {pid: participant_name(p) for pid, p in self.people.items()}
        members = [p for p in participants if p.participant_type_id == tid]
        self.hours = sorted((h for h in hours if h.start_date is not None),
                            key=lambda h: h.start_date.timestamp() if h.start_date else 0)
        self.grid = build_grid(ptype.agenda, members, meetings, self.hours)
        self.showing_offline = bool(offline)
        self.show_controls()
        self.render_grid()
        self.show_status(ptype, problems, offline)

    # Drawing ------------------------------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo | None:
        return event_zone(self)

    def show_problem(self, message: str) -> None:
        """Nothing to draw: say why (the empty state or a failure), and hide the grid."""
        self.grid = None
        self.query_one("#agenda-status", Static).update(message)
        for selector in ("#agenda-controls", "#agenda-body", "#agenda-legend"):
            self.query_one(selector).display = False

    def show_controls(self) -> None:
        # Setting the values posts Select.Changed; the handlers ignore a value that is already current.
        conferences = self.query_one("#agenda-conference", Select)
        conferences.set_options([(plain(c.name or f"Conference {c.id}", 40), c.id) for c in self.conferences])
        conferences.value = self.conference_id
        conferences.display = len(self.conferences) > 1
        types = self.query_one("#agenda-type", Select)
        types.set_options([(plain(t.name or f"Type {t.id}", 40), t.id) for t in self.types])
        types.value = self.type_id
        for selector in ("#agenda-controls", "#agenda-body", "#agenda-legend"):
            self.query_one(selector).display = True
        self.query_one("#agenda-legend", Static).update(self.legend())

    def on_resize(self) -> None:
        """The grid shows whole participant columns (a half one at its edge read as a cut name); the side
        panel takes the rest. The legend shortens to what fits."""
        width = self.size.width
        columns = max(1, (width - SIDE_MIN_WIDTH - ROW_LABEL_WIDTH - GRID_SCROLLBAR) // (COLUMN_WIDTH + 2))
        side = max(SIDE_MIN_WIDTH, width - ROW_LABEL_WIDTH - GRID_SCROLLBAR - columns * (COLUMN_WIDTH + 2))
        self.query_one("#agenda-side").styles.width = side
        self.query_one("#agenda-legend", Static).update(self.legend())

    def style_for(self, kind: str):
        name = kind if kind in CELL_LOOK or kind == "free" else "other"
        return self.get_component_rich_style(f"agenda--{name}", partial=True)

    def legend(self) -> Text:
        """Each cell's look and its word; where that does not fit (80 columns), the looks alone ("✓ acc" says
        accepted), only the unavailable cell keeping its word."""
        room = (self.size.width or self.app.size.width) - 2
        for short in (False, True):
            text = Text(no_wrap=True, overflow="ellipsis")
            for kind, (sample, label) in CELL_LOOK.items():
                text.append(f" {sample[:5].center(5)} ", style=self.style_for(kind))
                text.append(f" {label}  " if not short or kind == "unavailable" else " ")
            text.append("!", style="bold")
            text.append(" clash")
            if text.cell_len <= room:
                break
        return text

    def cell_text(self, cell: CellState) -> Text:
        kind = cell.kind
        sample = CELL_LOOK[kind][0] if kind in CELL_LOOK else ("·" if kind == "free" else kind[:COLUMN_WIDTH])
        if cell.status and (cell.blocked or cell.unavailable):
            sample = sample.replace(" ", "!", 1)  # a meeting in a slot that is shut: worth a look
        return Text(sample.center(COLUMN_WIDTH), style=self.style_for(kind), no_wrap=True)

    def render_grid(self) -> None:
        grid = self.grid
        table = self.query_one(DataTable)
        if grid is None:
            return
        cursor = table.cursor_coordinate if table.row_count else None
        table.clear(columns=True)
        tz = self.tz
        for participant in grid.participants:
            table.add_column(short_name(participant_name(participant)), width=COLUMN_WIDTH, key=participant.id)
        for slot in grid.slots:
            label = Text(slot_label(slot, tz), style="dim" if slot.key in grid.unavailable_keys else "")
            table.add_row(*(self.cell_text(grid.cell(slot.key, p.id or "")) for p in grid.participants),
                          key=str(slot.key), label=label)
        if cursor is not None and table.row_count and table.columns:
            table.move_cursor(row=min(cursor.row, table.row_count - 1),
                              column=min(cursor.column, len(table.columns) - 1), animate=False)
        self.render_hours()
        self.render_cell()
        self.focus_grid()

    def render_hours(self) -> None:
        ptype = self.current_type()
        type_name = one_line(ptype.name if ptype else "", SIDE_NAME_WIDTH)
        text = Text.assemble(("Unavailable hours", "bold"), f" · {type_name}\n")
        tz = self.tz
        for hour in self.hours:
            text.append(f" {time_range(hour.start_date, hour.end_date, tz)}\n")
        if not self.hours:
            text.append(" none\n", style="dim")
        self.query_one("#agenda-hours", Static).update(text)

    def show_status(self, ptype: ParticipantType, problems: list[str], offline: list[Result]) -> None:
        grid = self.grid
        if grid is None:
            return
        counts = grid.counts()
        type_name = one_line(ptype.name, 40)
        total = sum(counts.values())
        parts = [f"{len(grid.participants)} {type_name or 'participants'}", f"{len(grid.slots)} slots",
                 f"{total} meeting{'s' if total != 1 else ''}"]
        detail = ", ".join(f"{counts[name]} {name}" for name in ("accepted", "requested", "rejected", "expired")
                           if counts[name])
        summary = " · ".join(parts) + (f" ({detail})" if detail else "")
        self.query_one("#agenda-summary", Static).update(summary)
        notes: list[str] = []
        if offline:
            notes.append(offline_note(self.desk.clock(), min(result.fetched_at for result in offline)))
        if not grid.slots:
            notes.append(f"{type_name or 'This type'} has no meeting slots yet.")
        elif not grid.participants:
            notes.append(f"No {type_name or 'participants'} have signed up for matchmaking yet.")
        notes.extend(problems)
        if not notes:
            notes.append("Enter or A: that participant's agenda · T: next participant type")
        self.query_one("#agenda-status", Static).update(" ".join(notes))

    def current_type(self) -> ParticipantType | None:
        return next((t for t in self.types if t.id == self.type_id), None)

    def cursor_cell(self) -> tuple[Slot, Participant, CellState] | None:
        grid = self.grid
        table = self.query_one(DataTable)
        if grid is None or not table.row_count or not grid.participants:
            return None
        row, column = table.cursor_coordinate
        if not (0 <= row < len(grid.slots) and 0 <= column < len(grid.participants)):
            return None
        slot, participant = grid.slots[row], grid.participants[column]
        return slot, participant, grid.cell(slot.key, participant.id or "")

    def render_cell(self) -> None:
        panel = self.query_one("#agenda-cell", Static)
        found = self.cursor_cell()
        if found is None:
            panel.update("")
            return
        slot, participant, cell = found
        text = Text.assemble(("\n" + time_range(slot.start, slot.end, self.tz), "bold"), "\n",
                             one_line(participant_name(participant), SIDE_NAME_WIDTH), "\n")
        if participant.profile_contact_name and participant.profile_contact_name != participant_name(participant):
            text.append(f"{one_line(participant.profile_contact_name, SIDE_NAME_WIDTH)}\n", style="dim")
        if cell.status:
            text.append(f" {one_line(cell.status, SIDE_NAME_WIDTH)} ", style=self.style_for(cell.kind))
            other = self.names.get(cell.other_id or "", "someone not listed")
            text.append(f"\nwith {one_line(other, SIDE_NAME_WIDTH)}\n")
            if cell.location:
                text.append(f"{one_line(cell.location, SIDE_NAME_WIDTH)}\n", style="dim")
        if cell.blocked:
            text.append("Blocked by the participant\n", style="italic")
        if cell.unavailable:
            text.append("In the type's unavailable hours\n", style="italic")
        if not cell.status and not cell.blocked and not cell.unavailable:
            text.append("Free\n", style="dim")
        panel.update(text)

    # Events and actions --------------------------------------------------------------------------------

    @on(DataTable.CellHighlighted, "#agenda-grid")
    def cell_highlighted(self) -> None:
        self.render_cell()

    @on(DataTable.CellSelected, "#agenda-grid")
    def cell_selected(self) -> None:
        self.action_open_agenda()

    @on(Select.Changed, "#agenda-conference")
    def conference_changed(self, event: Select.Changed) -> None:
        if event.value is Select.NULL or event.value == self.conference_id:
            return
        self.conference_id = str(event.value)
        self.type_id = None
        self.refresh_grid()

    @on(Select.Changed, "#agenda-type")
    def type_changed(self, event: Select.Changed) -> None:
        if event.value is Select.NULL or event.value == self.type_id:
            return
        self.type_id = str(event.value)
        self.refresh_grid()

    def action_next_type(self) -> None:
        if len(self.types) < 2:
            return
        ids = [t.id for t in self.types]
        position = ids.index(self.type_id) if self.type_id in ids else -1
        self.type_id = ids[(position + 1) % len(ids)]
        self.refresh_grid()

    def action_open_agenda(self) -> None:
        found = self.cursor_cell()
        if found is None or not self.conference_id:
            return
        _, participant, _ = found
        ptype = self.current_type()
        tz = self.tz
        grid = self.grid
        unavailable = {slot.key: time_range(hour.start_date, hour.end_date, tz)
                       for slot in (grid.slots if grid else []) for hour in self.hours if overlaps(slot, hour)}
        labels = {pid: participant_label(p) for pid, p in self.people.items()}
        self.app.push_screen(ParticipantAgendaScreen(self.uri, self.conference_id, participant,
                                                     type_name=(ptype.name or "") if ptype else "", names=labels,
                                                     unavailable=unavailable, tz=tz))

    def action_reload(self) -> None:
        self.refresh_grid(force=True)

    def action_unavailable_hours(self) -> None:
        ptype = self.current_type()
        if ptype is None or not self.conference_id:
            return
        conference = next((c for c in self.conferences if c.id == self.conference_id), None)
        first = local(conference.start_date, self.tz) if conference is not None else None
        self.app.push_screen(UnavailableHoursScreen(self.uri, self.conference_id, ptype.id or "", ptype.name or "",
                                                    self.tz, first.strftime("%d/%m/%Y") if first else ""))

    async def export_table(self) -> ExportTable | str:
        """Ctrl+T: every meeting of the conference shown (from the cache), one row each."""
        if self.grid is None or not self.conference_id:
            return "The B2B agenda is not loaded yet." if self.conferences else NO_MATCHMAKING
        meetings = (await self.desk.reads.meetings(self.uri, self.conference_id)).value
        labels = {pid: participant_label(p) for pid, p in self.people.items()}
        place = event_place(self.app)
        name = (place.event_name if place is not None else "") or self.uri
        return agenda_table(meetings, labels, title=f"{name} — B2B agenda", tz=self.tz)

    def palette_commands(self):
        commands = [("Participant agenda", "Meetings of the highlighted participant (Enter)", self.action_open_agenda),
                    ("Unavailable hours", "Block hours for this participant type (U)", self.action_unavailable_hours),
                    ("Reload B2B agenda", "Ask Eventtia for the matchmaking data again (Ctrl+B)", self.action_reload)]
        if len(self.types) > 1:
            commands.insert(1, ("Next participant type", "Switch the grid to the next type (T)",
                                self.action_next_type))
        return commands
