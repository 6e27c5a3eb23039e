"""A DataTable that shows data as data."""

from __future__ import annotations

from textual.render import measure
from textual.widgets import DataTable

from .formatting import CELL_WIDTH, table_cell


class PlainTable(DataTable):
    """DataTable parses a str cell or label as markup (`[/]` in a name raises, `[@click=…]` runs an action);
    this one shows every str literally, and every cell on one line, at most `cell_width` cells ('…' when
    clipped), so one very long value cannot widen its column for good (`table_cell`)."""

    def __init__(self, *args, cell_width: int = CELL_WIDTH, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cell_width = cell_width

    def add_column(self, label, *, width=None, key=None, default=None):
        return super().add_column(table_cell(label, self.cell_width), width=width, key=key,
                                  default=table_cell(default, self.cell_width))

    def add_row(self, *cells, height=1, key=None, label=None):
        shown = [table_cell(cell, self.cell_width) for cell in cells]
        # Columns widen now, not when DataTable measures new rows on idle: under load a frame could be drawn
        # and cached before that, with every column cut to its header ("Demo ", "Mon 3").
        for column, cell in zip(self.ordered_columns, shown):
            if column.auto_width and cell is not None:
                column.content_width = max(column.content_width, measure(self.app.console, cell, 1))
        return super().add_row(*shown, height=height, key=key,
                               label=None if label is None else table_cell(label, self.cell_width))

    def update_cell(self, row_key, column_key, value, *, update_width=False) -> None:
        super().update_cell(row_key, column_key, table_cell(value, self.cell_width), update_width=update_width)
