"""A small read-only table for search results: a header, zebra rows and a row cursor, drawn line by line.

DataTable re-measures and re-renders every cell through Rich after each `clear()` + `add_row`, which costs
more than a frame for a screenful of rows. This widget turns each row into a `Strip` once, when it is
first drawn at a given width and style, and a keystroke that changes the rows only swaps a list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from .formatting import CELL_WIDTH, one_line, table_cell

Cell = str | Text
PADDING = 1  # blank cells either side of a column, as DataTable's cell_padding


def shown_cell(cell: Cell) -> Cell:
    """A cell on one line and at most CELL_WIDTH wide (a str is drawn as it is: never parsed as markup)."""
    if isinstance(cell, str):
        if cell.isprintable() and (len(cell) <= CELL_WIDTH // 2 or (len(cell) <= CELL_WIDTH and cell.isascii())):
            return cell  # the common case, without measuring
        return one_line(cell, CELL_WIDTH)
    return cast(Cell, table_cell(cell))  # a Text stays a Text


class ResultsList(ScrollView, can_focus=True):
    """Rows of cells under fixed column labels; ↑/↓/PgUp/PgDn/Home/End move the cursor, Enter or a click selects."""

    BINDINGS = [
        Binding("enter", "select", "Open", show=False, id="results-open"),
        Binding("up", "cursor(-1)", "Up", show=False, id="results-up"),
        Binding("down", "cursor(1)", "Down", show=False, id="results-down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="results-page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="results-page-down"),
        Binding("home", "cursor_to(0)", "First", show=False, id="results-first"),
        Binding("end", "cursor_to(-1)", "Last", show=False, id="results-last"),
    ]
    COMPONENT_CLASSES = {"results-list--header", "results-list--even-row", "results-list--cursor"}
    # The vertical scrollbar always there: 50 rows need it and 3 do not, and a scrollbar that comes or goes
    # is a layout of the whole screen (about a frame's time) on the keystroke that narrowed the rows.
    DEFAULT_CSS = """
    ResultsList { overflow-y: scroll; }
    """

    cursor_row: reactive[int] = reactive(0, init=False)

    class Selected(Message):
        """Enter or a click on a row."""

        def __init__(self, results: ResultsList, key: str) -> None:
            super().__init__()
            self.results = results
            self.key = key

        @property
        def control(self) -> ResultsList:
            return self.results

    def __init__(self, *columns: str, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.labels = [Text(label) for label in columns]
        self.widths = [label.cell_len for label in self.labels]  # grow as wider cells come (up to CELL_WIDTH)
        self.keys: list[str] = []
        self.cells: list[Sequence[Cell]] = []
        self.generation = 0  # bumped when the rows or the widths change: drops the cached lines
        self.lines: dict[tuple, Strip] = {}
        self.palettes: dict[tuple, tuple[list[Style], Style, Style | None]] = {}
        self.base_style = Style()

    # -- data ---------------------------------------------------------------------------------------------------

    def show(self, rows: Sequence[tuple[str, Sequence[Cell]]]) -> None:
        """Replace the rows (key, cells); the cursor goes back to the first row, the view to the top."""
        self.keys = [key for key, _ in rows]
        self.cells = [tuple(map(shown_cell, cells)) for _, cells in rows]
        for cells in self.cells:
            for column, cell in enumerate(cells):
                width = cell.cell_len if isinstance(cell, Text) else cell_len(cell)
                if width > self.widths[column]:
                    self.widths[column] = width
        self.generation += 1
        self.lines.clear()
        self.set_reactive(ResultsList.cursor_row, 0)
        self.resize_rows(Size(self.table_width, len(self.keys) + 1))  # + the header line
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def resize_rows(self, size: Size) -> None:
        """The rows' size, without a layout of the screen unless a scrollbar comes or goes: virtual_size is a
        layout reactive (a whole-screen layout and repaint: most of a keystroke's frame), while with the same
        scrollbars only their thumbs move, and this widget redraws its own lines anyway."""
        if size == self.virtual_size:
            return
        self.set_reactive(Widget.virtual_size, size)
        self._scroll_update(size)  # the scrollbars' show_* reactives ask for a layout, only when they change

    @property
    def row_count(self) -> int:
        return len(self.keys)

    def get_row_at(self, index: int) -> Sequence[Cell]:
        return self.cells[index]

    @property
    def highlighted_key(self) -> str | None:
        """The key of the row under the cursor, or None when there are no rows."""
        return self.keys[self.cursor_row] if self.keys else None

    @property
    def table_width(self) -> int:
        return sum(width + 2 * PADDING for width in self.widths)

    # -- cursor -------------------------------------------------------------------------------------------------

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self.keys) - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        self.refresh_lines(old + 1)
        self.refresh_lines(new + 1)
        self.scroll_to_region(Region(0, new + 1, 1, 1), spacing=Spacing(top=1), animate=False, force=True,
                              immediate=True)

    def action_cursor(self, step: int) -> None:
        self.cursor_row += step

    def action_page(self, direction: int) -> None:
        """A page of rows (what fits under the header), the view with it, as DataTable's PgUp/PgDn."""
        page = max(1, self.scrollable_content_region.height - 1)
        self.scroll_relative(y=direction * page, animate=False, force=True, immediate=True)
        self.cursor_row += direction * page

    def action_cursor_to(self, row: int) -> None:
        self.cursor_row = row if row >= 0 else len(self.keys) - 1

    def action_select(self) -> None:
        if self.keys:
            self.post_message(self.Selected(self, self.keys[self.cursor_row]))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:  # outside the rows, or on the header
            return
        row = int(self.scroll_offset.y) + offset.y - 1
        if 0 <= row < len(self.keys):
            event.stop()
            self.cursor_row = row
            self.post_message(self.Selected(self, self.keys[row]))

    # -- drawing ------------------------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        self.base_style = self.rich_style  # once a frame, not once a line: it walks the DOM
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = self.scroll_offset
        row = -1 if y == 0 else scroll_y + y - 1
        base = self.base_style
        if row >= len(self.keys):
            return Strip.blank(width, base)
        if row == -1:
            kind = "header"
        elif row == self.cursor_row:
            kind = "cursor"
        else:
            kind = "even" if row % 2 == 0 else "odd"
        key = (row, kind, width, scroll_x, base, self.has_focus, self.generation)  # the cursor's colours follow focus
        line = self.lines.get(key)
        if line is None:
            line = self.lines[key] = self.draw(row, kind, base, width, scroll_x)
        return line

    def palette(self, kind: str, base: Style) -> tuple[list[Style], Style, Style | None]:
        """The style of each column's cells in a kind of row, the style after the last column, and the style
        that wins over the cells' own (the cursor's colours)."""
        key = (kind, base, self.has_focus)
        if key not in self.palettes:
            post = None
            if kind == "odd":
                fill = base
            elif kind == "cursor":
                cursor = self.get_component_rich_style("results-list--cursor")
                post = Style.from_color(cursor.color, cursor.bgcolor)
                fill = base + cursor + post
            else:
                fill = base + self.get_component_rich_style(f"results-list--{'header' if kind == 'header' else 'even-row'}")
            # One style per column (as DataTable's cells have): exported screens (SVG) stay aligned cell by cell.
            self.palettes[key] = ([fill + Style.from_meta({"column": column}) for column in range(len(self.widths))],
                                  fill, post)
        return self.palettes[key]

    def draw(self, row: int, kind: str, base: Style, width: int, scroll_x: int) -> Strip:
        """One row (or the header) as the widget shows it."""
        styles, fill, post = self.palette(kind, base)
        cells = self.labels if row < 0 else self.cells[row]
        console = self.app.console
        pad = " " * PADDING
        segments: list[Segment] = []
        for cell, column_width, style in zip(cells, self.widths, styles):
            if isinstance(cell, str):
                size = len(cell) if cell.isascii() else cell_len(cell)
                segments.append(Segment(f"{pad}{cell}{' ' * (column_width - size)}{pad}", style))
            else:  # a Text: its spans, over its own style (Text.render leaves that to the caller), under the cursor's
                segments.append(Segment(pad, style))
                segments += Segment.apply_style(cell.render(console, end=""), style + console.get_style(cell.style),
                                                post)
                segments.append(Segment(" " * (column_width - cell.cell_len) + pad, style))
        table_width = self.table_width
        if scroll_x == 0 and table_width <= width:
            segments.append(Segment(" " * (width - table_width), fill))
            return Strip(segments, width)
        return Strip(segments, table_width).crop_extend(scroll_x, scroll_x + width, fill)
