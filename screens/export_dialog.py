"""Export dialog (Ctrl+T): CSV or JSON, to the default folder or a path typed here."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Input, RadioButton, RadioSet, Static

from eventtia_tui.export import FORMATS, ExportError, ExportTable, render, with_format, write_export

from .base import AppModal
from .formatting import clip, one_line


class ExportDialog(AppModal):
    """Dismissed with the written path, or None when cancelled. A failed write keeps the dialog and the path."""

    BINDINGS = [Binding("escape", "dismiss", "Cancel", id="cancel-export")]

    def __init__(self, table: ExportTable, default_path: Callable[[str], Path]) -> None:
        super().__init__()
        self.table = table
        self.default_path = default_path  # format → where the file goes when nothing else is typed
        self.fmt = "csv"
        self.replace: Path | None = None  # the existing file the next Export replaces (asked once)

    @property
    def folder(self) -> Path:
        return self.default_path(self.fmt).parent

    def compose(self) -> ComposeResult:
        rows = len(self.table)
        with Vertical(id="export-dialog"):
            yield Static(Text.assemble(("Export ", "bold"), (one_line(self.table.title, 80), "bold"),
                                       f"\n{rows:,} row{'s' if rows != 1 else ''} · {len(self.table.columns)} columns"),
                         id="export-title")
            with RadioSet(id="export-format"):
                yield RadioButton("CSV (spreadsheets)", value=True, id="format-csv")
                yield RadioButton("JSON", id="format-json")
            yield Static("File (a name alone goes in the folder below)")
            yield Input(str(self.default_path(self.fmt)), id="export-path")
            yield Static(Text(f"Folder: {one_line(self.folder, 200)}", style="dim"), id="export-folder")
            yield Static("", id="export-message", classes="error", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button("Export (Enter)", variant="primary", id="export")
                yield Button("Cancel (Esc)", id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(Input).focus()

    @on(RadioSet.Changed, "#export-format")
    def format_changed(self, event: RadioSet.Changed) -> None:
        self.fmt = FORMATS[event.index]
        field = self.query_one(Input)
        typed = field.value.strip()
        field.value = str(with_format(Path(typed), self.fmt)) if typed else str(self.default_path(self.fmt))
        self.replace = None

    def target(self) -> Path | None:
        typed = self.query_one(Input).value.strip()
        if not typed:
            return None
        path = Path(typed).expanduser()
        return path if path.is_absolute() else self.folder / path

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export")
    def submit(self) -> None:
        path = self.target()
        message = self.query_one("#export-message", Static)
        if path is None:
            message.update("Type the file to write.")
            return
        if path.exists() and not path.is_dir() and self.replace != path:
            self.replace = path
            message.update(f"{one_line(path, 200)} already exists: Export again to replace it.")
            return
        message.update("Writing…")
        self.write(path)

    @work(exclusive=True, group="export", exit_on_error=False)
    async def write(self, path: Path) -> None:
        table, fmt, folder = self.table, self.fmt, self.folder

        def write_file() -> Path:
            return write_export(path, render(table, fmt), make_parents=path.parent == folder)

        try:
            written = await asyncio.to_thread(write_file)
        except ExportError as error:
            self.replace = None
            self.query_one("#export-message", Static).update(clip(error, 300))
            return
        self.dismiss(written)

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)

    def palette_commands(self):
        return [("Export now", "Write the file (Enter)", self.submit), ("Cancel", "Close without writing (Esc)",
                                                                          self.cancel)]
