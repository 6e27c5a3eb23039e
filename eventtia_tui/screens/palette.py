"""Command palette provider built from the current screen's own commands."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget

from .base import HasCommands, PaletteCommand, desk_of
from .exporting import shared_attendee
from .formatting import one_line
from .help import key_display, own_actions

TITLE_WIDTH = 80


@dataclass(frozen=True)
class Later:
    """A palette command that runs `action` on `node` once the palette has closed and the screen has its focus
    back. It names its action, so a kiosk can tell whether to offer it (EventtiaApp.allows_callback)."""

    screen: Screen[Any]
    node: DOMNode  # a widget, a screen or the app
    action: str

    def __call__(self) -> None:
        if isinstance(self.node, (Widget, App)):
            self.screen.call_after_refresh(self.node.run_action, self.action)


def later(screen: Screen[Any], node: DOMNode, action: str) -> Later:
    return Later(screen, node, action)


def binding_commands(screen: Screen) -> list[PaletteCommand]:
    """For a screen without palette commands of its own (the attendee card): its key bindings, as listed in
    help, each a command that runs what the key runs."""
    commands: list[PaletteCommand] = []
    for active in screen.active_bindings.values():
        binding = active.binding
        if active.node is screen.app or not active.enabled or not binding.description or binding.system:
            continue
        if binding.action not in own_actions(active.node):
            continue
        key = key_display(screen, binding)
        commands.append((binding.description, f"Same as the key {key}", later(screen, active.node, binding.action)))
    return commands


def app_commands(screen: Screen) -> list[PaletteCommand]:
    """Help, export and copy: on every screen (the copy commands only with an attendee in front)."""
    app = screen.app
    commands: list[PaletteCommand] = [("Keys and help", "This screen's keys, and what the app can and cannot do with Eventtia (F12)",
                 later(screen, app, "help")),
                ("Export to CSV or JSON…", "The attendees, roster, tickets or agenda in front (Ctrl+T)",
                 later(screen, app, "export"))]
    if shared_attendee(screen) is not None:
        commands += [("Copy email", "The attendee's email to the clipboard (@)", later(screen, app, "copy('email')")),
                     ("Copy QR text", "The attendee's badge text to the clipboard (#)", later(screen, app, "copy('qr')"))]
    return commands


class ScreenCommands(Provider):
    """Each screen may define `palette_commands()` returning (title, help, callback) triples.

    Titles and help hold data (an activity's name, its room): they are shown as plain Content, one line each,
    because the palette parses a str as markup."""

    def commands(self) -> list[PaletteCommand]:
        screen = self.screen
        own = screen.palette_commands() if isinstance(screen, HasCommands) else []
        return [(one_line(title, TITLE_WIDTH), one_line(help_text, TITLE_WIDTH), callback)
                for title, help_text, callback in (own or binding_commands(screen)) + app_commands(screen)
                if desk_of(screen).allows_callback(callback)]

    async def discover(self) -> Hits:
        for title, help_text, callback in self.commands():
            yield DiscoveryHit(Content(title), callback, text=title, help=Content(help_text))  # type: ignore[arg-type]  # a str would be parsed as markup

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, self.highlight(matcher, title), partial(callback), text=title,
                          help=Content(help_text))  # type: ignore[arg-type]  # a str would be parsed as markup

    @staticmethod
    def highlight(matcher, title: str) -> Content:
        """Matcher.highlight parses the title as markup; the same match styling over the literal title."""
        content = Content(title)
        score, offsets = matcher.fuzzy_search.match(matcher.query, title)
        if not score:
            return content
        for offset in offsets:
            if not title[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
        return content
