"""A form in a dialog: Enter walks the boxes, Esc asks before typed work is lost."""

from __future__ import annotations

from textual import on
from textual.widgets import Button, Input

from .base import AppModal
from .confirm import ConfirmScreen


class FormModal(AppModal):
    """A form: Enter moves to the next box and submits from the last; Esc (or Cancel) asks before losing
    typed work; the `#submit` button submits."""

    FIELDS = "Input"  # the boxes Enter walks through
    DISCARD_QUESTION = "Discard what was typed?"
    sending = False  # submitted and not refused yet: another Ctrl+S does nothing

    def holds_work(self) -> bool:
        return False

    def action_submit(self) -> None:
        raise NotImplementedError

    @on(Input.Submitted)
    def next_or_submit(self, event: Input.Submitted) -> None:
        inputs = list(self.query(self.FIELDS))
        position = inputs.index(event.input) if event.input in inputs else -1
        if 0 <= position < len(inputs) - 1:
            inputs[position + 1].focus()
        else:
            self.action_submit()

    @on(Button.Pressed, "#submit")
    def submit_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def cancel_pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        if not self.holds_work():
            self.dismiss()
            return
        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss()

        self.app.push_screen(ConfirmScreen(self.DISCARD_QUESTION, "Discard"), answered)
