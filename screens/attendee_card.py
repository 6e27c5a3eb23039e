"""The attendee card: every custom field by name, type, status, payment, check-in, QR text, activities."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from eventtia_tui.api.errors import ApiError
from eventtia_tui.gateway import AttendeeRecord

from .base import AppModal
from .formatting import time_range

HIDDEN = {"first_name", "last_name"}


class AttendeeCardScreen(AppModal):
    BINDINGS = [Binding("escape", "dismiss", "Close", id="close-card")]

    def __init__(self, uri: str, record: AttendeeRecord, type_name: str, *, kiosk: bool = False) -> None:
        super().__init__()
        self.uri = uri
        self.record = record
        self.type_name = type_name
        self.kiosk = kiosk
        self.labels: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="card"):
            yield Static(id="card-title")
            yield Static(id="card-fields")
            yield Static("Activities: loading…", id="card-activities")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.render_card()
        self.load_details()

    def render_card(self) -> None:
        record = self.record
        title = Text.assemble((record.full_name or "—", "bold"), "  ", (self.type_name, "cyan"), "  ",
                              (record.status, "green" if record.status == "confirmed" else "red"))
        self.query_one("#card-title", Static).update(title)
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim", justify="right")
        table.add_column()
        table.add_row("Paid", "yes" if record.paid else "no")
        table.add_row("Checked in", "yes" if record.checked_in else "no")
        names = list(self.labels) or list(record.fields)
        for name in names:
            if name in HIDDEN or name not in record.fields:
                continue
            value = record.fields.get(name)
            table.add_row(self.labels.get(name, name.replace("_", " ").capitalize()),
                          "—" if value in (None, "", {}) else str(value))
        table.add_row("UUID", record.uuid)
        table.add_row("QR", Text(record.qr_code, overflow="fold"))
        self.query_one("#card-fields", Static).update(table)

    @work(exclusive=True, group="card", exit_on_error=False)
    async def load_details(self) -> None:
        gateway = self.app.gateway
        try:
            types = (await gateway.attendee_types(self.uri)).value
        except ApiError:
            types = []
        for attendee_type in types:
            if attendee_type.id == self.record.type_id:
                self.labels = {f.name: f.label for f in attendee_type.custom_fields if f.name}
                self.render_card()
        activities = self.query_one("#card-activities", Static)
        try:
            result = await gateway.attendee_workshops(self.uri, self.record.id)
        except ApiError as error:
            activities.update(f"Activities: not available offline ({error.message})")
            return
        tz = getattr(self.app.screen_stack[-2], "tz", None) if len(self.app.screen_stack) > 1 else None
        lines = [f"  {time_range(w.start_date, w.end_date, tz)}  {w.name}  ({w.location or 'room tbc'})"
                 for w in result.value]
        suffix = " (offline copy)" if result.offline else ""
        activities.update("Activities" + suffix + ":\n" + ("\n".join(lines) if lines else "  none"))
