"""What every screen of the app shares."""

from __future__ import annotations

import time

from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input

from eventtia_tui.textual_private import PaintsWhenIdle


def apply_cursor_blink(screen: Screen) -> None:
    """Tests turn the cursor blink off (app.cursor_blink) so snapshots are stable."""
    blink = getattr(screen.app, "cursor_blink", True)
    for field in screen.query(Input):
        field.cursor_blink = blink


def highlighted_key(table: DataTable) -> str | None:
    """The key of the row under the cursor, or None when the table is empty."""
    if not table.row_count:
        return None
    return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value


def show_field_errors(screen: Screen, errors: dict[str, str], message_id: str) -> None:
    """Each message under its field (`#error-NAME`), the rest in the form's message line; the first bad
    field gets the focus."""
    for widget in screen.query(".field-error"):
        widget.update("")
        widget.remove_class("shown")
    general = []
    for name, message in errors.items():
        target = screen.query(f"#error-{name}")
        if target:
            target.first().update(message)
            target.first().add_class("shown")
        else:
            general.append(message)
    screen.query_one(f"#{message_id}").update(" ".join(general) or "Please fix the fields marked above.")
    first_bad = next((f"#field-{name}" for name in errors if screen.query(f"#field-{name}")), None)
    if first_bad:
        screen.query_one(first_bad).focus()


class AppScreen(PaintsWhenIdle, Screen):
    def on_mount(self) -> None:
        apply_cursor_blink(self)

    def palette_commands(self):
        return []


class AppModal(PaintsWhenIdle, ModalScreen):
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
        self.app.modal_closed_at = time.monotonic()
        self.app.call_after_refresh(self.app.collector.screen_closed)
        return super().dismiss(result)

    def palette_commands(self):
        return []
