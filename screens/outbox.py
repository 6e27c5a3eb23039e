"""The outbox: writes saved while offline, their state, and a way to drop one."""

from __future__ import annotations

import asyncio
from datetime import datetime

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Static

from .base import AppModal, highlighted_key
from .messages import DataChanged
from .tables import PlainTable


class OutboxScreen(AppModal):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="close-outbox"),
        Binding("d", "drop", "Drop", id="drop-write"),
        Binding("ctrl+r", "send_now", "Send now", id="send-outbox"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="outbox"):
            yield Static("Changes waiting to be sent", classes="title")
            yield Static("", id="outbox-status", classes="status")
            yield PlainTable(id="outbox-items", cursor_type="row", cell_width=50)
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).add_columns("Queued", "Change", "State", "Last answer")
        self.query_one(DataTable).focus()
        self.reload()

    @work(exclusive=True, group="outbox", exit_on_error=False)
    async def reload(self) -> None:
        items = await asyncio.to_thread(lambda: list(self.app.runner.outbox.items()))
        table = self.query_one(DataTable)
        table.clear()
        # In the event's time, as the banner and the tickets show it (a kiosk's own clock is often UTC).
        tz = next((screen.tz for screen in reversed(self.app.screen_stack) if getattr(screen, "tz", None)), None)
        for item in items:
            queued = datetime.fromtimestamp(item.queued_at, tz).strftime("%H:%M:%S")
            table.add_row(queued, item.action.summary(), item.state, item.message or "—", key=item.action.action_id)
        status = self.query_one("#outbox-status", Static)
        status.update("Nothing waiting: every change has reached Eventtia." if not items else
                      f"{len(items)} change{'s' if len(items) != 1 else ''}. D drops the highlighted one "
                      "(its change is undone on screen); Ctrl+R tries to send now.")

    def action_drop(self) -> None:
        """Dropping a queued write loses it for good: asked first (and a scan's D can never answer)."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        from .confirm import ConfirmScreen

        action_id = highlighted_key(table)

        def answered(yes: bool | None) -> None:
            if yes:
                self.drop(action_id)

        self.app.push_screen(ConfirmScreen("Drop this change? It will never be sent to Eventtia.", "Drop"), answered)

    @work(group="outbox-drop", exit_on_error=False)
    async def drop(self, action_id: str) -> None:
        await self.app.runner.drop(action_id)
        self.reload()

    def action_send_now(self) -> None:
        self.app.replay_outbox()

    def on_data_changed(self, message: DataChanged) -> None:
        self.reload()
