"""The attendee card: every custom field by name, type, status, payment, check-in, QR text, activities.

Keys: C cancels the registration (after a confirmation), A adds an activity, M moves the highlighted
activity to another, D removes it. Kiosk mode shows the card only.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from eventtia_tui.actions import CancelAttendee, add_activity, move_activity, remove_activity, undo_cancel
from eventtia_tui.api.errors import ApiError
from eventtia_tui.api.models import Workshop
from eventtia_tui.gateway import AttendeeRecord

from .base import AppModal, highlighted_key
from .formatting import time_range
from .messages import DataChanged

HIDDEN = {"first_name", "last_name"}
WRITE_ACTIONS = {"cancel_registration", "add_activity", "move_activity", "remove_activity"}


class AttendeeCardScreen(AppModal):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="close-card"),
        Binding("c", "cancel_registration", "Cancel registration", id="cancel-registration"),
        Binding("a", "add_activity", "Add activity", id="add-activity"),
        Binding("m", "move_activity", "Move", id="move-activity"),
        Binding("d", "remove_activity", "Remove", id="remove-activity"),
    ]

    def __init__(self, uri: str, record: AttendeeRecord, type_name: str, *, kiosk: bool = False) -> None:
        super().__init__()
        self.uri = uri
        self.record = record
        self.type_name = type_name
        self.kiosk = kiosk
        self.labels: dict[str, str] = {}
        self.activities: list[Workshop] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="card"):
            yield Static(id="card-title")
            yield Static(id="card-fields")
            yield Static("Activities: loading…", id="card-activities-title")
            yield DataTable(id="card-activities", cursor_type="row", show_header=False)
        yield Footer()

    def writable(self) -> bool:
        """Kiosks show the card only; a cancelled or not yet confirmed registration can't change."""
        return not (self.kiosk or self.record.cancelled or self.record.id.startswith("pending-"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS:
            if not self.writable():
                return False
            if action in ("move_activity", "remove_activity") and not self.activities:
                return None  # shown, greyed out
        return True

    def on_mount(self) -> None:
        super().on_mount()
        self.render_card()
        self.load_details()

    @property
    def tz(self):
        below = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else None
        return getattr(below, "tz", None)

    def render_card(self) -> None:
        record = self.record
        title = Text.assemble((record.full_name or "—", "bold"), "  ", (self.type_name, "cyan"), "  ",
                              (record.status, "green" if record.status == "confirmed" else "yellow"
                               if not record.cancelled else "red"))
        self.query_one("#card-title", Static).update(title)
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim", justify="right")
        table.add_column()
        table.add_row("Paid", "yes" if record.paid else "no")
        table.add_row("Checked in", "yes" if record.checked_in else "no")
        for name in list(self.labels) or list(record.fields):
            if name in HIDDEN or name not in record.fields:
                continue
            value = record.fields.get(name)
            table.add_row(self.labels.get(name, name.replace("_", " ").capitalize()),
                          "—" if value in (None, "", {}) else str(value))
        table.add_row("UUID", record.uuid or "—")
        table.add_row("QR", Text(record.qr_code or "—", overflow="fold"))
        self.query_one("#card-fields", Static).update(table)

    @work(exclusive=True, group="card", exit_on_error=False)
    async def load_details(self) -> None:
        gateway = self.app.gateway
        index = await gateway.attendee_index(self.uri)
        latest = index.get(self.record.id) if index is not None else None
        if latest is not None:
            self.record = latest
        try:
            types = (await gateway.attendee_types(self.uri)).value
        except ApiError:
            types = []
        for attendee_type in types:
            if attendee_type.id == self.record.type_id:
                self.labels = {f.name: f.label for f in attendee_type.custom_fields if f.name}
        self.render_card()
        title = self.query_one("#card-activities-title", Static)
        if self.record.id.startswith("pending-"):
            title.update("Activities: available once the registration reaches Eventtia.")
            return
        try:
            result = await gateway.attendee_workshops(self.uri, self.record.id)
        except ApiError as error:
            title.update(f"Activities: not available offline ({error.message})")
            return
        self.activities = result.value
        table = self.query_one("#card-activities", DataTable)
        table.clear(columns=not table.columns)
        if not table.columns:
            table.add_columns("When", "Activity", "Room")
        for workshop in self.activities:
            table.add_row(time_range(workshop.start_date, workshop.end_date, self.tz), workshop.name or "—",
                          workshop.location or "—", key=workshop.id)
        keys = "" if self.kiosk or self.record.cancelled else "  (A add · M move · D remove)"
        suffix = " — offline copy" if result.offline else ""
        title.update(f"Activities{suffix}: {len(self.activities) or 'none'}{keys}")
        self.refresh_bindings()

    def on_data_changed(self, message: DataChanged) -> None:
        if message.uri == self.uri:
            self.load_details()

    def current_ids(self) -> list[str]:
        return [w.id for w in self.activities if w.id]

    def highlighted(self) -> str | None:
        return highlighted_key(self.query_one("#card-activities", DataTable))

    def action_cancel_registration(self) -> None:
        if not self.writable():
            return
        from .confirm import ConfirmScreen

        question = (f"Cancel the registration of {self.record.full_name} ({self.type_name})?\n"
                    "Their seats in activities are freed. You can undo right after (Ctrl+Z).")

        def answered(yes: bool | None) -> None:
            if yes:
                self.cancel_registration()

        self.app.push_screen(ConfirmScreen(question, "Cancel registration"), answered)

    def cancel_registration(self) -> None:
        record, type_name = self.record, self.type_name
        action = CancelAttendee(self.uri, attendee_id=record.id, name=record.full_name, type_name=type_name)
        self.app.undo = lambda: self.app.perform(undo_cancel(record, self.uri, type_name))
        self.app.perform(action, on_applied=self.dismiss)

    def pick_activity_then(self, verb: str, make_action) -> None:
        """Open the activity picker; the picked activity goes into the action `make_action` builds."""
        from .activity_picker import ActivityPickerScreen

        def picked(workshop_id: str | None) -> None:
            if workshop_id:
                self.app.perform(make_action(workshop_id))

        self.app.push_screen(ActivityPickerScreen(self.uri, f"{verb} {self.record.full_name} to…",
                                                  set(self.current_ids()), self.tz), picked)

    def action_add_activity(self) -> None:
        if not self.writable():
            return
        self.pick_activity_then("Add", lambda workshop_id: add_activity(
            self.uri, self.record.id, self.record.full_name, workshop_id, self.current_ids()))

    def action_move_activity(self) -> None:
        old = self.highlighted()
        if not self.writable() or old is None:
            return
        self.pick_activity_then("Move", lambda workshop_id: move_activity(
            self.uri, self.record.id, self.record.full_name, old, workshop_id, self.current_ids()))

    def action_remove_activity(self) -> None:
        if not self.writable():
            return
        workshop_id = self.highlighted()
        if workshop_id:
            self.app.perform(remove_activity(self.uri, self.record.id, self.record.full_name, workshop_id,
                                             self.current_ids()))
