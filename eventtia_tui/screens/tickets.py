"""Tickets (F4): seats used per attendee type, live while the tab is on screen; arrivals (checked in per type and
check-ins over time) from the synced copy, recounted after each sync."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from eventtia_tui.api.errors import ApiError
from eventtia_tui.api.models import TicketStat
from eventtia_tui.arrivals import Arrivals, TypeArrivals, admitted_per_type, count_arrivals
from eventtia_tui.export import ExportTable, tickets_table
from eventtia_tui.gateway import Result
from eventtia_tui.store.records import INACTIVE

from .arrivals_chart import ArrivalsChart
from .base import EventPane, Exports, event_place, event_zone
from .formatting import bar, one_line
from .tables import PlainTable

REFRESH_SECONDS = 5.0
SEATS_BAR = 12  # with the checked-in column, the table fits 80 columns
NEARLY_FULL = 0.9


@dataclass(frozen=True)
class Totals:
    used: int
    limit: int | None  # None when any type is unlimited
    left: int | None


def totals(stats: list[TicketStat]) -> Totals:
    used = sum(stat.used_seats or 0 for stat in stats)
    if any(stat.unlimited for stat in stats):
        return Totals(used, None, None)
    limit = sum(stat.seats_limit or 0 for stat in stats)
    return Totals(used, limit, sum(stat.seats_left or 0 for stat in stats))


def left_text(used: int, limit: int | None, left: int | None) -> Text:
    if limit is None or left is None:
        return Text("∞", style="dim")
    if left == 0:
        return Text(" FULL ", style="bold white on red")
    nearly = limit > 0 and used / limit >= NEARLY_FULL
    return Text(f"{left:,}", style="bold yellow" if nearly else "")


def arrived_of(stat: TicketStat, arrivals: Arrivals | None) -> TypeArrivals | None:
    """The synced copy's count for a stats row (rows carry only the type's name)."""
    if arrivals is None:
        return None
    return next((kind for kind in arrivals.per_type.values() if stat.is_for(kind.name)), None)


def arrived_text(kind: TypeArrivals | None) -> Text:
    """'██░░░░ 288/819 35%': checked in of the registrations in the synced copy (fits 80 columns)."""
    if kind is None:
        return Text("—", style="dim")
    shown = bar(kind.checked_in, kind.registered, width=6) if kind.registered else Text("0/0", style="dim")
    share = f" {kind.checked_in / kind.registered:.0%}" if kind.registered else ""
    shown.append(share)
    return shown


def agreement(used: int, arrivals: Arrivals) -> str:
    """Why F1's count (the synced copy's active registrations) and Eventtia's seats taken agree or not."""
    active = arrivals.registered
    if active == used:
        return f"Eventtia's seats taken and the synced copy's registrations (F1) agree: {used:,}."
    statuses = arrivals.statuses
    gone = sum(count for status, count in statuses.items() if status in INACTIVE)
    return (f"Eventtia counts {used:,} seats taken; the synced copy (F1) has {active:,} active registrations "
            f"({statuses.get('pending', 0):,} pending; {gone:,} cancelled or rejected are counted by neither). "
            "The difference is what changed on Eventtia since the last sync (Ctrl+R), or registrations "
            "Eventtia does not count as seats.")


def time_of_day(epoch: float, tz) -> str:
    return datetime.fromtimestamp(epoch, tz).strftime("%H:%M:%S")


class TicketsPane(EventPane, Exports, Vertical):
    DEFAULT_CLASSES = "event-pane"
    BINDINGS = [
        Binding("plus", "bars(1)", "Wider arrival bars", id="arrivals-wider", show=False),
        Binding("minus", "bars(-1)", "Narrower arrival bars", id="arrivals-narrower", show=False),
    ]

    def __init__(self, uri: str) -> None:
        super().__init__(id="tickets-pane")
        self.uri = uri
        self.stats: list[TicketStat] = []
        self.loaded = False
        self.arrivals: Arrivals | None = None  # None until the synced copy is counted
        self.admitted: dict[str, int] = {}  # the ledger's admissions at the desks, per attendee type's name

    def compose(self) -> ComposeResult:
        yield Static("Loading ticket stats…", id="tickets-status", classes="status", markup=False)
        with VerticalScroll(id="tickets-body"):
            yield PlainTable(id="tickets-table", cursor_type="none", zebra_stripes=True)
            yield Static("", id="tickets-agreement", markup=False)
            yield ArrivalsChart(id="arrivals-chart")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Attendee type", "Registered / limit", "Seats left", "Checked in")
        self.set_interval(REFRESH_SECONDS, self.tick)
        self.load()
        self.count()

    def on_show(self) -> None:
        """The tab came into view: bring the numbers up to date at once."""
        table = self.query_one(DataTable)
        if not table.has_focus:
            table.focus()
        self.load(force=True)
        self.count()  # the ledger's admissions since it was last on screen

    def on_screen(self) -> bool:
        """Only poll Eventtia while somebody can see the numbers."""
        return self.is_attached and self.screen.is_current and self.is_on_screen

    def tick(self) -> None:
        if self.on_screen():
            self.load(force=True)

    def data_changed(self) -> None:
        self.load(force=self.on_screen())
        self.count()

    @work(exclusive=True, group="arrivals", exit_on_error=False)
    async def count(self) -> None:
        """Checked in per type and check-in times, from the synced copy (no request)."""
        gateway = self.desk.reads
        index = await gateway.attendee_index(self.uri)
        if index is None:
            return
        snapshot = await asyncio.to_thread(gateway.load_snapshot, self.uri)
        type_names = snapshot.type_names if snapshot is not None else {}
        # values() streams the copy from one read of the cache's database: consistent while a sync writes, and
        # never all 200,000 records in memory at once.
        self.arrivals = await asyncio.to_thread(lambda: count_arrivals(index.records.values(), type_names))
        if not self.is_attached:
            return
        admitted = self.desk.ledger.firsts(self.uri)  # the desks' admissions: who came in, as this venue saw it
        self.admitted = admitted_per_type(admitted, index, type_names)
        chart = self.query_one(ArrivalsChart)
        if admitted:
            chart.show(sorted(a.at for a in admitted.values()), 0, self.desk.clock(), self.event_tz(),
                       checked_in=self.arrivals.checked_in)
        else:
            chart.show(self.arrivals.times, self.arrivals.undated, self.desk.clock(), self.event_tz())
        if self.loaded:
            self.fill_table()

    def action_bars(self, direction: int) -> None:
        self.query_one(ArrivalsChart).step(direction)

    def refresh_now(self) -> None:
        self.load(force=True)

    @work(exclusive=True, group="tickets", exit_on_error=False)
    async def load(self, force: bool = False) -> None:
        try:
            result = await self.desk.reads.tickets_stats(self.uri, on_update=self.update_later, force=force)
        except ApiError as error:
            self.show_error(error.message)
            return
        self.show(result)

    def update_later(self, result: Result[list[TicketStat]]) -> None:
        self.call_later(self.show, result)

    def show_error(self, message: str) -> None:
        if not self.is_attached:
            return
        status = self.query_one("#tickets-status", Static)
        checked = time_of_day(self.desk.clock(), self.event_tz())
        if self.loaded:
            status.update(f"Could not refresh the ticket stats ({checked}): {message} Showing the last numbers.")
        else:
            status.update(f"Could not load the ticket stats: {message} Retrying every {REFRESH_SECONDS:.0f} s.")

    def event_tz(self):
        return event_zone(self)

    def show(self, result: Result[list[TicketStat]]) -> None:
        if not self.is_attached:
            return
        self.loaded = True
        self.stats = list(result.value)
        self.fill_table()
        self.query_one("#tickets-status", Static).update(self.status_text(result))

    def fill_table(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        arrivals = self.arrivals
        for position, stat in enumerate(self.stats):
            used = stat.used_seats or 0
            table.add_row(stat.name or "—", bar(used, stat.seats_limit, width=SEATS_BAR),
                          left_text(used, stat.seats_limit, stat.seats_left), arrived_text(arrived_of(stat, arrivals)),
                          key=f"type-{position}")
        agreement_line = self.query_one("#tickets-agreement", Static)
        if self.stats:
            total = totals(self.stats)
            total_bar = bar(total.used, total.limit, width=SEATS_BAR)
            total_bar.stylize("bold")
            everyone = TypeArrivals("Total", arrivals.registered, arrivals.checked_in) if arrivals else None
            table.add_row(Text("Total", style="bold"), total_bar, left_text(total.used, total.limit, total.left),
                          arrived_text(everyone), key="total")
        text = agreement(totals(self.stats).used, arrivals) if arrivals and self.stats else ""
        if self.admitted:  # beside Eventtia's "Checked in" column, which only its own check-in apps write
            per_type = ", ".join(f"{one_line(name, 30)} {count:,}" for name, count in self.admitted.items())
            text += (f"\nAdmitted at this event's desks (the ledger): {sum(self.admitted.values()):,} — {per_type}. "
                     "“Checked in” is Eventtia's, written by its own check-in apps.")
        agreement_line.update(text.strip())

    def status_text(self, result: Result[list[TicketStat]]) -> str:
        tz = self.event_tz()
        if not self.stats:
            text = "This event has no attendee types yet."
        else:
            count = len(self.stats)
            text = f"{count} attendee type{'s' if count != 1 else ''}"
        if result.offline:
            return (f"{text} · offline copy from {time_of_day(result.fetched_at, tz)}; "
                    f"retrying every {REFRESH_SECONDS:.0f} s (last try {time_of_day(self.desk.clock(), tz)}).")
        return f"{text} · updated {time_of_day(result.fetched_at, tz)} · refreshes every {REFRESH_SECONDS:.0f} s"

    async def export_table(self) -> ExportTable | str:
        if not self.stats:
            return "The ticket stats are not loaded yet."
        place = event_place(self.app)
        name = (place.event_name if place is not None else "") or self.uri
        checked_in = self.arrivals.checked_in_by_name() if self.arrivals else None
        return tickets_table(self.stats, checked_in, title=f"{name} — tickets")

    def palette_commands(self):
        return [("Refresh ticket stats", "Ask Eventtia for the live numbers now", self.refresh_now),
                ("Wider arrival bars", "More time per bar in the arrivals chart (+)", lambda: self.action_bars(1)),
                ("Narrower arrival bars", "Less time per bar in the arrivals chart (-)", lambda: self.action_bars(-1))]
