"""What every screen of the app shares: the Desk, and the protocols the app and the palette rely on."""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Callable
from typing import Any, cast
from zoneinfo import ZoneInfo

from textual.app import App
from textual.coordinate import Coordinate
from textual.message_pump import MessagePump
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from eventtia_tui.desk import Desk
from eventtia_tui.export import ExportTable
from eventtia_tui.textual_private import PaintsWhenIdle

PaletteCommand = tuple[str, str, Callable[[], object]]  # title, help, callback


class DeskOf:
    """`desk = DeskOf()` on a screen or widget: the app, seen as the Desk (eventtia_tui/desk.py), the one typed
    interface the screens use to reach the core. The app is a Desk (mypy checks EventtiaApp against it)."""

    def __get__(self, node: MessagePump, owner: type | None = None) -> Desk:
        return cast(Desk, node.app)


def desk_of(node: MessagePump) -> Desk:
    return cast(Desk, node.app)


class HasCommands:
    """Something with commands of its own for the command palette (eventtia_tui/screens/palette.py); with none,
    the palette lists its key bindings."""

    def palette_commands(self) -> list[PaletteCommand]:
        return []


class EventPane(HasCommands):
    """A tab of the event screen: told when the event's data changed."""

    desk = DeskOf()

    def data_changed(self) -> None:
        pass


class Exports:
    """A screen or pane that exports what it shows itself (Ctrl+T; eventtia_tui/screens/exporting.py)."""

    @abstractmethod
    async def export_table(self) -> ExportTable | str:
        """The rows to export, or a sentence saying why there are none."""


def apply_cursor_blink(screen: Screen[Any]) -> None:
    """Tests turn the cursor blink off (Desk.cursor_blink) so snapshots are stable."""
    blink = desk_of(screen).cursor_blink
    for field in screen.query(Input):
        field.cursor_blink = blink


def show_loading(widget: Widget, loading: bool) -> None:
    """Widget.loading set before the widget is mounted is applied later, so a False set just after the mount came
    first and the spinner stayed over the rows for good (the picker, one start in two on a pty). Every change
    goes through the widget's own queue, in the order asked."""
    widget.call_later(widget.set_loading, loading)


def highlighted_key(table: DataTable) -> str | None:
    """The key of the row under the cursor, or None when the table is empty."""
    if not table.row_count:
        return None
    return table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value


def show_field_errors(screen: Screen, errors: dict[str, str], message_id: str) -> None:
    """Each message under its field (`#error-NAME`), the rest in the form's message line; the first bad
    field gets the focus."""
    for widget in screen.query(".field-error").results(Static):
        widget.update("")
        widget.remove_class("shown")
    general = []
    for name, message in errors.items():
        target = screen.query(f"#error-{name}")
        if target:
            target.first(Static).update(message)
            target.first(Static).add_class("shown")
        else:
            general.append(message)
    screen.query_one(f"#{message_id}", Static).update(" ".join(general) or "Please fix the fields marked above.")
    first_bad = next((f"#field-{name}" for name in errors if screen.query(f"#field-{name}")), None)
    if first_bad:
        screen.query_one(first_bad).focus()


def clear_settled_errors(screen: Screen, errors: dict[str, str]) -> None:
    """As the form is typed in: a field's shown error goes as soon as its value is valid (`errors` holds the
    problems of the values as they are now); new problems wait for the submit."""
    for widget in screen.query(".field-error.shown").results(Static):
        if (widget.id or "").removeprefix("error-") not in errors:
            widget.update("")
            widget.remove_class("shown")


class OwnScreen(HasCommands):
    """What the app and the scanner gate ask of each of the app's screens."""

    desk = DeskOf()
    KEY_ISOLATION: float | None = None  # seconds a lone key waits for company (scan_gate.py); None: the setting's
    COVERS_EVENT = False  # shown over the event's screens without being one of them (the login screen)

    def holds_work(self) -> bool:
        """Typed work that closing would lose: a scan does not close it."""
        return False


class AppScreen(OwnScreen, PaintsWhenIdle):
    def on_mount(self) -> None:
        apply_cursor_blink(self)


class EventPlace(AppScreen):
    """An event's own screen: what the screens over it read of the event."""

    uri: str
    event_name: str
    tz: ZoneInfo | None

    def active_pane(self) -> Widget | None:
        """The pane of the tab in front."""
        return None

    def esc_meant_for_a_card(self) -> bool:
        """An Esc this soon after a card or dialog closed was meant for it."""
        return False


def event_place(app: App[Any]) -> EventPlace | None:
    """The event's screen, when an event's screens are showing (not the login or the event picker)."""
    stack = app.screen_stack
    if not stack or (isinstance(stack[-1], OwnScreen) and stack[-1].COVERS_EVENT):
        return None
    return next((screen for screen in reversed(stack) if isinstance(screen, EventPlace)), None)


def event_zone(node: Widget) -> ZoneInfo | None:
    """The time zone of the event being shown (None: the machine's): a pane's own screen's, else the event
    screen under the card or dialog."""
    place = node.screen if isinstance(node.screen, EventPlace) else event_place(node.app)
    return place.tz if place is not None else None


class AppModal(OwnScreen, PaintsWhenIdle, ModalScreen[Any]):
    closed = False

    def on_mount(self) -> None:
        apply_cursor_blink(self)

    def dismiss(self, result=None):
        """Once, and only while on top: a second key (Y then Esc) or a write confirmed after a scan
        closed the card must not close it again or close what is now on top."""
        if self.closed or not self.is_current:
            return None
        self.closed = True
        # Stamped now, not when the screen below resumes: an Esc already queued behind this one is handled
        # before that resume (see EventScreen.LEAVE_GRACE).
        self.desk.modal_closed_at = time.monotonic()
        self.app.call_after_refresh(self.desk.collector.screen_closed)
        return super().dismiss(result)
