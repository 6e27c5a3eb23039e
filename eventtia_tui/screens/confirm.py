"""A yes/no question before something that can't simply be taken back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.widgets import Button, Static

from eventtia_tui.scanner import PHRASE_GAP

from .base import AppModal
from .keymap import key_label


class ConfirmScreen(AppModal):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no"),
    ]
    # Y counts only when no other key came within half a second of it (see eventtia_tui/screens/scan_gate.py):
    # no letter of a badge scan, nor of a burst from a laggy link, can say yes.
    KEY_ISOLATION = PHRASE_GAP
    quitting = False  # the app's "Quit with writes not sent?": asked once

    def __init__(self, question: str, yes: str = "Yes", no: str = "Keep it") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(self.question, id="confirm-question", markup=False)
            with Horizontal(id="confirm-buttons"):
                # The keys in force: a [keymap] can move them (eventtia_tui/screens/keymap.py refuses one that would clash).
                keymap = self.desk.settings.keymap
                yes_key = key_label(self.app, keymap, "confirm-yes", "y")
                no_key = key_label(self.app, keymap, "confirm-no", "n")
                yield Button(f"{escape(self.yes)} ({yes_key})", variant="error", id="yes")
                yield Button(f"{escape(self.no)} ({no_key})", id="no")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
