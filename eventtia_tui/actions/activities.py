"""Add an attendee to an activity, remove them, or move them — seats move on screen at once.

Always sent as single adds and removes (POST / DELETE attendee_workshops), never as the attendee's full
list (update_activities): two desks changing one attendee's activities at once both land. A move adds
first (a full activity refuses before anything was left), then removes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..api.client import EventtiaClient
from ..api.errors import ApiError, NotFound, says_already
from ..gateway import Gateway
from . import views
from .base import Action


@dataclass
class SetActivities(Action):
    """Activities to join (`add`) and to leave (`remove`); `before` is the attendee's list when known."""

    attendee_id: str = ""
    name: str = ""
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    before: list[str] | None = None
    labels: dict[str, str] = field(default_factory=dict)  # workshop id → name, for messages
    landed: list[str] = field(default_factory=list)  # steps Eventtia has ("+id" joined, "-id" left): not resent

    kind = "set_activities"
    groups = ("workshops", "attendees")

    def changes(self) -> tuple[set[str], set[str]]:
        """What really changes: with a known `before`, joining one already joined is no change."""
        if self.before is None:
            return set(self.add), set(self.remove)
        return set(self.add) - set(self.before), set(self.remove) & set(self.before)

    def summary(self) -> str:
        added, removed = self.changes()
        who = self.name or self.attendee_id
        joined = ", ".join(self.labels.get(w, w) for w in sorted(added))
        left = ", ".join(self.labels.get(w, w) for w in sorted(removed))
        if joined and left:
            return f"Move {who} from {left} to {joined}"
        if joined:
            return f"Add {who} to {joined}"
        if left:
            return f"Remove {who} from {left}"
        return f"Activities of {who}: no change"

    def validate(self, gateway: Gateway) -> dict[str, str]:
        if self.attendee_id.startswith("pending-"):
            return {"attendee_id": "This registration has not reached Eventtia yet; wait for it to finish."}
        if self.before is None:
            self.before = views.attendee_workshop_ids(gateway, self.uri, self.attendee_id)
        added, removed = self.changes()
        for workshop_id in added | removed:
            known = views.workshop(gateway, self.uri, workshop_id)
            if known is not None and known.name:
                self.labels[workshop_id] = known.name
        if not added and not removed:
            return {"workshop_id": f"{self.name or 'The attendee'} is already there: nothing to change."}
        for workshop_id in sorted(added):
            workshop = views.workshop(gateway, self.uri, workshop_id)
            if workshop is None:
                return {"workshop_id": "That activity is not in the synced list; sync and try again."}
            if workshop.is_full:
                return {"workshop_id": f"{workshop.name} is full ({workshop.used_seats}/{workshop.capacity})."}
        return {}

    def _show(self, gateway: Gateway, joined: set[str], left: set[str]) -> None:
        views.shift_seats(gateway, self.uri, sorted(joined), +1)
        views.shift_seats(gateway, self.uri, sorted(left), -1)
        index = gateway.index(self.uri)
        record = index.get(self.attendee_id) if index else None
        for workshop_id in joined:
            views.roster_add(gateway, self.uri, workshop_id, record)
        for workshop_id in left:
            views.roster_remove(gateway, self.uri, workshop_id, self.attendee_id)
        cached = views.attendee_workshop_ids(gateway, self.uri, self.attendee_id)
        base = cached if cached is not None else self.before
        if base is not None:
            views.set_attendee_workshops(gateway, self.uri, self.attendee_id, sorted((set(base) | joined) - left))

    def apply(self, gateway: Gateway) -> None:
        added, removed = self.changes()
        self._show(gateway, added, removed)

    def rollback(self, gateway: Gateway) -> None:
        """Undo on screen what did not reach Eventtia (a move whose add landed keeps that add)."""
        added, removed = self.changes()
        self._show(gateway, removed - self._landed("-"), added - self._landed("+"))

    def _landed(self, sign: str) -> set[str]:
        return {step[1:] for step in self.landed if step.startswith(sign)}

    async def send(self, client: EventtiaClient) -> Any:
        added, removed = self.changes()
        answer = None
        for step in [*(f"+{w}" for w in sorted(added)), *(f"-{w}" for w in sorted(removed))]:
            if step in self.landed:
                continue
            try:
                if step[0] == "+":
                    answer = await client.add_attendee_workshop(self.uri, self.attendee_id, step[1:])
                else:
                    answer = await client.remove_attendee_workshop(self.uri, self.attendee_id, step[1:])
            except NotFound:
                if step[0] == "+":
                    raise
                # Not in that activity any more (another desk took them out): what the step wanted.
            except ApiError as error:
                if step[0] == "+" and says_already(error):  # joined already (another desk, a lost answer)
                    self.landed.append(step)
                    continue
                if self.landed:  # half a move landed: say which half, the screen keeps it
                    error.message = f"{self._landed_text()}, but the rest was refused: {error.message}"
                raise
            self.landed.append(step)
        return answer

    def _landed_text(self) -> str:
        joined = ", ".join(self.labels.get(w, w) for w in sorted(self._landed("+")))
        left = ", ".join(self.labels.get(w, w) for w in sorted(self._landed("-")))
        return " and ".join(part for part in (f"Joined {joined}" if joined else "",
                                              f"left {left}" if left else "") if part)

    def confirm(self, gateway: Gateway, answer: Any) -> None:
        gateway.invalidate(self.uri, "workshops")

    async def already_applied(self, client: EventtiaClient) -> tuple[bool, Any]:
        """Which steps Eventtia shows already (only the others are sent), and whether that is all of them."""
        current = {w.id for w in await client.attendee_workshops(self.uri, self.attendee_id)}
        added, removed = self.changes()
        self.landed = [*(f"+{w}" for w in sorted(added & current)), *(f"-{w}" for w in sorted(removed - current))]
        return added <= current and not removed & current, None


def add_activity(uri: str, attendee_id: str, name: str, workshop_id: str,
                 current: list[str] | None = None) -> SetActivities:
    return SetActivities(uri, attendee_id=attendee_id, name=name, add=[workshop_id], before=current)


def remove_activity(uri: str, attendee_id: str, name: str, workshop_id: str,
                    current: list[str] | None = None) -> SetActivities:
    return SetActivities(uri, attendee_id=attendee_id, name=name, remove=[workshop_id], before=current)


def move_activity(uri: str, attendee_id: str, name: str, old: str, new: str,
                  current: list[str] | None = None) -> SetActivities:
    return SetActivities(uri, attendee_id=attendee_id, name=name, add=[new], remove=[old], before=current)
