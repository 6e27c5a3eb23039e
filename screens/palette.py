"""Command palette provider built from the current screen's own commands."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

PaletteCommand = tuple[str, str, Callable[[], object]]  # title, help, callback


class ScreenCommands(Provider):
    """Each screen may define `palette_commands()` returning (title, help, callback) triples."""

    def commands(self) -> list[PaletteCommand]:
        screen = self.screen
        provider = getattr(screen, "palette_commands", None)
        return list(provider()) if callable(provider) else []

    async def discover(self) -> Hits:
        for title, help_text, callback in self.commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(callback), help=help_text)
