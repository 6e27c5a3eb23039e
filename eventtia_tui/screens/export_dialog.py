"""Export dialog (Ctrl+T): CSV, CSV for Excel or JSON, into the export folder or a path typed here
(eventtia_tui.export.ExportPlace says where an export may go)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from eventtia_tui.export import Existing, ExportError, ExportPlace, ExportTable, render, with_format

from .base import AppModal
from .confirm import ConfirmScreen
from .footer import AppFooter
from .formatting import clip, one_line

CHOICES = (("format-csv", "CSV (spreadsheets)", "csv", False),  # id, label, format, for Excel
           ("format-excel", "CSV for Excel", "csv", True),  # UTF-8 with a BOM
           ("format-json", "JSON", "json", False))


class ExportDialog(AppModal):
    """Dismissed with the written path, or None when cancelled. A failed write keeps the dialog and the path."""

    BINDINGS = [Binding("escape", "dismiss", "Cancel", id="cancel-export")]

    def __init__(self, table: ExportTable, place: ExportPlace, default_name: Callable[[str], str]) -> None:
        super().__init__()
        self.table = table
        self.place = place
        self.folder = place.folder
        self.default_name = default_name  # format → the file's name when nothing else is typed
        self.fmt = "csv"
        self.excel = False
        self.replace: Path | None = None  # the earlier export the next Export replaces (asked once)

    def default_path(self, fmt: str) -> Path:
        return self.folder / self.default_name(fmt)

    def compose(self) -> ComposeResult:
        rows = len(self.table)
        with Vertical(id="export-dialog"):
            yield Static(Text.assemble(("Export ", "bold"), (one_line(self.table.title, 80), "bold"),
                                       f"\n{rows:,} row{'s' if rows != 1 else ''} · {len(self.table.columns)} columns"),
                         id="export-title")
            with RadioSet(id="export-format"):
                for index, (ident, label, _, _) in enumerate(CHOICES):
                    yield RadioButton(label, value=index == 0, id=ident)
            yield Static("File (a name alone goes in the folder below)")
            yield Input(str(self.default_path(self.fmt)), id="export-path")
            yield Static(Text(f"Folder: {one_line(self.folder, 200)}", style="dim"), id="export-folder")
            yield Static("", id="export-message", classes="error", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button("Export (Enter)", variant="primary", id="export")
                yield Button("Cancel (Esc)", id="cancel")
        yield AppFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(Input).focus()

    @on(RadioSet.Changed, "#export-format")
    def format_changed(self, event: RadioSet.Changed) -> None:
        _, _, self.fmt, self.excel = CHOICES[event.index]
        field = self.query_one(Input)
        typed = field.value.strip()
        field.value = str(with_format(Path(typed), self.fmt)) if typed else str(self.default_path(self.fmt))
        self.replace = None

    def target(self) -> Path:
        """The file typed (a name alone goes in the export folder); ExportError when it may not be written."""
        return self.place.target(self.query_one(Input).value)

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export")
    def submit(self) -> None:
        message = self.query_one("#export-message", Static)
        try:
            path = self.target()
        except ExportError as error:
            self.replace = None
            message.update(str(error))
            return
        existing = self.place.existing(path)
        if existing is Existing.EARLIER_EXPORT and self.replace != path:
            self.replace = path
            message.update(f"{one_line(path, 200)} already exists (an earlier export): Export again to replace it.")
            return
        if existing is Existing.OTHER_FILE:
            self.confirm_other(path)
            return
        message.update("Writing…")
        self.write(path)

    def confirm_other(self, path: Path) -> None:
        """A file this app did not export: replaced only once the user has said yes to that very file."""
        def answered(yes: bool | None) -> None:
            if yes:
                self.query_one("#export-message", Static).update("Writing…")
                self.write(path, replace_other=True)
            else:
                self.query_one("#export-message", Static).update(f"{one_line(path, 200)} was left as it is.")

        question = (f"Replace {one_line(path, 200)}?\nIt was not written by an eventtia-tui export: what it holds now is lost "
                    "for good.")
        self.app.push_screen(ConfirmScreen(question, "Replace it", "Keep it"), answered)

    @work(exclusive=True, group="export", exit_on_error=False)
    async def write(self, path: Path, replace_other: bool = False) -> None:
        table, fmt, excel, place = self.table, self.fmt, self.excel, self.place

        def write_file() -> Path:
            return place.write(path, render(table, fmt, excel=excel), replace_other=replace_other)

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
