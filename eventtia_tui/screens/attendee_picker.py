"""Pick an attendee by typing or scanning a badge (for adding someone to an activity at the door)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from eventtia_tui.store.index import AttendeeIndex
from eventtia_tui.verdict import PersonFacts

from .base import AppModal, highlighted_key
from .footer import AppFooter
from .formatting import one_line
from .tables import PlainTable
from .verdict_banner import verdict_cell


class AttendeePickerScreen(AppModal):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="close-attendee-picker"),
        Binding("down", "focus_results", "Results", show=False, id="picker-to-results"),
    ]

    def __init__(self, title: str, index: AttendeeIndex, facts: PersonFacts | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.index = index
        self.facts = facts if facts is not None else PersonFacts()  # for each row's verdict

    def compose(self) -> ComposeResult:
        with Vertical(id="attendee-picker"):
            yield Static(one_line(self.title_text, 200), classes="title", markup=False)
            yield Input(placeholder="Name, email — or scan the badge", id="pick-query")
            yield Static("Type to search the synced attendees.", id="pick-note", classes="status")
            yield PlainTable(id="pick-results", cursor_type="row")
        yield AppFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).add_columns("Name", "Company", "Email", "Verdict")
        self.query_one(Input).focus()

    @on(Input.Changed, "#pick-query")
    def search(self, event: Input.Changed) -> None:
        table = self.query_one(DataTable)
        table.clear()
        matches = [m for m in self.index.search(event.value, limit=30) if not m.record.cancelled]
        for match in matches:
            record = match.record
            table.add_row(record.full_name, record.company or "—", record.email or "—",
                          verdict_cell(self.facts.verdict(record)), key=record.id)
        note = "Enter picks the first match; ↓ to choose another." if matches else "No active attendee matches."
        self.query_one("#pick-note", Static).update(note if event.value.strip() else "Type to search.")

    @on(Input.Submitted, "#pick-query")
    def submitted(self, event: Input.Submitted) -> None:
        exact = self.index.exact(event.value)
        if exact is not None and not exact.cancelled:
            self.dismiss(exact.id)
            return
        table = self.query_one(DataTable)
        if table.row_count:
            self.dismiss(highlighted_key(table))

    @on(DataTable.RowSelected, "#pick-results")
    def picked(self, event: DataTable.RowSelected) -> None:
        self.dismiss(event.row_key.value)

    def action_focus_results(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.focus()
