"""Recent scans (F5): this session's badge scans, newest first, with their verdicts — for a supervisor."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from .base import AppModal, event_zone
from .formatting import plain
from .verdict_banner import verdict_cell


class ScanLogScreen(AppModal):
    BINDINGS = [Binding("escape,f5", "dismiss", "Close", id="close-scan-log")]

    def compose(self) -> ComposeResult:
        with Vertical(id="scan-log"):
            yield Static("Recent scans", classes="title")
            yield Static(id="scan-log-status", classes="status", markup=False)
            yield DataTable(id="scan-log-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        entries = list(reversed(self.desk.scan_log))
        tz = event_zone(self)
        table = self.query_one(DataTable)
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
        table.focus()
