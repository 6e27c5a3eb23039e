"""Register a walk-in: a form built from the chosen attendee type's custom fields."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from eventtia_tui.actions import Outcome, RegisterAttendee
from eventtia_tui.api.errors import ApiError
from eventtia_tui.api.models import AttendeeType, AttendeeTypeCustomField

from .base import apply_cursor_blink, show_field_errors
from .footer import AppFooter
from .form import FormModal
from .formatting import plain

SKIPPED = {"city_id"}  # needs a city list the API reference doesn't give us
PLACEHOLDERS = {"email": "name@example.com", "telephone": "+573001234567", "birthdate": "dd/mm/yyyy"}


# The register endpoint's own attendee parameters (the reference's request example): asked for even when
# the type's custom fields do not name them (the reference's own attendee type lists only first_name).
ATTENDEE_PARAMETERS = ("first_name", "last_name", "email", "company", "job_title", "telephone")


def form_fields(attendee_type: AttendeeType) -> list[AttendeeTypeCustomField]:
    """The type's fields in its order, then the register parameters it does not list."""
    listed = [f for f in attendee_type.custom_fields if f.name]
    names = {f.name for f in listed}
    return listed + [AttendeeTypeCustomField(name=name) for name in ATTENDEE_PARAMETERS if name not in names]


def options_of(custom_field: AttendeeTypeCustomField) -> list[str]:
    values = custom_field.values if isinstance(custom_field.values, list) else custom_field.options
    return [str(v) for v in values] if isinstance(values, list) else []


class RegisterFormScreen(FormModal):
    FIELDS = "#register-fields Input"
    DISCARD_QUESTION = "Discard this walk-in? What was typed in the form is lost."

    BINDINGS = [
        Binding("escape", "close", "Cancel", id="cancel-register"),
        Binding("ctrl+s", "submit", "Register", id="submit-register", priority=True),
    ]

    def __init__(self, uri: str, values: dict[str, str] | None = None, type_id: str | None = None,
                 message: str = "") -> None:
        super().__init__()
        self.uri = uri
        self.values = dict(values or {})
        # Prefilled from the search is not work to lose; a refused registration reopened with its values is.
        self.started_with = {} if message else {k: v for k, v in self.values.items() if v.strip()}
        self.type_id = type_id
        self.message = message
        self.types: dict[str, AttendeeType] = {}
        # Until its fields are built, the form is not closed under a scan: Textual's Select fails in its mount
        # handler when its screen is closed while it mounts (a scan right behind Ctrl+N stopped the app).
        self.building = True

    def compose(self) -> ComposeResult:
        # The fields scroll; the title, type and buttons stay put (at 80×24 the Register button was below the fold).
        with Vertical(id="register-form"):
            yield Static("Register a walk-in", classes="title")
            yield Select([], prompt="Attendee type", id="attendee-type", allow_blank=True, compact=True)
            yield Static("", id="error-attendee_type_id", classes="error field-error", markup=False)
            yield VerticalScroll(id="register-fields")
            yield Static(self.message, id="register-message", classes="error", markup=False)
            with Horizontal(id="register-buttons"):
                yield Button("Register (Ctrl+S)", variant="primary", id="submit")
                yield Button("Cancel (Esc)", id="cancel")
        yield AppFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.load_types()

    @work(exclusive=True, group="register-types", exit_on_error=False)
    async def load_types(self) -> None:
        try:
            types = (await self.desk.reads.attendee_types(self.uri)).value
        except ApiError as error:
            self.query_one("#register-message", Static).update(f"Attendee types are not available: {error.message}")
            self.building = False
            return
        self.types = {t.id: t for t in types if t.id}
        select = self.query_one("#attendee-type", Select)
        select.set_options([(plain(t.name or t.id, 60), t.id) for t in types if t.id])
        chosen = self.type_id if self.type_id in self.types else next(iter(self.types), None)
        if chosen:
            select.value = chosen
        await self.build_fields(chosen)

    @on(Select.Changed, "#attendee-type")
    async def type_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.type_id:
            self.keep_typed()
            await self.build_fields(event.value)

    def keep_typed(self) -> None:
        """What was typed stays when the type changes (fields of the same name carry over)."""
        for widget in self.query("#register-fields Input, #register-fields Select"):
            name = (widget.id or "").removeprefix("field-")
            value = widget.value if isinstance(widget, (Input, Select)) else None
            self.values[name] = value if isinstance(value, str) else ""

    async def build_fields(self, type_id: str | None) -> None:
        self.building = True
        try:
            await self.mount_fields(type_id)
        finally:
            self.building = False

    async def mount_fields(self, type_id: str | None) -> None:
        self.type_id = type_id
        container = self.query_one("#register-fields", VerticalScroll)
        await container.remove_children()
        attendee_type = self.types.get(type_id or "")
        if attendee_type is None:
            return
        widgets: list[Widget] = []
        for custom_field in form_fields(attendee_type):
            name = custom_field.name or ""
            if not name or name in SKIPPED:
                continue
            label = custom_field.label + (" *" if custom_field.required else "")
            choices = options_of(custom_field)
            editor: Select[str] | Input
            if choices:
                editor = Select([(plain(c, 60), c) for c in choices], id=f"field-{name}", prompt="—", compact=True)
                if self.values.get(name) in choices:
                    editor.value = self.values[name]
            else:
                editor = Input(self.values.get(name, ""), placeholder=PLACEHOLDERS.get(name, ""),
                               id=f"field-{name}", compact=True)
            widgets.append(Horizontal(Label(plain(label, 40), classes="field-label"), editor, classes="field-row"))
            widgets.append(Static("", id=f"error-{name}", classes="error field-error", markup=False))
        await container.mount_all(widgets)
        apply_cursor_blink(self)
        first = container.query(Input).first() if container.query(Input) else None
        if first is not None:
            first.focus()

    def holds_work(self) -> bool:
        """Something was typed that closing the form would throw away (a scan keeps the form open)."""
        if self.building:
            return True
        self.keep_typed()
        return {k: v for k, v in self.values.items() if v.strip()} != self.started_with

    def action_submit(self) -> None:
        if not self.type_id or self.type_id not in self.types:
            self.show_errors({"attendee_type_id": "Choose an attendee type."})
            return
        self.keep_typed()
        values = {k: v for k, v in self.values.items() if k in self.field_names() and v.strip()}
        action = RegisterAttendee(self.uri, attendee_type_id=self.type_id, values=values,
                                  type_name=self.types[self.type_id].name or "")
        if self.sending:  # Ctrl+S pressed again (or arriving in a clump) while it goes out
            return
        self.sending = True
        self.query_one("#register-message", Static).update("Checking…")
        self.desk.perform(action, on_applied=self.dismiss, on_refused=lambda outcome: self.refused(action, outcome))

    def field_names(self) -> set[str]:
        attendee_type = self.types.get(self.type_id or "")
        return {f.name for f in form_fields(attendee_type) if f.name} if attendee_type else set()

    def refused(self, action: RegisterAttendee, outcome: Outcome) -> None:
        self.sending = False
        if self.is_attached:  # refused before sending: the form is still open
            self.show_errors(outcome.errors or {"register": outcome.message})
            return
        # Eventtia refused it after the form closed: open it again with everything that was typed.
        self.app.push_screen(RegisterFormScreen(self.uri, action.values, action.attendee_type_id,
                                                message=f"Eventtia refused the registration: {outcome.message}"))

    def show_errors(self, errors: dict[str, str]) -> None:
        show_field_errors(self, errors, "register-message")
