"""A write's life: held → sending → done | queued | conflict | refused, and the steps a person takes
(undone inside the window, dropped from the outbox). The action runner owns it; it steps a write only
through `advance`, so a step not listed here raises instead of happening.

The outbox keeps every state that is not final (write-ahead: on disk before the step it names is taken);
a final state takes the write off the disk. Every step is a line in the audit log.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from enum import Enum

from .base import Action


class WriteState(str, Enum):
    HELD = "held"  # shown on screen; sent when its undo window ends, unless undone first
    SENDING = "sending"  # on its way to Eventtia
    QUEUED = "queued"  # Eventtia was unreachable: in the outbox, sent again when it answers
    CONFLICT = "conflict"  # not sent: Eventtia holds someone else there; a person decides
    REFUSED = "failed"  # Eventtia refused it; rolled back (the word on disk and in a venue's Redis since v1)
    DONE = "done"  # Eventtia has it
    UNDONE = "undone"  # taken back inside its undo window: never sent
    DROPPED = "dropped"  # a person gave it up from the outbox: never sent


NEW = None  # a write not started yet
NEXT: dict[WriteState | None, frozenset[WriteState]] = {
    NEW: frozenset({WriteState.HELD, WriteState.SENDING}),
    WriteState.HELD: frozenset({WriteState.SENDING, WriteState.UNDONE}),
    WriteState.SENDING: frozenset({WriteState.DONE, WriteState.QUEUED, WriteState.CONFLICT, WriteState.REFUSED}),
    WriteState.QUEUED: frozenset({WriteState.SENDING, WriteState.DROPPED}),
    WriteState.CONFLICT: frozenset({WriteState.DROPPED}),
    WriteState.REFUSED: frozenset({WriteState.DROPPED}),
}
FINAL = frozenset({WriteState.DONE, WriteState.UNDONE, WriteState.DROPPED})
WAITING = frozenset({WriteState.HELD, WriteState.SENDING, WriteState.QUEUED})  # not on Eventtia yet, on its way


class IllegalStep(RuntimeError):
    """A step the lifecycle does not have (a bug: e.g. a write sent twice, or undone after it was sent)."""


def advance(current: WriteState | None, to: WriteState) -> WriteState:
    if to not in NEXT.get(current, frozenset()):
        raise IllegalStep(f"a write cannot go from {current.value if current else 'new'} to {to.value}")
    return to


@dataclass
class Write:
    """A write this process is handling now (held or sending), as the runner tracks it in memory."""

    action: Action
    state: WriteState | None = NEW
    due: float | None = None  # time.monotonic() when a held write goes out
    started_at: float = field(default_factory=time.time)

    def step(self, to: WriteState) -> None:
        self.state = advance(self.state, to)

    @property
    def seconds_left(self) -> float:
        return max(0.0, (self.due or 0.0) - time.monotonic())

    def describe(self) -> str:
        """Its state as the outbox lists it."""
        if self.state is WriteState.HELD:
            return f"held: sent in {math.ceil(self.seconds_left)} s"
        if self.state is NEW and self.due is not None:
            return "being held…"
        return "being sent…"
