"""Command palette provider built from the current screen's own commands."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from .formatting import one_line

PaletteCommand = tuple[str, str, Callable[[], object]]  # title, help, callback
TITLE_WIDTH = 80


class ScreenCommands(Provider):
    """Each screen may define `palette_commands()` returning (title, help, callback) triples.

    Titles and help hold data (an activity's name, its room): they are shown as plain Content, one line each,
    because the palette parses a str as markup."""

    def commands(self) -> list[PaletteCommand]:
        screen = self.screen
        provider = getattr(screen, "palette_commands", None)
        if not callable(provider):
            return []
        return [(one_line(title, TITLE_WIDTH), one_line(help_text, TITLE_WIDTH), callback)
                for title, help_text, callback in provider()]

    async def discover(self) -> Hits:
        for title, help_text, callback in self.commands():
            yield DiscoveryHit(Content(title), callback, text=title, help=Content(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, self.highlight(matcher, title), partial(callback), text=title,
                          help=Content(help_text))

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
