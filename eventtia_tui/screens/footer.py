"""Every screen's footer: Textual's, naming the help key on modal screens too (the card, forms, F5), and
where its keys do not all fit (an 80-column kiosk, the B2B tab's many keys) with the help key first and the
keys closer together, so the one key a newcomer needs is never the one left out or cut off."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from eventtia_tui.textual_private import footer_key

from .base import desk_of

HELP_ACTION = "help"  # EventtiaApp's F12 (the key every footer names)
KEY_PADDING = 3  # cells around a key and its description, as Textual's footer draws them
PALETTE_KEY = 12  # "▏^p palette", docked on the right


class AppFooter(Footer):
    # Textual's compact keys have a right margin: on the docked palette key it left the last column to the
    # keys scrolled under it (a stray letter there).
    DEFAULT_CSS = "AppFooter.-compact FooterKey.-command-palette { margin-right: 0; padding-right: 1; }"

    def help_binding(self) -> Binding | None:
        """The app's help key (F12, or its [keymap] rebind) when this screen's footer would not name it: on a
        modal screen (the card, a form, F5) Textual's footer shows the screen's own keys only, though the help
        key works there too. None where the screen shows it, binds that key itself (help's own Close), or a
        kiosk may not open help."""
        active = self.screen.active_bindings
        if any(binding.binding.action == HELP_ACTION for binding in active.values()):
            return None
        desk = desk_of(self)
        key = desk.settings.keymap.get("help", "f12").split(",")[0].strip()
        if not key or key in active or not desk.allows(self.app, HELP_ACTION):
            return None
        return Binding(key, HELP_ACTION, "Help")

    def fits(self) -> bool:
        """Every key shown, at Textual's spacing, within the footer's width."""
        active = self.screen.active_bindings
        shown = {binding.binding.action: binding.binding for binding in active.values() if binding.binding.show}
        if (extra := self.help_binding()) is not None:
            shown[HELP_ACTION] = extra
        palette = self.show_command_palette and self.app.COMMAND_PALETTE_BINDING in active  # not on a modal
        needed = (PALETTE_KEY if palette else 0) + sum(cell_len(self.app.get_key_display(binding)) + cell_len(binding.description)
                                   + KEY_PADDING for binding in shown.values())
        return needed <= (self.size.width or self.app.size.width)

    shown: tuple[Any, ...] | None = None  # what the last recompose drew (`keys_shown`)

    def keys_shown(self, screen: Screen) -> tuple[Any, ...]:
        """Everything `compose` draws from the screen's keys (the width aside: `on_resize`)."""
        extra = self.help_binding()
        return (tuple((binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                       binding.show, binding.group, enabled, tooltip)
                      for _, binding, enabled, tooltip in screen.active_bindings.values()),
                (extra.key, extra.description) if extra else None, self.show_command_palette)

    def bindings_changed(self, screen: Screen) -> None:
        # Textual draws the footer again each time the screen's keys may have changed (a focus moved): the same
        # keys again are not drawn again. Start-up sent it nine times, each a mount and a style pass of every key.
        # The keys are read after the next refresh, as Textual's footer reads them: the signal can come while a
        # screen is being pushed and built, and an app-wide key's check may look into that screen.
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self.draw_if_changed, screen)
        else:
            super().bindings_changed(screen)

    def draw_if_changed(self, screen: Screen) -> None:
        if not (self.is_attached and screen is self.screen):
            return
        shown = self.keys_shown(screen)
        if shown != self.shown:
            self.shown = shown
            super().bindings_changed(screen)

    def on_resize(self) -> None:
        if self.fits() == self.compact:  # it fits now but is drawn tight, or the other way round
            self.call_after_refresh(self.recompose)

    def compose(self) -> ComposeResult:
        tight = not self.fits()
        self.set_reactive(Footer.compact, tight)
        self.set_class(tight, "-compact")
        keys = list(super().compose())
        if (extra := self.help_binding()) is not None:
            keys.append(footer_key(extra.key, self.app.get_key_display(extra), extra.description, extra.action)
                        .data_bind(compact=Footer.compact))
        if tight:  # a stable sort: the help key first, the rest as Textual orders them
            keys.sort(key=lambda widget: getattr(widget, "action", None) != HELP_ACTION)
        yield from keys
