"""Change an activity itself (E on the Activities tab or a roster): name, room, times, seats, registration.

Checked before anything is sent (formats, end after start); fewer seats than are booked needs a yes;
only what changed goes to Eventtia. The change shows at once everywhere; a refusal reopens this form
with what was typed and Eventtia's reason.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Static

from eventtia_tui.actions import Outcome, UpdateActivity
from eventtia_tui.actions.activity_edit import below_booked, form_changes, shown_time
from eventtia_tui.api.models import Workshop

from .base import apply_cursor_blink, clear_settled_errors, show_field_errors
from .confirm import ConfirmScreen
from .footer import AppFooter
from .form import FormModal
from .formatting import one_line, plain

TEXT_FIELDS = (("name", "Name"), ("location", "Room"), ("start_date", "Starts"), ("end_date", "Ends"),
               ("availability", "Seats"))
PLACEHOLDERS = {"start_date": "14:15 or 24/11/2026 14:15", "end_date": "15:45 or 24/11/2026 15:45",
                "availability": "empty: no limit", "location": "room tbc"}


def initial_values(workshop: Workshop, tz: ZoneInfo | None) -> dict[str, str | bool]:
    return {"name": workshop.name or "", "location": workshop.location or "",
            "start_date": shown_time(workshop.start_date, tz), "end_date": shown_time(workshop.end_date, tz),
            "availability": "" if workshop.availability is None else str(workshop.availability),
            "show_on_register": workshop.show_on_register is not False}


def registration_label(open_: bool) -> str:
    return ("open: offered on the registration form (space closes it)" if open_
            else "closed: not offered for registration (space opens it)")


class ActivityFormScreen(FormModal):
    DISCARD_QUESTION = "Discard the changes to this activity? Nothing was sent."

    BINDINGS = [
        Binding("escape", "close", "Cancel", id="cancel-activity-edit"),
        Binding("ctrl+s", "submit", "Save", id="save-activity", priority=True),
    ]

    def __init__(self, uri: str, workshop: Workshop, tz: ZoneInfo | None, values: dict | None = None,
                 message: str = "") -> None:
        super().__init__()
        self.uri = uri
        self.workshop = workshop
        self.tz = tz
        self.started_with = initial_values(workshop, tz)
        self.values = dict(values or self.started_with)
        self.message = message

    def compose(self) -> ComposeResult:
        booked = self.workshop.used_seats or 0
        with VerticalScroll(id="activity-form"):
            yield Static(plain(f"Change activity: {one_line(self.workshop.name or '—', 60)}"), classes="title")
            for name, label in TEXT_FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label(label, classes="field-label")
                    # Not selected on focus: one stray key would replace the whole value.
                    yield Input(str(self.values.get(name, "")), placeholder=PLACEHOLDERS.get(name, ""),
                                id=f"field-{name}", compact=True, select_on_focus=False)
                yield Static("", id=f"error-{name}", classes="error field-error", markup=False)
            yield Static(f"{booked} seat{'s' if booked != 1 else ''} booked now.", id="activity-booked",
                         classes="field-note", markup=False)
            with Horizontal(classes="field-row"):
                yield Label("Registration", classes="field-label")
                yield Checkbox(registration_label(bool(self.values.get("show_on_register", True))),
                               bool(self.values.get("show_on_register", True)), id="field-show_on_register",
                               compact=True)
            yield Static(self.message, id="activity-message", classes="error", markup=False)
            with Horizontal(id="activity-buttons"):
                yield Button("Save (Ctrl+S)", variant="primary", id="submit")
                yield Button("Cancel (Esc)", id="cancel")
        yield AppFooter()

    def on_mount(self) -> None:
        super().on_mount()
        apply_cursor_blink(self)
        name = self.query_one("#field-name", Input)  # the cursor after the name, nothing selected
        name.focus()
        name.cursor_position = len(name.value)

    @on(Input.Changed)
    def recheck(self) -> None:
        """A field's error goes as soon as what is typed there is valid (a corrected time, a number of seats)."""
        if self.query(".field-error.shown"):
            clear_settled_errors(self, form_changes(self.workshop, self.typed(), self.tz)[1])

    @on(Checkbox.Changed, "#field-show_on_register")
    def registration_switched(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = registration_label(event.value)

    def typed(self) -> dict[str, str | bool]:
        values: dict[str, str | bool] = {name: self.query_one(f"#field-{name}", Input).value for name, _ in TEXT_FIELDS}
        values["show_on_register"] = self.query_one("#field-show_on_register", Checkbox).value
        return values

    def holds_work(self) -> bool:
        """Something was changed that closing the form would throw away (a scan keeps the form open)."""
        return self.is_attached and self.typed() != self.started_with

    def action_submit(self) -> None:
        changes, errors = form_changes(self.workshop, self.typed(), self.tz)
        if errors:
            self.show_errors(errors)
            return
        if not changes:
            self.show_errors({"activity": "Nothing was changed."})
            return
        action = UpdateActivity(self.uri, workshop_id=self.workshop.id or "", name=self.workshop.name or "",
                                changes=changes, tz=(self.tz.key if self.tz is not None else "") or "")
        question, yes = self.needs_a_yes(changes)
        if question is None:
            self.send(action)
            return
        def answered(agreed: bool | None) -> None:
            if agreed:
                action.below_booked_ok = True
                self.send(action)

        self.app.push_screen(ConfirmScreen(question, yes), answered)

    def needs_a_yes(self, changes: dict) -> tuple[str | None, str]:
        """Seats below those booked, or no limit where there was one (a stray key in an emptied box)."""
        name = one_line(self.workshop.name or "this activity", 50)
        if "availability" not in changes:
            return None, ""
        seats = changes["availability"]
        if seats is None:
            return (f"Remove the limit of {self.workshop.availability} seats from {name}?\n"
                    "Anyone can then join it, however many come.", "Remove the limit")
        booked = below_booked(self.workshop, changes)
        if booked is None:
            return None, ""
        after = f"until fewer than {seats} are booked" if seats else "(0 seats)"
        return (f"{booked} seats are booked in {name}; {seats} is fewer.\n"
                f"Nobody loses a seat, but nobody else can join {after}. Set {seats} seats?", f"Set {seats} seats")

    def send(self, action: UpdateActivity) -> None:
        if self.sending:  # Ctrl+S pressed again (or arriving in a clump) while it goes out
            return
        self.sending = True
        typed = self.typed()
        self.query_one("#activity-message", Static).update("Saving…")
        self.desk.perform(action, on_applied=self.dismiss, on_refused=lambda outcome: self.refused(typed, outcome))

    def refused(self, typed: dict, outcome: Outcome) -> None:
        self.sending = False
        if self.is_attached:  # refused before sending: the form is still open
            self.show_errors(outcome.errors or {"activity": outcome.message})
            return
        # Eventtia refused it after the form closed: open it again with everything that was typed.
        self.app.push_screen(ActivityFormScreen(self.uri, self.workshop, self.tz, typed,
                                                message=f"Eventtia refused the change: {outcome.message}"))

    def show_errors(self, errors: dict[str, str]) -> None:
        show_field_errors(self, errors, "activity-message")
