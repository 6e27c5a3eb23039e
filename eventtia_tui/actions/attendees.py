"""Register a walk-in and cancel a registration."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

from ..api.client import EventtiaClient
from ..api.errors import NotFound
from ..api.models import Attendee, field_names_by_type
from ..gateway import Gateway
from ..store.records import AttendeeRecord, record_from_attendee, unlisted
from . import views
from .base import Action, Conflict
from .validation import check_text

# Sent at the top level of the register body; every other field goes in custom_fields by id.
STANDARD_FIELDS = ("first_name", "last_name", "email", "company", "telephone", "job_title", "birthdate", "city_id")
REGISTERING, CANCELLING = "registering…", "cancelling…"
HELD_CANCEL = "cancel held: Ctrl+Z keeps"  # starts with "cancel": not an active registration meanwhile
QUEUED_REGISTRATION, QUEUED_CANCEL = "queued (offline)", "cancel queued (offline)"
CONFLICTING_REGISTRATION = "conflict: see the outbox"


def same_text(first: str | None, second: str | None) -> bool:
    """Equal as a person would read them: case, accents' encoding and spacing aside."""
    def norm(text: str | None) -> str:
        return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())

    return norm(first) == norm(second)


async def active_with_email(client: EventtiaClient, uri: str, email: str) -> list[Attendee]:
    """The active registrations with this email: the default listing leaves cancelled (archived) ones out,
    which is the only sign of a cancellation the reference gives. Its email filter may match part of an
    address; the caller compares."""
    return list((await client.list_attendees(uri, page=1, size=100, email=email)).items)


def names_by_type(gateway: Gateway, uri: str) -> dict[str, dict[str, str]]:
    return field_names_by_type(views.cached(gateway, "attendee_types", uri) or [])


@dataclass
class RegisterAttendee(Action):
    attendee_type_id: str = ""
    values: dict[str, str] = field(default_factory=dict)  # by field name
    workshop_ids: list[str] = field(default_factory=list)
    type_name: str = ""
    field_ids: dict[str, str] = field(default_factory=dict)  # name → custom field id, kept for a replay

    kind = "register"
    groups = ("attendees", "workshops")

    @property
    def pending_id(self) -> str:
        return f"pending-{self.action_id}"

    @property
    def email(self) -> str:
        return self.values.get("email", "").strip().lower()

    def summary(self) -> str:
        name = f"{self.values.get('first_name', '')} {self.values.get('last_name', '')}".strip()
        return f"Register {name or self.email} ({self.type_name or 'attendee'})"

    def validate(self, gateway: Gateway) -> dict[str, str]:
        attendee_type = views.attendee_type(gateway, self.uri, self.attendee_type_id)
        if attendee_type is None:
            return {"attendee_type_id": "Choose an attendee type."}
        errors: dict[str, str] = {}
        for custom_field in attendee_type.custom_fields:
            name = custom_field.name or ""
            problem = check_text(name, str(self.values.get(name, "")), bool(custom_field.required))
            if problem:
                errors[name] = problem
        if not errors.get("email") and self.email:
            index = gateway.index(self.uri)
            same = index.exact(self.email) if index else None
            if same is not None and not same.cancelled:
                errors["email"] = f"{same.full_name} is already registered with this email."
        stats = views.cached(gateway, "tickets_stats", self.uri) or []
        stat = next((s for s in stats if s.is_for(attendee_type.name)), None)
        if stat is not None and stat.seats_limit is not None and (stat.used_seats or 0) >= stat.seats_limit:
            errors["attendee_type_id"] = f"{attendee_type.name} is sold out ({stat.used_seats}/{stat.seats_limit})."
        for workshop_id in self.workshop_ids:
            workshop = views.workshop(gateway, self.uri, workshop_id)
            if workshop is not None and workshop.is_full:
                errors["workshops"] = f"{workshop.name} is full."
        return errors

    def body(self) -> dict[str, Any]:
        """The register request; custom fields go by the ids of the type as cached when it was applied."""
        body: dict[str, Any] = {"attendee_type_id": int(self.attendee_type_id) if self.attendee_type_id.isdigit()
                                else self.attendee_type_id}
        custom: dict[str, str] = {}
        for name, value in self.values.items():
            if not str(value).strip():
                continue
            if name in STANDARD_FIELDS:
                body[name] = str(value).strip()
            elif name in self.field_ids:
                custom[self.field_ids[name]] = str(value).strip()
        if custom:
            body["custom_fields"] = custom
        if self.workshop_ids:
            body["workshops"] = {w: int(w) if w.isdigit() else w for w in self.workshop_ids}
        return body

    def remember_field_ids(self, gateway: Gateway) -> None:
        attendee_type = views.attendee_type(gateway, self.uri, self.attendee_type_id)
        if attendee_type is not None:
            self.field_ids = {f.name: f.id for f in attendee_type.custom_fields if f.name and f.id}

    def apply(self, gateway: Gateway) -> None:
        self.remember_field_ids(gateway)
        values = {k: str(v) for k, v in self.values.items()}
        record = AttendeeRecord(
            id=self.pending_id, uuid="", first_name=values.get("first_name", ""),
            last_name=values.get("last_name", ""), email=self.email, company=values.get("company", ""),
            job_title=values.get("job_title", ""), telephone=values.get("telephone", ""),
            type_id=self.attendee_type_id, status=REGISTERING, checked_in=False, paid=False, qr_code="",
            updated_at="", fields=values)
        gateway.put_attendee(self.uri, record)
        views.shift_ticket_stat(gateway, self.uri, self.type_name, +1)
        views.shift_seats(gateway, self.uri, self.workshop_ids, +1)

    def _show_as(self, gateway: Gateway, status: str) -> None:
        index = gateway.index(self.uri)
        record = index.get(self.pending_id) if index else None
        if record is not None:
            gateway.put_attendee(self.uri, replace(record, status=status))

    def mark_queued(self, gateway: Gateway) -> None:
        self._show_as(gateway, QUEUED_REGISTRATION)

    def mark_conflict(self, gateway: Gateway) -> None:
        self._show_as(gateway, CONFLICTING_REGISTRATION)

    def rollback(self, gateway: Gateway) -> None:
        gateway.drop_attendee(self.uri, self.pending_id)
        views.shift_ticket_stat(gateway, self.uri, self.type_name, -1)
        views.shift_seats(gateway, self.uri, self.workshop_ids, -1)

    async def send(self, client: EventtiaClient) -> Attendee:
        return await client.register_attendee(self.uri, self.body())

    def confirm(self, gateway: Gateway, answer: Attendee) -> None:
        gateway.drop_attendee(self.uri, self.pending_id)
        record = record_from_attendee(answer, names_by_type(gateway, self.uri))
        if record is not None:
            gateway.put_attendee(self.uri, record)

    async def already_applied(self, client: EventtiaClient) -> tuple[bool, Any]:
        """Landed only if the active record with this email is this very walk-in: the names and attendee
        type as queued. Someone else there with that email is a `Conflict`, never "already there"."""
        names = {ident: name for name, ident in self.field_ids.items()}
        same_email = [found.bind_names(names) if names else found
                      for found in await active_with_email(client, self.uri, self.email)]
        same_email = [found for found in same_email if found.email.strip().lower() == self.email]
        if not same_email:
            return False, None
        mine = next((found for found in same_email if self.is_this_walk_in(found)), None)
        if mine is not None:
            return True, mine
        who = same_email[0].full_name or "someone else"
        raise Conflict(f"{who} is registered on Eventtia with {self.email} (not this walk-in): drop this one, "
                       "or register them with another email.")

    def is_this_walk_in(self, found: Attendee) -> bool:
        same_type = str(found.attendee_type_id or "") == str(self.attendee_type_id)
        return (same_type and same_text(found.first_name, self.values.get("first_name"))
                and same_text(found.last_name, self.values.get("last_name")))


@dataclass
class CancelAttendee(Action):
    attendee_id: str = ""
    name: str = ""
    email: str = ""  # from the synced record: a replay looks the registration up by it
    previous_status: str = ""
    type_name: str = ""
    workshop_ids: list[str] = field(default_factory=list)

    kind = "cancel"
    groups = ("attendees", "workshops")
    already_is_landed = True  # "This registration is already cancelled.": what the desk wanted is so

    def summary(self) -> str:
        return f"Cancel {self.name or self.attendee_id}"

    def validate(self, gateway: Gateway) -> dict[str, str]:
        index = gateway.index(self.uri)
        record = index.get(self.attendee_id) if index else None
        if record is None:
            return {"attendee_id": "This attendee is not in the synced list."}
        if record.cancelled:
            return {"attendee_id": f"{record.full_name}'s registration is already cancelled."}
        if record.id.startswith("pending-"):
            return {"attendee_id": "This registration has not reached Eventtia yet; wait for it to finish."}
        return {}

    def _set_status(self, gateway: Gateway, status: str) -> None:
        index = gateway.index(self.uri)
        record = index.get(self.attendee_id) if index else None
        if record is not None:
            gateway.put_attendee(self.uri, replace(record, status=status))

    def apply(self, gateway: Gateway) -> None:
        index = gateway.index(self.uri)
        record = index.get(self.attendee_id) if index else None
        if record is not None and not self.previous_status:
            self.previous_status = record.status
        if record is not None and not self.email:
            self.email = record.email
        self.workshop_ids = views.attendee_workshop_ids(gateway, self.uri, self.attendee_id) or self.workshop_ids
        self._set_status(gateway, CANCELLING)
        views.shift_ticket_stat(gateway, self.uri, self.type_name, -1)
        views.shift_seats(gateway, self.uri, self.workshop_ids, -1)

    def mark_queued(self, gateway: Gateway) -> None:
        self._set_status(gateway, QUEUED_CANCEL)

    def mark_held(self, gateway: Gateway) -> None:
        self._set_status(gateway, HELD_CANCEL)

    def mark_sending(self, gateway: Gateway) -> None:
        self._set_status(gateway, CANCELLING)

    def rollback(self, gateway: Gateway) -> None:
        self._set_status(gateway, self.previous_status or "confirmed")
        views.shift_ticket_stat(gateway, self.uri, self.type_name, +1)
        views.shift_seats(gateway, self.uri, self.workshop_ids, +1)

    async def send(self, client: EventtiaClient) -> Attendee | None:
        return await client.cancel_attendee(self.uri, self.attendee_id)

    def confirm(self, gateway: Gateway, answer: Attendee | None) -> None:
        record = record_from_attendee(answer, names_by_type(gateway, self.uri)) if answer is not None else None
        if record is not None:
            gateway.put_attendee(self.uri, unlisted(record))  # nothing in the answer says "cancelled"
        else:
            self._set_status(gateway, "cancelled")
        views.set_attendee_workshops(gateway, self.uri, self.attendee_id, [])

    async def already_applied(self, client: EventtiaClient) -> tuple[bool, Any]:
        """Cancelled once it is gone from the default listing (archived), whatever its status says."""
        email = self.email
        if not email:
            try:
                email = (await client.get_attendee(self.uri, self.attendee_id)).email
            except NotFound:
                return False, None  # sent again, Eventtia's answer says what is wrong
        if not email:
            return False, None
        active = await active_with_email(client, self.uri, email)
        return all(found.id != self.attendee_id for found in active), None


def undo_cancel(record: AttendeeRecord, uri: str, type_name: str) -> RegisterAttendee:
    """Undoing a cancellation re-registers the person (the API has no un-cancel)."""
    values = {k: str(v) for k, v in record.fields.items() if v not in (None, "", {}) and not isinstance(v, dict)}
    if values.get("birthdate") and "-" in values["birthdate"]:
        year, month, day = values["birthdate"].split("-")[:3]
        values["birthdate"] = f"{day}/{month}/{year}"
    return RegisterAttendee(uri, attendee_type_id=record.type_id, values=values, type_name=type_name)
