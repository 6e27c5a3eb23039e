"""Every screen's footer: Textual's, but where its keys do not all fit (an 80-column kiosk), the help key
comes first and the keys sit closer, so the one key a newcomer needs is never the one cut off."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer

HELP_ACTION = "help"  # EventtiaApp's F12 (the key every footer names)
NARROW = 100  # cells: below this the footers of the event's screens do not fit


class AppFooter(Footer):
    # Textual's compact keys have a right margin: on the docked palette key it left the last column to the
    # keys scrolled under it (a stray letter there).
    DEFAULT_CSS = "AppFooter.-compact FooterKey.-command-palette { margin-right: 0; padding-right: 1; }"

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW
        if narrow != self.compact:
            self.compact = narrow
            self.call_after_refresh(self.recompose)

    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        if self.compact:  # a stable sort: the help key first, the rest as Textual orders them
            keys.sort(key=lambda widget: getattr(widget, "action", None) != HELP_ACTION)
        yield from keys
