"""An action: validate → apply optimistically to the cached view → send → confirm, or roll back.

Actions are plain data (dataclasses) so the outbox can keep them on disk and replay them later.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar

from ..api.client import EventtiaClient
from ..gateway import Gateway


class State(str, Enum):
    DONE = "done"  # the server accepted it
    QUEUED = "queued"  # the API is unreachable: kept in the outbox, replayed later
    HELD = "held"  # shown, sent once its undo window is over unless undone first
    INVALID = "invalid"  # refused before anything was sent
    FAILED = "failed"  # the server refused it; rolled back
    SIGN_IN = "sign-in"  # the token was refused; sign in again and retry


@dataclass
class Outcome:
    state: State
    message: str = ""
    errors: dict[str, str] = field(default_factory=dict)  # field name → what is wrong with it
    value: Any = None

    @property
    def ok(self) -> bool:
        return self.state in (State.DONE, State.QUEUED)


class Conflict(Exception):
    """Before a replay: Eventtia holds something else where this write would go (another person with the
    queued walk-in's email). Not sent, not undone: the outbox shows it for a person to decide."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


ACTIONS: dict[str, type[Action]] = {}


@dataclass
class Action:
    uri: str
    action_id: str = field(default_factory=lambda: uuid.uuid4().hex, kw_only=True)

    kind: ClassVar[str] = ""
    groups: ClassVar[tuple[str, ...]] = ()  # cache groups the write touches
    # A refusal saying "already …" proves it landed (a cancel: "already cancelled"); else it is read back.
    already_is_landed: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            ACTIONS[cls.kind] = cls

    def summary(self) -> str:
        raise NotImplementedError

    def validate(self, gateway: Gateway) -> dict[str, str]:
        """Blocking (reads the cache). Field → message for everything wrong; empty when it may be sent."""
        return {}

    def apply(self, gateway: Gateway) -> None:
        """Blocking: show the change at once in the cached view."""

    def rollback(self, gateway: Gateway) -> None:
        """Blocking: undo `apply`."""

    def mark_queued(self, gateway: Gateway) -> None:
        """Blocking: the optimistic change stays, shown as waiting for the connection."""

    def mark_held(self, gateway: Gateway) -> None:
        """Blocking: the optimistic change stays, shown as waiting out its undo window."""

    def mark_sending(self, gateway: Gateway) -> None:
        """Blocking: a held change's window is over; it is shown as being sent."""

    async def send(self, client: EventtiaClient) -> Any:
        raise NotImplementedError

    def confirm(self, gateway: Gateway, answer: Any) -> None:
        """Blocking: the server's answer replaces the optimistic guess."""

    def mark_conflict(self, gateway: Gateway) -> None:
        """Blocking: the optimistic change stays, shown as waiting for a person's decision (see `Conflict`)."""

    async def already_applied(self, client: EventtiaClient) -> tuple[bool, Any]:
        """Before an outbox replay: did this write reach the server already? (and its answer if so)

        Raises `Conflict` when what is there is not this write's doing and sending it would be wrong."""
        return False, None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, **dataclasses.asdict(self)}

    @staticmethod
    def from_json(data: dict[str, Any]) -> Action:
        values = dict(data)
        cls = ACTIONS[values.pop("kind")]
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})
