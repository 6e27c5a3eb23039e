"""A scan that finds nobody: the same large verdict as a card, so the desk sees it from a metre away."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from eventtia_tui.badge import Badge
from eventtia_tui.verdict import Verdict

from .base import AppModal
from .footer import AppFooter
from .formatting import plain
from .register_form import RegisterFormScreen
from .verdict_banner import VerdictBanner


class NotFoundScreen(AppModal):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="close-verdict"),
        Binding("ctrl+n", "register", "Register walk-in", id="verdict-register"),
    ]

    def __init__(self, uri: str, scanned: str, verdict: Verdict) -> None:
        super().__init__()
        self.uri = uri
        self.scanned = scanned
        self.verdict = verdict

    def compose(self) -> ComposeResult:
        with Vertical(id="scan-verdict"):
            yield VerdictBanner(id="verdict")
            yield Static(plain(f"Scanned: {self.scanned}", 200), id="scanned-text", markup=False)
            yield Static("Esc closes; the next scan replaces this. Ctrl+N registers a walk-in.", classes="status",
                         markup=False)
        yield AppFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(VerdictBanner).show(self.verdict)
        self.desk.scan_recorded(self.scanned, self.verdict)

    def action_register(self) -> None:
        values = Badge.parse(self.scanned).walk_in()  # a walk-in whose badge is from elsewhere: its own details
        self.dismiss()
        self.app.push_screen(RegisterFormScreen(self.uri, values))
