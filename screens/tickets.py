"""Tickets (F4): seats used per attendee type, live while the tab is on screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from eventtia_tui.api.errors import ApiError
from eventtia_tui.api.models import TicketStat
from eventtia_tui.gateway import Result

from .formatting import bar
from .tables import PlainTable

REFRESH_SECONDS = 5.0
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


def time_of_day(epoch: float, tz) -> str:
    return datetime.fromtimestamp(epoch, tz).strftime("%H:%M:%S")


class TicketsPane(Vertical):
    DEFAULT_CLASSES = "event-pane"

    def __init__(self, uri: str) -> None:
        super().__init__(id="tickets-pane")
        self.uri = uri
        self.stats: list[TicketStat] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Static("Loading ticket stats…", id="tickets-status", classes="status", markup=False)
        yield PlainTable(id="tickets-table", cursor_type="none", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Attendee type", "Registered / limit", "Seats left")
        self.set_interval(REFRESH_SECONDS, self.tick)
        self.load()

    def on_show(self) -> None:
        """The tab came into view: bring the numbers up to date at once."""
        table = self.query_one(DataTable)
        if not table.has_focus:
            table.focus()
        self.load(force=True)

    def on_screen(self) -> bool:
        """Only poll Eventtia while somebody can see the numbers."""
        return self.is_attached and self.screen.is_current and self.is_on_screen

    def tick(self) -> None:
        if self.on_screen():
            self.load(force=True)

    def data_changed(self) -> None:
        self.load(force=self.on_screen())

    def refresh_now(self) -> None:
        self.load(force=True)

    @work(exclusive=True, group="tickets", exit_on_error=False)
    async def load(self, force: bool = False) -> None:
        try:
            result = await self.app.gateway.tickets_stats(self.uri, on_update=self.update_later, force=force)
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
        checked = time_of_day(self.app.clock(), self.event_tz())
        if self.loaded:
            status.update(f"Could not refresh the ticket stats ({checked}): {message} Showing the last numbers.")
        else:
            status.update(f"Could not load the ticket stats: {message} Retrying every {REFRESH_SECONDS:.0f} s.")

    def event_tz(self):
        return getattr(self.screen, "tz", None)

    def show(self, result: Result[list[TicketStat]]) -> None:
        if not self.is_attached:
            return
        self.loaded = True
        self.stats = list(result.value)
        table = self.query_one(DataTable)
        table.clear()
        for position, stat in enumerate(self.stats):
            used = stat.used_seats or 0
            table.add_row(stat.name or "—", bar(used, stat.seats_limit, width=16),
                          left_text(used, stat.seats_limit, stat.seats_left), key=f"type-{position}")
        if self.stats:
            total = totals(self.stats)
            total_bar = bar(total.used, total.limit, width=16)
            total_bar.stylize("bold")
            table.add_row(Text("Total", style="bold"), total_bar, left_text(total.used, total.limit, total.left),
                          key="total")
        self.query_one("#tickets-status", Static).update(self.status_text(result))

    def status_text(self, result: Result[list[TicketStat]]) -> str:
        tz = self.event_tz()
        if not self.stats:
            text = "This event has no attendee types yet."
        else:
            count = len(self.stats)
            text = f"{count} attendee type{'s' if count != 1 else ''}"
        if result.offline:
            return (f"{text} · offline copy from {time_of_day(result.fetched_at, tz)}; "
                    f"retrying every {REFRESH_SECONDS:.0f} s (last try {time_of_day(self.app.clock(), tz)}).")
        return f"{text} · updated {time_of_day(result.fetched_at, tz)} · refreshes every {REFRESH_SECONDS:.0f} s"

    def palette_commands(self):
        return [("Refresh ticket stats", "Ask Eventtia for the live numbers now", self.refresh_now)]
