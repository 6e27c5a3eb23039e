"""The floor: the least a Textual app can do to answer a key, run in the same pty harness as the real app.

An Input and ~30 rows of text under a header, the rows replaced on each key from an in-memory table (text →
rows, computed by the benchmark from the same synced copy the app searches) and drawn as one plain line each
(Textual's line API, a Strip of one segment: no markup, no wrapping, no per-cell styles): no index, no store,
no verdicts, no workers. It uses the two Textual workarounds the app's key path uses (textual_private.py), so
the ratio to it is the app's own work: the box is `SteadyInput` (stock Input lays the whole screen out again
on every key) and the screen `PaintsWhenIdle` (stock Textual paints on a 60 Hz timer grid, 17–33 ms after a
key); stock Textual, measured once beside the app on this host, is the slower of the two (README). What is
left — a key read, the box and ~30 lines drawn, the bytes written — is what Textual itself costs at 120×36 on
this host at this moment: the figure every keystroke row of the app is divided by.

Its screen reads as the app's search pane does to the harness (benchmarks/pty_keystroke.py `Layout`): the box's
placeholder, a status line ("N matches.", "Top 50 matches", "No attendee matches", "N attendees. Type a name…"),
a header line with Name, Company, Type, Verdict and Email, and the rows, each name in the Name column.

`python -m benchmarks.floor_app ANSWERS.json` — the file holds {"total": N, "answers": {text: [count, rows]}},
each row [name, company, type, verdict, email].
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.cells import set_cell_size
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, Static

from eventtia_tui.textual_private import PaintsWhenIdle, SteadyInput

PLACEHOLDER = "Name, email, company — or scan a badge"  # as the app's box (the harness finds the box by it)
COLUMNS = ("Name", "Company", "Type", "Verdict", "Email")
WIDTHS = (40, 22, 10, 14, 22)  # the name as wide as the app's widest cell (CELL_WIDTH); 118 cells in all
SHOWN = 30  # rows drawn (what fits under the header at 120×36, as the app's list shows)
RESULT_LIMIT = 50  # as the app's search pane: the status says "Top 50 matches" at the limit


def line(cells: list[str] | tuple[str, ...]) -> str:
    return "".join(f" {set_cell_size(cell, width)} " for cell, width in zip(cells, WIDTHS))


class Rows(Widget):
    """The rows as plain lines, each a Strip of one segment: the least Textual draws a line with."""

    lines: list[str] = []

    def show(self, lines: list[str]) -> None:
        self.lines = lines
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        return Strip([Segment(set_cell_size(self.lines[y] if y < len(self.lines) else "", width), self.rich_style)],
                     width)


class FloorScreen(PaintsWhenIdle):
    """The box, the status line and the rows; painted as soon as a key's answer is ready, as the app's screens."""

    BINDINGS = [Binding("ctrl+l", "clear", "Clear", priority=True)]

    def __init__(self, table: dict[str, Any]) -> None:
        super().__init__()
        self.total = int(table["total"])
        self.answers: dict[str, list[Any]] = table["answers"]

    def compose(self) -> ComposeResult:
        yield SteadyInput(placeholder=PLACEHOLDER, id="box")
        yield Static("", id="status", markup=False)
        yield Rows(id="rows")

    def on_mount(self) -> None:
        box = self.query_one(Input)
        box.focus()
        # As the app's search pane: the rows follow the value in the key's own call (Input.Changed would be
        # handled after the box's frame, and the rows would wait a frame for theirs).
        self.watch(box, "value", self.show)

    def action_clear(self) -> None:
        self.query_one(Input).value = ""

    def show(self, typed: str) -> None:
        """The status and the rows for `typed`, from the table: the heights are fixed, so no layout."""
        text = typed.strip()
        count, rows = self.answers.get(typed, (0, [])) if text else (0, [])  # the raw text, as the app searches
        if not text:
            status = f"{self.total:,} attendees. Type a name, email or company — or scan a badge."
        elif not count:
            status = f"No attendee matches “{text}”. Ctrl+N registers a walk-in."
        elif count == RESULT_LIMIT:
            status = f"Top {RESULT_LIMIT} matches — keep typing to narrow down."
        else:
            status = f"{count} match{'es' if count != 1 else ''}. Enter opens the first; ↓ to pick."
        self.query_one("#status", Static).update(status, layout=False)
        self.query_one(Rows).show([line(COLUMNS), *(line(row) for row in rows[:SHOWN])])


class FloorApp(App[None]):
    CSS = """
    #status { height: 1; }
    #rows { height: 1fr; }
    """

    def __init__(self, table: dict[str, Any]) -> None:
        super().__init__()
        self.table = table

    def get_default_screen(self) -> Screen[Any]:
        return FloorScreen(self.table)


def main() -> None:
    FloorApp(json.loads(Path(sys.argv[1]).read_text())).run()


if __name__ == "__main__":
    main()
