"""Add an attendee to an activity, remove them, or set their whole list — seats move at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..api.client import EventtiaClient
from ..gateway import Gateway
from . import views
from .base import Action


@dataclass
class SetActivities(Action):
    """The attendee ends up in exactly `workshop_ids`; add and remove are the one-change cases."""

    attendee_id: str = ""
    name: str = ""
    workshop_ids: list[str] = field(default_factory=list)
    before: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # workshop id → name, for messages

    kind = "set_activities"
    groups = ("workshops", "attendees")

    def summary(self) -> str:
        added, removed = self.changes()
        who = self.name or self.attendee_id
        added_names = [self.labels.get(w, w) for w in sorted(added)]
        removed_names = [self.labels.get(w, w) for w in sorted(removed)]
        if added_names and removed_names:
            return f"Move {who} from {', '.join(removed_names)} to {', '.join(added_names)}"
        if added_names:
            return f"Add {who} to {', '.join(added_names)}"
        if removed_names:
            return f"Remove {who} from {', '.join(removed_names)}"
        return f"Activities of {who}: no change"

    def changes(self) -> tuple[set[str], set[str]]:
        return set(self.workshop_ids) - set(self.before), set(self.before) - set(self.workshop_ids)

    def validate(self, gateway: Gateway) -> dict[str, str]:
        if self.attendee_id.startswith("pending-"):
            return {"attendee_id": "This registration has not reached Eventtia yet; wait for it to finish."}
        current = views.attendee_workshop_ids(gateway, self.uri, self.attendee_id)
        if current is not None and not self.before:
            self.before = current
        added, removed = self.changes()
        for workshop_id in added | removed:
            known = views.workshop(gateway, self.uri, workshop_id)
            if known is not None and known.name:
                self.labels[workshop_id] = known.name
        for workshop_id in sorted(added):
            workshop = views.workshop(gateway, self.uri, workshop_id)
            if workshop is None:
                return {"workshop_id": "That activity is not in the synced list; sync and try again."}
            if workshop.is_full:
                return {"workshop_id": f"{workshop.name} is full ({workshop.used_seats}/{workshop.capacity})."}
        if not any(self.changes()):
            return {"workshop_id": "Nothing to change."}
        return {}

    def _show(self, gateway: Gateway, target: list[str], added: set[str], removed: set[str]) -> None:
        views.shift_seats(gateway, self.uri, sorted(added), +1)
        views.shift_seats(gateway, self.uri, sorted(removed), -1)
        views.set_attendee_workshops(gateway, self.uri, self.attendee_id, target)

    def apply(self, gateway: Gateway) -> None:
        added, removed = self.changes()
        self._show(gateway, self.workshop_ids, added, removed)

    def rollback(self, gateway: Gateway) -> None:
        added, removed = self.changes()
        self._show(gateway, self.before, removed, added)

    async def send(self, client: EventtiaClient) -> Any:
        added, removed = self.changes()
        if len(added) + len(removed) == 1 and added:
            return await client.add_attendee_workshop(self.uri, self.attendee_id, next(iter(added)))
        if len(added) + len(removed) == 1:
            return await client.remove_attendee_workshop(self.uri, self.attendee_id, next(iter(removed)))
        return await client.update_activities(self.uri, self.attendee_id, self.workshop_ids)

    def confirm(self, gateway: Gateway, answer: Any) -> None:
        gateway.invalidate(self.uri, "workshops")

    async def already_applied(self, client: EventtiaClient) -> tuple[bool, Any]:
        current = {w.id for w in await client.attendee_workshops(self.uri, self.attendee_id)}
        added, removed = self.changes()
        if len(added) + len(removed) == 1:  # an add or a remove: only that one activity matters
            return added <= current and not removed & current, None
        return current == set(self.workshop_ids), None


def add_activity(uri: str, attendee_id: str, name: str, current: list[str], workshop_id: str) -> SetActivities:
    return SetActivities(uri, attendee_id=attendee_id, name=name, before=list(current),
                         workshop_ids=sorted(set(current) | {workshop_id}))


def remove_activity(uri: str, attendee_id: str, name: str, current: list[str], workshop_id: str) -> SetActivities:
    return SetActivities(uri, attendee_id=attendee_id, name=name, before=list(current),
                         workshop_ids=sorted(set(current) - {workshop_id}))


def move_activity(uri: str, attendee_id: str, name: str, current: list[str], old: str, new: str) -> SetActivities:
    return SetActivities(uri, attendee_id=attendee_id, name=name, before=list(current),
                         workshop_ids=sorted((set(current) - {old}) | {new}))
