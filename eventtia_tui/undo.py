"""Ctrl+Z: what undoing the last cancellation or activity removal can really do, said plainly.

A cancellation or a removal is held for a short window before it is sent: undone inside it, nothing
reaches Eventtia. Queued offline, it is taken out of the outbox instead of queueing its opposite. Once
Eventtia has it, the API offers no un-cancel: a new registration with the same details is offered, with
what does not carry over (the badge code, the check-in); a removal is offered back as an add.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .actions import Action, ActionRunner, CancelAttendee, Outcome, State, add_activity, remove_activity, undo_cancel
from .session import NotSignedIn, Settings
from .store.records import AttendeeRecord
from .text import shown

Severity = Literal["information", "warning", "error"]  # a toast's, as Textual names them
MAX_UNDOABLE = 20  # Ctrl+Z goes back at most this many writes


@dataclass
class Undoable:
    action: Action
    reverse: Callable[[], Action] | None  # the opposite write, offered once `action` landed
    offer: str  # the question asked before sending `reverse`
    offer_yes: str
    landed: bool = False


def quit_question(held: int, queued: int) -> str:
    parts = []
    if held:
        parts.append(f"{held} change{'s' if held != 1 else ''} waiting out the undo window: sent now if you quit")
    if queued:
        parts.append(f"{queued} change{'s' if queued != 1 else ''} saved while offline: kept on this machine and "
                     "sent when the app next runs online")
    return "Not on Eventtia yet — " + "; ".join(parts) + ".\nQuit?"


class UndoHost(Protocol):
    """What Ctrl+Z needs of the app: the runner, the settings, a background task, a toast, a yes/no question."""

    runner: ActionRunner | None

    @property
    def settings(self) -> Settings: ...

    def run_in_background(self, work: Coroutine[Any, Any, None], group: str) -> None: ...

    def notify(self, message: str, *, title: str = "", severity: Severity = "information",
               timeout: float | None = None, markup: bool = False) -> None: ...

    def report(self, action: Action, outcome: Outcome) -> None: ...

    def perform(self, action: Action) -> None: ...

    def ask(self, question: str, yes: str, no: str, answered: Callable[[bool | None], None]) -> None: ...


class UndoDesk:
    """The writes Ctrl+Z can still take back, newest last, and what it does with each."""

    def __init__(self, app: UndoHost) -> None:
        self.app = app
        self.undoables: list[Undoable] = []

    def _forget(self, undoable: Undoable) -> None:
        if undoable in self.undoables:
            self.undoables.remove(undoable)

    def pick(self, attendee_id: str | None = None) -> Undoable | None:
        """The newest write of this attendee (the card in front), else the newest of all."""
        mine = [u for u in self.undoables if attendee_id and getattr(u.action, "attendee_id", None) == attendee_id]
        candidates = mine or self.undoables
        return candidates[-1] if candidates else None

    def held_for(self, attendee_id: str) -> Action | None:
        """The write of this attendee waiting out its window, if any (a card opened again shows it)."""
        runner = self.app.runner
        return next((u.action for u in reversed(self.undoables) if runner and u.action.action_id in runner.held
                     and getattr(u.action, "attendee_id", None) == attendee_id), None)

    def window(self) -> float:
        """Seconds a cancellation or removal waits before it is sent (`undo_window` in the config)."""
        return float(self.app.settings.undo_window)

    def grace(self) -> str:
        """How long the write can still be taken back, for a confirmation's text."""
        window = self.window()
        if window <= 0:
            return "It is sent at once (no undo window is set)."
        return f"It is sent after {window:g} s; Ctrl+Z until then keeps it."

    def seconds_left(self, action_id: str) -> float | None:
        held = self.app.runner.held.get(action_id) if self.app.runner else None
        return None if held is None else held.seconds_left

    def hold(self, action: Action, *, reverse: Callable[[], Action] | None, offer: str, offer_yes: str,
             on_held: Callable[[], None] | None = None) -> None:
        """Show `action` now and send it once the window is over, unless Ctrl+Z comes first."""
        self.app.run_in_background(self._hold(action, Undoable(action, reverse, offer, offer_yes), on_held), "held")

    def hold_cancel(self, uri: str, record: AttendeeRecord, type_name: str,
                    on_held: Callable[[], None] | None = None) -> CancelAttendee:
        action = CancelAttendee(uri, attendee_id=record.id, name=record.full_name, type_name=type_name)
        name = shown(record.full_name, 60)
        self.hold(action, reverse=lambda: undo_cancel(record, uri, type_name), on_held=on_held,
                  offer=(f"Eventtia has no way to undo a cancellation. Register {name} again as a new attendee with "
                         "the same details?\nThey get a new badge code (the badge they hold will not open the new "
                         "registration), and their check-in and activities do not carry over."),
                  offer_yes="Register again")
        return action

    def hold_removal(self, uri: str, attendee_id: str, name: str, workshop_id: str, workshop_name: str,
                     current: list[str] | None = None, on_held: Callable[[], None] | None = None) -> Action:
        action = remove_activity(uri, attendee_id, name, workshop_id, current)
        self.hold(action, reverse=lambda: add_activity(uri, attendee_id, name, workshop_id), on_held=on_held,
                  offer=(f"Add {shown(name, 60)} back to {shown(workshop_name, 60)}?\nTheir seat was freed; "
                         "if someone took it meanwhile, Eventtia refuses."),
                  offer_yes="Add back")
        return action

    async def _hold(self, action: Action, undoable: Undoable, on_held: Callable[[], None] | None) -> None:
        window = self.window()
        if self.app.runner is None:
            raise NotSignedIn("Not signed in: nothing can be held.")
        outcome = await self.app.runner.hold(action, window)  # from here the runner sends it when the window ends
        if outcome.state is State.INVALID:
            self.app.notify(outcome.message, title=action.summary(), severity="error", timeout=10)
            return
        if outcome.state is not State.HELD:  # not kept on this machine: nothing happened
            self.app.report(action, outcome)
            return
        self.undoables = [*self.undoables[-(MAX_UNDOABLE - 1):], undoable]
        self.app.notify(f"{action.summary()} in {window:g} s — Ctrl+Z to keep.", timeout=max(window, 3))
        if on_held is not None:
            on_held()

    def sent(self, action: Action, outcome: Outcome) -> None:
        """The runner sent a held write at the end of its window (or at quitting): say how it ended."""
        undoable = next((u for u in self.undoables if u.action.action_id == action.action_id), None)
        if undoable is not None:
            if outcome.state is State.DONE:
                undoable.landed = True
            elif outcome.state not in (State.QUEUED, State.SIGN_IN):  # kept in the outbox
                self._forget(undoable)
        self.app.report(action, outcome)

    async def send_all_held(self) -> None:
        """Quitting: every held write goes out now (or into the outbox when offline)."""
        if self.app.runner is not None:  # not signed in: nothing is held
            await self.app.runner.send_all_held()

    async def undo(self, attendee_id: str | None = None) -> None:
        """Take back the newest write of `attendee_id` (the card in front), else the newest of all."""
        last, runner = self.pick(attendee_id), self.app.runner
        if last is None or runner is None:
            self.app.notify("Nothing to undo.")
            return
        action_id, what = last.action.action_id, last.action.summary()
        if await runner.take_back(action_id) is not None:
            self._forget(last)
            self.app.notify(f"Undone: {what}. Nothing was sent to Eventtia.")
            return
        if action_id in runner.pending:
            self.app.notify(f"{what}: being sent to Eventtia right now; press Ctrl+Z again in a moment.",
                            severity="warning")
            return
        queued = await asyncio.to_thread(lambda: any(i.action.action_id == action_id for i in runner.outbox.items()))
        if queued:
            await runner.drop(action_id)
            self._forget(last)
            self.app.notify(f"Undone: {what}. It was still waiting in the outbox, so nothing was sent.")
            return
        self._forget(last)
        reverse = last.reverse
        if not last.landed or reverse is None:
            self.app.notify("Nothing to undo.")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.perform(reverse())
            else:
                self.undoables.append(last)  # still on offer

        self.app.ask(last.offer, last.offer_yes, "Don't", answered)
