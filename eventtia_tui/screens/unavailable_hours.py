"""Unavailable hours of one participant type: list, add, edit, delete; the agenda re-shades at once."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Label, Static

from eventtia_tui.actions import Outcome, UnavailableHourAction
from eventtia_tui.api.errors import ApiError
from eventtia_tui.api.models import UnavailableHour

from .base import AppModal, highlighted_key
from .confirm import ConfirmScreen
from .footer import AppFooter
from .formatting import local, one_line
from .messages import DataChanged
from .tables import PlainTable

WRITE_FORMAT = "%d/%m/%Y - %H:%M"


class UnavailableHoursScreen(AppModal):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="close-hours"),
        Binding("ctrl+s", "save", "Save", id="save-hour", priority=True),
        Binding("ctrl+n", "new", "New", id="new-hour", priority=True),
        Binding("ctrl+e", "edit", "Edit highlighted", id="edit-hour", priority=True),
        Binding("ctrl+d", "delete", "Delete highlighted", id="delete-hour", priority=True),
    ]

    def __init__(self, uri: str, conference_id: str, type_id: str, type_name: str, tz=None,
                 first_day: str = "") -> None:
        super().__init__()
        self.uri = uri
        self.conference_id = conference_id
        self.type_id = type_id
        self.type_name = type_name
        self.tz = tz
        self.first_day = first_day  # dd/mm/yyyy of the conference's first day, to start from
        self.hours: list[UnavailableHour] = []
        self.editing: str = ""  # the id of the hour being edited; empty when adding one
        self.filled_in: tuple[str, str] = ("", "")  # start and end as the editor filled them in (not typed)

    def compose(self) -> ComposeResult:
        with Vertical(id="hours-editor"):
            yield Static(f"Unavailable hours — {one_line(self.type_name, 80)}", classes="title", markup=False)
            yield PlainTable(id="hours-table", cursor_type="row")
            yield Static("", id="hours-mode", classes="status", markup=False)
            with Horizontal(classes="field-row"):
                yield Label("Start", classes="field-label")
                yield Input(placeholder="dd/mm/yyyy - HH:MM", id="field-start", compact=True)
            yield Static("", id="error-start", classes="error field-error", markup=False)
            with Horizontal(classes="field-row"):
                yield Label("End", classes="field-label")
                yield Input(placeholder="dd/mm/yyyy - HH:MM", id="field-end", compact=True)
            yield Static("", id="error-end", classes="error field-error", markup=False)
            yield Static("", id="hours-message", classes="status", markup=False)
        yield AppFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).add_columns("From", "To")
        self.action_new()
        self.load()

    @work(exclusive=True, group="hours", exit_on_error=False)
    async def load(self) -> None:
        try:
            result = await self.desk.reads.unavailable_hours(self.uri, self.conference_id, self.type_id)
        except ApiError as error:
            self.query_one("#hours-message", Static).update(f"Unavailable hours are not available: {error.message}")
            return
        self.hours = sorted(result.value, key=lambda h: (h.start_date is None, h.start_date))
        table = self.query_one(DataTable)
        table.clear()
        for hour in self.hours:
            table.add_row(self.written(hour.start_date), self.written(hour.end_date), key=hour.id)
        if not self.hours:
            self.query_one("#hours-message", Static).update(f"No unavailable hours for {one_line(self.type_name, 80)} yet.")

    def written(self, moment) -> str:
        shown = local(moment, self.tz)
        return shown.strftime(WRITE_FORMAT) if shown else "—"

    def highlighted(self) -> UnavailableHour | None:
        ident = highlighted_key(self.query_one(DataTable))
        return next((h for h in self.hours if h.id == ident), None)

    def typed(self) -> tuple[str, str]:
        return self.query_one("#field-start", Input).value, self.query_one("#field-end", Input).value

    def holds_work(self) -> bool:
        """Edits not saved yet (a badge scan keeps the editor open under the card)."""
        return self.is_attached and self.typed() != self.filled_in

    def action_new(self) -> None:
        self.editing = ""
        day = self.first_day
        self.query_one("#field-start", Input).value = f"{day} - 12:00" if day else ""
        self.query_one("#field-end", Input).value = f"{day} - 13:00" if day else ""
        self.filled_in = self.typed()
        self.query_one("#hours-mode", Static).update("New unavailable hour — Ctrl+S saves it.")
        self.query_one("#field-start", Input).focus()

    def action_edit(self) -> None:
        hour = self.highlighted()
        if hour is None:
            return
        self.editing = hour.id or ""
        self.query_one("#field-start", Input).value = self.written(hour.start_date)
        self.query_one("#field-end", Input).value = self.written(hour.end_date)
        self.filled_in = self.typed()
        self.query_one("#hours-mode", Static).update("Editing the highlighted hour — Ctrl+S saves, Ctrl+N starts a new one.")
        self.query_one("#field-start", Input).focus()

    def action_save(self) -> None:
        action = UnavailableHourAction(
            self.uri, conference_id=self.conference_id, participant_type_id=self.type_id, hour_id=self.editing,
            start=self.query_one("#field-start", Input).value.strip(),
            end=self.query_one("#field-end", Input).value.strip(), type_name=self.type_name)
        self.show_errors({})
        self.desk.perform(action, on_applied=self.saved, on_refused=self.refused)

    def action_delete(self) -> None:
        hour = self.highlighted()
        if hour is None:
            return
        question = f"Delete the unavailable hour {self.written(hour.start_date)} → {self.written(hour.end_date)}?"

        def answered(yes: bool | None) -> None:
            if yes:
                self.desk.perform(UnavailableHourAction(
                    self.uri, conference_id=self.conference_id, participant_type_id=self.type_id,
                    hour_id=hour.id or "", delete=True, type_name=self.type_name))

        self.app.push_screen(ConfirmScreen(question, "Delete"), answered)

    def saved(self) -> None:
        self.action_new()

    def refused(self, outcome: Outcome) -> None:
        if self.is_attached:
            self.show_errors(outcome.errors or {"message": outcome.message})

    def show_errors(self, errors: dict[str, str]) -> None:
        for name in ("start", "end"):
            target = self.query_one(f"#error-{name}", Static)
            target.update(errors.get(name, ""))
            target.set_class(name in errors, "shown")
        rest = [message for name, message in errors.items() if name not in ("start", "end")]
        self.query_one("#hours-message", Static).update(" ".join(rest))

    @on(Input.Submitted, "#field-start")
    def to_end(self) -> None:
        self.query_one("#field-end", Input).focus()

    @on(Input.Submitted, "#field-end")
    def submit(self) -> None:
        self.action_save()

    def on_data_changed(self, message: DataChanged) -> None:
        if message.uri == self.uri:
            self.load()
