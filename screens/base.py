"""What every screen of the app shares."""

from __future__ import annotations

from textual.screen import ModalScreen, Screen
from textual.widgets import Input


def apply_cursor_blink(screen: Screen) -> None:
    """Tests turn the cursor blink off (app.cursor_blink) so snapshots are stable."""
    blink = getattr(screen.app, "cursor_blink", True)
    for field in screen.query(Input):
        field.cursor_blink = blink


class AppScreen(Screen):
    def on_mount(self) -> None:
        apply_cursor_blink(self)

    def palette_commands(self):
        return []


class AppModal(ModalScreen):
    def on_mount(self) -> None:
        apply_cursor_blink(self)

    def palette_commands(self):
        return []
