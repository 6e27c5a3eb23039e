"""Change an activity itself (PUT workshops/:id): room, times, seats, name, open for registration.

Only the parameters that change are sent, so a field another desk (or the web admin) changed meanwhile is
not overwritten with this screen's old copy. Times go out as the reference writes them, "14/08/2020 -
23:00:00", in the event's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..api.client import EventtiaClient
from ..api.models import Workshop
from ..gateway import Gateway
from ..zones import local, zone
from . import views
from .base import Action, Conflict
from .validation import check_text

WIRE_TIME = "%d/%m/%Y - %H:%M:%S"
TEXT_FIELDS = ("name", "location")
EDITABLE = ("name", "location", "start_date", "end_date", "availability", "show_on_register")
LABELS = {"name": "name", "location": "room", "start_date": "start", "end_date": "end",
          "availability": "seats", "show_on_register": "registration"}
TIME_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y - %H:%M:%S")
CLOCK = re.compile(r"^(\d{1,2})[:.h](\d{2})$")
MAX_SEATS = 1_000_000


def shown_time(moment: datetime | None, tz: ZoneInfo | None) -> str:
    """How the form shows a time: day and clock in the event's zone."""
    shown = local(moment, tz)
    return "" if shown is None else shown.strftime("%d/%m/%Y %H:%M")


def parse_time(text: str, day: date | None, tz: ZoneInfo | None) -> datetime:
    """A time typed in the form: "14:15" (on the activity's own day), "24/11/2026 14:15" or
    "2026-11-24 14:15", in the event's zone. ValueError says what to type."""
    text = " ".join(text.split())
    clock = CLOCK.match(text)
    moment: datetime | None = None
    if clock and day is not None:
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour < 24 and minute < 60:
            moment = datetime(day.year, day.month, day.day, hour, minute)
    else:
        for fmt in TIME_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        raise ValueError("Type a time like 14:15 or 24/11/2026 14:15.")
    return moment.replace(tzinfo=tz) if tz is not None else moment


def wire_time(moment: datetime, tz: ZoneInfo | None) -> str:
    return local(moment, tz).strftime(WIRE_TIME)


def parse_seats(text: str) -> int | None:
    """Seats typed in the form; empty means no limit."""
    text = text.strip().replace(",", "").replace("_", "")
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_SEATS:
        raise ValueError("Type a whole number of seats (or leave it empty for no limit).")
    return int(text)


def current_values(workshop: Workshop, tz: ZoneInfo | None) -> dict[str, Any]:
    """The editable parameters as the API takes them, from the cached activity."""
    return {"name": workshop.name or "", "location": workshop.location or "",
            "start_date": wire_time(workshop.start_date, tz) if workshop.start_date else None,
            "end_date": wire_time(workshop.end_date, tz) if workshop.end_date else None,
            "availability": workshop.availability,
            "show_on_register": True if workshop.show_on_register is None else bool(workshop.show_on_register)}


def form_changes(workshop: Workshop, typed: dict[str, Any], tz: ZoneInfo | None) -> tuple[dict[str, Any], dict[str, str]]:
    """What the form's values change (API parameters → new value), and field → problem for what is wrong.
    `typed` holds the form's texts for name, location, start_date, end_date, availability, and a bool for
    show_on_register."""
    before = current_values(workshop, tz)
    errors: dict[str, str] = {}
    wanted: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        text = " ".join(str(typed.get(name, "")).split())
        problem = check_text(LABELS[name], text, name == "name")
        if problem:
            errors[name] = problem
        wanted[name] = text
    start_day = local(workshop.start_date, tz)
    end_day = local(workshop.end_date, tz)
    moments: dict[str, datetime] = {}
    for name, day in (("start_date", start_day), ("end_date", end_day or start_day)):
        text = str(typed.get(name, "")).strip()
        if not text and before[name] is None:
            continue
        try:
            if name == "end_date" and "start_date" in moments and CLOCK.match(text):
                day = moments["start_date"]  # "16:00" as the end is on the (possibly new) start's day
            moments[name] = parse_time(text, day.date() if day else None, tz)
        except ValueError as error:
            errors[name] = str(error)
    if len(moments) == 2 and moments["end_date"] <= moments["start_date"]:
        errors["end_date"] = "The end must be after the start."
    for name, moment in moments.items():
        wanted[name] = wire_time(moment, tz)
    try:
        wanted["availability"] = parse_seats(str(typed.get("availability", "")))
    except ValueError as error:
        errors["availability"] = str(error)
    wanted["show_on_register"] = bool(typed.get("show_on_register", before["show_on_register"]))
    changes = {k: v for k, v in wanted.items() if k in before and k not in errors and v != before[k]}
    return changes, errors


def below_booked(workshop: Workshop, changes: dict[str, Any]) -> int | None:
    """The seats taken when the new capacity is below them (nobody loses a seat; nobody more gets one)."""
    seats = changes.get("availability", workshop.availability)
    booked = workshop.used_seats or 0
    if "availability" in changes and seats is not None and seats < booked:
        return booked
    return None


def describe(changes: dict[str, Any], before: dict[str, Any]) -> str:
    def value(name: str, raw: Any) -> str:
        if name == "availability":
            return "no limit" if raw is None else f"{raw}"
        if name == "show_on_register":
            return "open" if raw else "closed"
        return str(raw or "—")

    return "; ".join(f"{LABELS[k]} {value(k, before.get(k))} → {value(k, v)}" for k, v in changes.items())


@dataclass
class UpdateActivity(Action):
    workshop_id: str = ""
    name: str = ""  # the activity's name before the change, for messages
    changes: dict[str, Any] = field(default_factory=dict)  # API parameter → new value
    before: dict[str, Any] = field(default_factory=dict)  # the same parameters as they were (to roll back)
    tz: str = ""  # the event's zone: the wire times are local to it
    below_booked_ok: bool = False  # a capacity below the seats taken was confirmed by the user

    kind = "update_activity"
    groups = ("workshops",)

    @property
    def zone(self) -> ZoneInfo | None:
        return zone(self.tz)

    def summary(self) -> str:
        return f"Change {self.name or 'the activity'}: {describe(self.changes, self.before)}"

    def validate(self, gateway: Gateway) -> dict[str, str]:
        workshop = views.workshop(gateway, self.uri, self.workshop_id)
        if workshop is None:
            return {"workshop_id": "That activity is not in the synced list; sync and try again."}
        if not self.changes:
            return {"workshop_id": "Nothing was changed."}
        if not self.before:
            self.before = {k: v for k, v in current_values(workshop, self.zone).items() if k in self.changes}
        unknown = set(self.changes) - set(EDITABLE)
        if unknown:
            return {"workshop_id": f"Not editable here: {', '.join(sorted(unknown))}."}
        booked = below_booked(workshop, self.changes)
        if booked is not None and not self.below_booked_ok:
            return {"availability": f"{booked} seats are already booked; {self.changes['availability']} is fewer. "
                                    "Confirm to set it anyway (nobody loses a seat)."}
        return {}

    def _show(self, gateway: Gateway, values: dict[str, Any]) -> None:
        update: dict[str, Any] = {}
        for name, value in values.items():
            if name in ("start_date", "end_date"):
                update[name] = (datetime.strptime(value, WIRE_TIME).replace(tzinfo=self.zone)
                                if value else None)
            else:
                update[name] = value
        gateway.patch("workshops", (self.uri,), lambda items: [
            w.model_copy(update=update) if w.id == self.workshop_id else w for w in items])

    def apply(self, gateway: Gateway) -> None:
        self._show(gateway, self.changes)

    def rollback(self, gateway: Gateway) -> None:
        self._show(gateway, self.before)

    async def send(self, client: EventtiaClient) -> Workshop:
        return await client.update_workshop(self.uri, self.workshop_id, self.changes)

    def confirm(self, gateway: Gateway, answer: Workshop | None) -> None:
        """Eventtia's answer for the fields this write changed (the answer example carries another id, so
        it is not put in the list whole)."""
        if answer is None:
            return
        found = current_values(answer, self.zone)
        self._show(gateway, {k: found[k] for k in self.changes if found.get(k) is not None or k == "availability"})

    async def already_applied(self, client: EventtiaClient) -> tuple[bool, Any]:
        """Landed when Eventtia shows every changed value; a value changed there to something else
        since (the web admin, another desk) is a `Conflict`, not overwritten by a late replay."""
        now = current_values(await client.get_workshop(self.uri, self.workshop_id), self.zone)
        if all(now[k] == v for k, v in self.changes.items()):
            return True, None
        moved = [k for k, v in self.changes.items() if now[k] not in (v, self.before.get(k))]
        if moved:
            raise Conflict(f"{self.name} was changed on Eventtia since: "
                           + describe({k: now[k] for k in moved}, self.before)
                           + ". Drop this change, or make it again over the new values.")
        return False, None
