"""The outbox: every change not on Eventtia yet — held in its undo window, being sent, or saved while
offline — with its state, and a way to drop a saved one."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from eventtia_tui.actions import WriteState

from .base import AppModal, event_zone, highlighted_key
from .confirm import ConfirmScreen
from .footer import AppFooter
from .messages import DataChanged
from .tables import PlainTable


def held(counts: Counter[WriteState | None]) -> int:
    """Writes in their undo window (None: being held as this is counted)."""
    return counts[WriteState.HELD] + counts[None]


def waiting_to_send(counts: Counter[WriteState | None]) -> str:
    """What the header and the outbox say of the writes Eventtia does not have yet ("" when none): one count
    (ActionRunner.not_on_eventtia), one sentence."""
    in_window = held(counts)
    waiting = in_window + counts[WriteState.SENDING] + counts[WriteState.QUEUED]
    stuck = counts[WriteState.CONFLICT] + counts[WriteState.REFUSED]
    parts = [f"⇡ {waiting} change{'s' if waiting != 1 else ''} waiting to send"
             + (f" ({in_window} in the undo window)" if in_window else "")] if waiting else []
    if stuck:
        parts.append(f"{stuck} need{'s' if stuck == 1 else ''} a decision (Ctrl+O)")
    return ", ".join(parts)


class OutboxScreen(AppModal):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="close-outbox"),
        Binding("d", "drop", "Drop", id="drop-write"),
        Binding("ctrl+r", "send_now", "Send now", id="send-outbox"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.live: set[str] = set()  # the rows of writes held or being sent by this app (not droppable)

    def compose(self) -> ComposeResult:
        with Vertical(id="outbox"):
            yield Static("Changes waiting to be sent", classes="title")
            yield Static("", id="outbox-status", classes="status")
            yield PlainTable(id="outbox-items", cursor_type="row", cell_width=50)
        yield AppFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).add_columns("Queued", "Change", "State", "Last answer")
        self.query_one(DataTable).focus()
        self.reload()
        self.set_interval(1.0, self.tick)

    def tick(self) -> None:
        """The countdown of held writes (and their leaving the list when sent)."""
        if self.live or (self.desk.runner is not None and self.desk.runner.writes):
            self.reload()

    @work(exclusive=True, group="outbox", exit_on_error=False)
    async def reload(self) -> None:
        runner = self.desk.runner
        if runner is None:  # not signed in: no outbox to show
            return
        stored = await asyncio.to_thread(lambda: list(runner.outbox.items()))
        live = list(runner.writes.values())  # after the disk read: a write never falls between the two
        table = self.query_one(DataTable)
        table.clear()
        # In the event's time, as the banner and the tickets show it (a kiosk's own clock is often UTC).
        tz = event_zone(self)

        def when(at: float) -> str:
            return datetime.fromtimestamp(at, tz).strftime("%H:%M:%S")

        self.live = {write.action.action_id for write in live}
        for write in live:
            table.add_row(when(write.started_at), write.action.summary(), write.describe(), "—",
                          key=write.action.action_id)
        for item in stored:
            if item.action.action_id not in self.live:
                table.add_row(when(item.queued_at), item.action.summary(), item.state, item.message or "—",
                              key=item.action.action_id)
        status = self.query_one("#outbox-status", Static)
        counts = runner.not_on_eventtia(stored)
        waiting = waiting_to_send(counts)
        keeps = " Ctrl+Z on a held change's card keeps it;" if held(counts) else ""
        status.update(f"{waiting}.{keeps} D drops a queued one (undone on screen); Ctrl+R sends now." if waiting
                      else "Nothing waiting: every change has reached Eventtia.")

    def action_drop(self) -> None:
        """Dropping a queued write loses it for good: asked first (and a scan's D can never answer)."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        action_id = highlighted_key(table)
        if action_id in self.live:
            self.app.notify("This change is held or being sent right now: Ctrl+Z on its card takes a held one "
                            "back.", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.drop(action_id)

        self.app.push_screen(ConfirmScreen("Drop this change? It will never be sent to Eventtia.", "Drop"), answered)

    @work(group="outbox-drop", exit_on_error=False)
    async def drop(self, action_id: str) -> None:
        if self.desk.runner is not None:
            await self.desk.runner.drop(action_id)
        self.reload()

    def action_send_now(self) -> None:
        self.desk.replay_outbox()

    def on_data_changed(self, message: DataChanged) -> None:
        self.reload()
