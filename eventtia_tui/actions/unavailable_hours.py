"""Create, edit and delete a participant type's unavailable hours; the agenda grid re-shades at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..api.client import EventtiaClient
from ..api.errors import NotFound
from ..api.models import UnavailableHour
from ..gateway import Gateway
from . import views
from .base import Action
from .validation import parse_write_date


def event_zone(gateway: Gateway, uri: str) -> ZoneInfo | None:
    event = views.cached(gateway, "event", uri)
    try:
        return ZoneInfo(event.timezone) if event is not None and event.timezone else None
    except (KeyError, ValueError):
        return None


@dataclass
class UnavailableHourAction(Action):
    """Create when `hour_id` is empty, delete when `delete` is set, otherwise edit."""

    conference_id: str = ""
    participant_type_id: str = ""
    hour_id: str = ""
    start: str = ""  # dd/mm/yyyy - HH:MM, the event's wall clock
    end: str = ""
    delete: bool = False
    type_name: str = ""
    previous: list[str] | None = None  # the edited hour's old start/end, for a rollback

    kind = "unavailable_hour"
    groups = ("b2b",)

    @property
    def pending_id(self) -> str:
        return f"pending-{self.action_id}"

    @property
    def parts(self) -> tuple[str, str, str]:
        return (self.uri, self.conference_id, self.participant_type_id)

    def summary(self) -> str:
        verb = "Delete" if self.delete else "Edit" if self.hour_id else "Block"
        when = "" if self.delete else f" {self.start} → {self.end}"
        return f"{verb} unavailable hour for {self.type_name or 'participant type'}{when}"

    def validate(self, gateway: Gateway) -> dict[str, str]:
        if self.delete:
            return {} if self.hour_id else {"hour_id": "Choose the unavailable hour to delete."}
        errors: dict[str, str] = {}
        start, end = parse_write_date(self.start), parse_write_date(self.end)
        if start is None:
            errors["start"] = "Start must be a real date and time: dd/mm/yyyy - HH:MM, e.g. 24/11/2026 - 12:30."
        if end is None:
            errors["end"] = "End must be a real date and time: dd/mm/yyyy - HH:MM, e.g. 24/11/2026 - 13:30."
        if start is None or end is None:
            return errors
        if end <= start:
            return {"end": "End must be after start."}
        conference = next((c for c in views.cached(gateway, "conferences", self.uri) or []
                           if c.id == self.conference_id), None)
        zone = event_zone(gateway, self.uri)
        if conference is not None and conference.start_date and conference.end_date:
            first = conference.start_date.astimezone(zone).date() if zone else conference.start_date.date()
            last = conference.end_date.astimezone(zone).date() if zone else conference.end_date.date()
            if start.date() < first or end.date() > last:
                return {"start": f"Pick a time between {first:%d/%m/%Y} and {last:%d/%m/%Y} (the conference days)."}
        return errors

    def _hour(self, gateway: Gateway, ident: str, start: str, end: str) -> UnavailableHour:
        zone = event_zone(gateway, self.uri)
        begin, finish = parse_write_date(start), parse_write_date(end)
        return UnavailableHour(id=ident, start_date=begin.replace(tzinfo=zone) if begin else None,
                               end_date=finish.replace(tzinfo=zone) if finish else None)

    def apply(self, gateway: Gateway) -> None:
        def change(hours: list[UnavailableHour]) -> list[UnavailableHour]:
            if not self.hour_id:
                return [*hours, self._hour(gateway, self.pending_id, self.start, self.end)]
            kept = []
            for hour in hours:
                if hour.id != self.hour_id:
                    kept.append(hour)
                    continue
                if self.previous is None:
                    self.previous = [_write(hour.start_date), _write(hour.end_date)]
                if not self.delete:
                    kept.append(self._hour(gateway, hour.id, self.start, self.end))
            return kept

        gateway.patch("unavailable_hours", self.parts, change)

    def rollback(self, gateway: Gateway) -> None:
        def change(hours: list[UnavailableHour]) -> list[UnavailableHour]:
            if not self.hour_id:
                return [h for h in hours if h.id != self.pending_id]
            restored = [h for h in hours if h.id != self.hour_id]
            if self.previous:
                restored.append(self._hour(gateway, self.hour_id, *self.previous))
            return sorted(restored, key=lambda h: (h.start_date is None, h.start_date))

        gateway.patch("unavailable_hours", self.parts, change)

    async def send(self, client: EventtiaClient) -> Any:
        if self.delete:
            return await client.delete_unavailable_hour(*self.parts, self.hour_id)
        if self.hour_id:
            return await client.update_unavailable_hour(*self.parts, self.hour_id, self.start, self.end)
        return await client.create_unavailable_hour(*self.parts, self.start, self.end)

    def confirm(self, gateway: Gateway, answer: Any) -> None:
        if not self.hour_id and isinstance(answer, UnavailableHour):
            gateway.patch("unavailable_hours", self.parts,
                          lambda hours: [answer if h.id == self.pending_id else h for h in hours])
        gateway.invalidate(self.uri, "b2b")

    async def already_applied(self, client: EventtiaClient) -> tuple[bool, Any]:
        try:
            hours = (await client.unavailable_hours(*self.parts)).items
        except NotFound:
            return False, None
        if self.delete:
            return all(h.id != self.hour_id for h in hours), None
        wanted = (self.start, self.end)
        match = next((h for h in hours if (_write(h.start_date), _write(h.end_date)) == wanted
                      and (not self.hour_id or h.id == self.hour_id)), None)
        return match is not None, match


def _write(moment: datetime | None) -> str:
    return moment.strftime("%d/%m/%Y - %H:%M") if moment else ""
