"""Every screen's footer: Textual's, but where its keys do not all fit (an 80-column kiosk, the B2B tab's
many keys), the help key comes first and the keys sit closer, so the one key a newcomer needs is never the
one cut off."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.widgets import Footer

HELP_ACTION = "help"  # EventtiaApp's F12 (the key every footer names)
KEY_PADDING = 3  # cells around a key and its description, as Textual's footer draws them
PALETTE_KEY = 12  # "▏^p palette", docked on the right


class AppFooter(Footer):
    # Textual's compact keys have a right margin: on the docked palette key it left the last column to the
    # keys scrolled under it (a stray letter there).
    DEFAULT_CSS = "AppFooter.-compact FooterKey.-command-palette { margin-right: 0; padding-right: 1; }"

    def fits(self) -> bool:
        """Every key shown, at Textual's spacing, within the footer's width."""
        shown = {active.binding.action: active.binding for active in self.screen.active_bindings.values()
                 if active.binding.show}
        needed = PALETTE_KEY + sum(cell_len(self.app.get_key_display(binding)) + cell_len(binding.description)
                                   + KEY_PADDING for binding in shown.values())
        return needed <= (self.size.width or self.app.size.width)

    def on_resize(self) -> None:
        if self.fits() == self.compact:  # it fits now but is drawn tight, or the other way round
            self.call_after_refresh(self.recompose)

    def compose(self) -> ComposeResult:
        tight = not self.fits()
        self.set_reactive(Footer.compact, tight)
        self.set_class(tight, "-compact")
        keys = list(super().compose())
        if tight:  # a stable sort: the help key first, the rest as Textual orders them
            keys.sort(key=lambda widget: getattr(widget, "action", None) != HELP_ACTION)
        yield from keys
