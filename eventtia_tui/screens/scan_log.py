"""Scans and admissions (F5), for a supervisor: this session's badge scans, newest first, with their verdicts;
below them the ledger of admissions (eventtia_tui/store/ledger.py) of this event — at this place, or at every
place or another one (P steps through them) — which Ctrl+T exports as the `ledger` command does."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from eventtia_tui.export import ExportTable, ledger_table
from eventtia_tui.store.ledger import Admission

from .base import AppModal, Exports, event_place, event_zone
from .footer import AppFooter
from .formatting import one_line, plain
from .messages import AdmissionsArrived
from .tables import PlainTable
from .verdict_banner import verdict_cell

EVERY_PLACE = None  # the place filter showing every place


class ScanLogScreen(Exports, AppModal):
    BINDINGS = [
        Binding("escape,f5", "dismiss", "Close", id="close-scan-log"),
        Binding("p", "next_place", "Place", id="ledger-place"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.place: str | None = ""  # "" until mounted: this machine's place; EVERY_PLACE: all of them

    def compose(self) -> ComposeResult:
        with Vertical(id="scan-log"):
            yield Static("Recent scans", classes="title")
            yield Static(id="scan-log-status", classes="status", markup=False)
            yield PlainTable(id="scan-log-table", cursor_type="row", zebra_stripes=True, cell_width=50)
            yield Static(id="ledger-title", classes="title", markup=False)
            yield Static(id="ledger-status", classes="status", markup=False)
            yield PlainTable(id="ledger-table", cursor_type="row", zebra_stripes=True)
        yield AppFooter()

    @property
    def uri(self) -> str:
        place = event_place(self.app)
        return place.uri if place is not None else ""

    @property
    def event_name(self) -> str:
        place = event_place(self.app)
        return (place.event_name or place.uri) if place is not None else ""

    def on_mount(self) -> None:
        super().on_mount()
        entries = list(reversed(self.desk.scan_log))
        tz = event_zone(self)
        table = self.query_one("#scan-log-table", DataTable)
        table.add_columns("Time", "Verdict", "Attendee", "Where", "Scanned")
        for entry in entries:
            verdict = entry.verdict
            table.add_row(datetime.fromtimestamp(entry.at, tz).strftime("%H:%M:%S"),
                          verdict_cell(verdict),
                          plain(entry.name or "—", 30), plain(entry.where, 24), plain(entry.scanned, 50))
        problems = sum(entry.verdict.problem for entry in entries)
        self.query_one("#scan-log-status", Static).update(
            f"{len(entries)} scan{'s' if len(entries) != 1 else ''} this session, {problems} with a problem. "
            "Esc closes." if entries else "No badge scanned in this session yet.")
        self.query_one("#ledger-table", DataTable).add_columns("Time", "Attendee", "Place", "Machine", "Admitted as",
                                                               "Badge")
        self.place = self.desk.settings.admission_place
        self.show_ledger()
        table.focus()

    def shown_admissions(self) -> list[Admission]:
        """The admissions on screen: this event's, at the chosen place (or every place)."""
        return self.desk.ledger.of_event(self.uri, self.place)

    def names(self) -> dict[str, str]:
        gateway = self.desk.gateway
        index = gateway.index_if_loaded(self.uri) if gateway is not None else None
        if index is None:
            return {}
        return {record.id: record.full_name for record in index.records.values()}

    def show_ledger(self) -> None:
        admissions = self.shown_admissions()
        every = self.desk.ledger.of_event(self.uri)
        here = "every place" if self.place is EVERY_PLACE else one_line(self.place or "", 40)
        self.query_one("#ledger-title", Static).update(f"Admissions — {one_line(self.event_name, 60)} — {here}")
        places = len({a.place for a in every})
        readmitted = sum(a.readmitted for a in admissions)
        rule = "a CONFIRMED scan admits" if self.desk.settings.admit_on == "confirmed" else "Ctrl+A on a card admits"
        self.query_one("#ledger-status", Static).update(
            f"No admission at this event yet ({rule})." if not every else
            f"{len(admissions)} shown" + (f" ({readmitted} re-admitted)" if readmitted else "")
            + f" · {len(every)} at this event, {places} place{'s' if places != 1 else ''} · P: place · Ctrl+T: export")
        names = self.names()
        tz = event_zone(self)
        table = self.query_one("#ledger-table", DataTable)
        table.clear()
        for admission in reversed(admissions):
            table.add_row(datetime.fromtimestamp(admission.at, tz).strftime("%a %H:%M:%S"),
                          plain(names.get(admission.attendee) or admission.attendee or "—", 30),
                          plain(admission.place, 24), plain(admission.machine, 20),
                          plain(f"{admission.kind} ({admission.by})" if admission.by else admission.kind, 40),
                          plain(admission.badge, 40))

    def action_next_place(self) -> None:
        """This place → every place → each other place in turn → this place again."""
        own = self.desk.settings.admission_place
        order: list[str | None] = [own, EVERY_PLACE, *[p for p in self.desk.ledger.places(self.uri) if p != own]]
        position = order.index(self.place) if self.place in order else 0
        self.place = order[(position + 1) % len(order)]
        self.show_ledger()

    def on_admissions_arrived(self, message: AdmissionsArrived) -> None:
        if message.uri == self.uri:
            self.show_ledger()  # admitted at another machine of the venue: listed as it comes

    async def export_table(self) -> ExportTable | str:
        admissions = self.shown_admissions()
        if not admissions:
            return "No admissions to export here: P shows another place."
        here = "every place" if self.place is EVERY_PLACE else self.place
        return ledger_table(admissions, title=f"{self.event_name} — admissions at {here}", names=self.names())
