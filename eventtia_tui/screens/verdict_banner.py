"""The scan verdict in large type: colour for the eye, a symbol and words for NO_COLOR and 16 colours."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from eventtia_tui.verdict import Verdict

from .formatting import CELL_WIDTH, plain

SYMBOLS = {"ok": "✔", "checking": "?", "warning": "⚠", "problem": "✖"}
LEVEL_STYLES = {"ok": "green", "checking": "", "warning": "yellow", "problem": "bold red"}


def verdict_cell(verdict: Verdict) -> Text:
    """A verdict on one line of a table (search results, roster, recent scans, the attendee picker): symbol,
    words, colour — as wide as a table lets one value be (CELL_WIDTH), the same everywhere, so "✖ ALREADY
    ADMITTED at 09:12, Entrance 2" is whole (the search and the roster cut it at 30 cells)."""
    return plain(f"{SYMBOLS[verdict.level]} {verdict.words}", CELL_WIDTH, LEVEL_STYLES[verdict.level])


class VerdictBanner(Static):
    def __init__(self, **kwargs) -> None:
        super().__init__(markup=False, **kwargs)
        self.display = False

    def show(self, verdict: Verdict | None) -> None:
        self.display = verdict is not None
        if verdict is None:
            return
        for level in SYMBOLS:
            self.set_class(level == verdict.level, f"verdict-{level}")
        self.update(Text.assemble((f"{SYMBOLS[verdict.level]}  {verdict.words}", "bold"), "\n", verdict.detail))
