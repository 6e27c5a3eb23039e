"""Ctrl+Z: what undoing the last cancellation or activity removal can really do, said plainly.

A cancellation or a removal is held for a short window before it is sent: undone inside it, nothing
reaches Eventtia. Queued offline, it is taken out of the outbox instead of queueing its opposite. Once
Eventtia has it, the API offers no un-cancel: a new registration with the same details is offered, with
what does not carry over (the badge code, the check-in); a removal is offered back as an add.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from screens.formatting import one_line

from .actions import Action, CancelAttendee, State, add_activity, remove_activity, undo_cancel
from .gateway import AttendeeRecord

DEFAULT_WINDOW = 8.0


@dataclass
class Undoable:
    action: Action
    reverse: Callable[[], Action] | None  # the opposite write, offered once `action` landed
    offer: str  # the question asked before sending `reverse`
    offer_yes: str
    landed: bool = False


def undo_window(settings: Any) -> float:
    """Seconds a cancellation or removal waits before it is sent (`undo_window` in the config)."""
    return float(getattr(settings, "undo_window", DEFAULT_WINDOW))


def quit_question(held: int, queued: int) -> str:
    parts = []
    if held:
        parts.append(f"{held} change{'s' if held != 1 else ''} waiting out the undo window: sent now if you quit")
    if queued:
        parts.append(f"{queued} change{'s' if queued != 1 else ''} saved while offline: kept on this machine and "
                     "sent when the app next runs online")
    return "Not on Eventtia yet — " + "; ".join(parts) + ".\nQuit?"


class UndoDesk:
    """The app's last undoable write and what Ctrl+Z does with it."""

    def __init__(self, app) -> None:
        self.app = app
        self.last: Undoable | None = None
        self.seconds: float | None = None  # the window; None: from the settings
        self.wakers: dict[str, asyncio.Event] = {}  # each held write's worker, woken early

    def window(self) -> float:
        return self.seconds if self.seconds is not None else undo_window(self.app.session.settings)

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
        self.app.run_worker(self._hold(action, Undoable(action, reverse, offer, offer_yes), on_held),
                            group="held", exit_on_error=False)

    def hold_cancel(self, uri: str, record: AttendeeRecord, type_name: str,
                    on_held: Callable[[], None] | None = None) -> CancelAttendee:
        action = CancelAttendee(uri, attendee_id=record.id, name=record.full_name, type_name=type_name)
        name = one_line(record.full_name, 60)
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
                  offer=(f"Add {one_line(name, 60)} back to {one_line(workshop_name, 60)}?\nTheir seat was freed; "
                         "if someone took it meanwhile, Eventtia refuses."),
                  offer_yes="Add back")
        return action

    async def _hold(self, action: Action, undoable: Undoable, on_held: Callable[[], None] | None) -> None:
        window = self.window()
        outcome = await self.app.runner.hold(action, window)
        if outcome.state is State.INVALID:
            self.app.notify(outcome.message, title=action.summary(), severity="error", timeout=10)
            return
        self.last = undoable
        self.app.notify(f"{action.summary()} in {window:g} s — Ctrl+Z to keep.", timeout=max(window, 3))
        if on_held is not None:
            on_held()
        waker = self.wakers[action.action_id] = asyncio.Event()  # set by Ctrl+Z or by quitting
        try:
            await asyncio.wait_for(waker.wait(), window)
        except TimeoutError:
            pass
        finally:
            self.wakers.pop(action.action_id, None)
        outcome = await self.app.runner.release(action.action_id)
        if outcome is None:
            return  # undone inside the window
        if self.last is undoable:
            if outcome.state is State.DONE:
                undoable.landed = True
            elif outcome.state is not State.QUEUED:
                self.last = None
        self.app.report(action, outcome)

    async def release_all(self) -> None:
        """Quitting: every held write goes out now (or into the outbox when offline)."""
        for action_id in list(self.app.runner.held):
            await self.app.runner.release(action_id)
        for waker in list(self.wakers.values()):
            waker.set()

    async def undo(self) -> None:
        last, runner = self.last, self.app.runner
        if last is None or runner is None:
            self.app.notify("Nothing to undo.")
            return
        action_id, what = last.action.action_id, last.action.summary()
        if await runner.keep(action_id) is not None:
            self.last = None
            if action_id in self.wakers:
                self.wakers[action_id].set()
            self.app.notify(f"Undone: {what}. Nothing was sent to Eventtia.")
            return
        if action_id in runner.pending:
            self.app.notify("It is being sent to Eventtia right now; press Ctrl+Z again in a moment.",
                            severity="warning")
            return
        queued = await asyncio.to_thread(lambda: any(i.action.action_id == action_id for i in runner.outbox.items()))
        if queued:
            await runner.drop(action_id)
            self.last = None
            self.app.notify(f"Undone: {what}. It was still waiting in the outbox, so nothing was sent.")
            return
        if not last.landed or last.reverse is None:
            self.last = None
            self.app.notify("Nothing to undo.")
            return
        from screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes and self.last is last:
                self.last = None
                self.app.perform(last.reverse())

        self.app.push_screen(ConfirmScreen(last.offer, last.offer_yes), answered)
