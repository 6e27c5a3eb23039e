"""Compact attendee records kept in the cache and the index (plain dataclasses: 100k of them load fast)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from operator import attrgetter
from typing import Any

from ..badge import Badge

# Records are kept as JSON arrays (attendee_db.encode: the format, then the values in field order). Bump this
# when the fields change: a cache written with another format then reads as missing (a full sync refills it)
# instead of loading records that lack a field. 3: synced from the default listing, cancellations known by
# the listings, not by an `archived` attribute (a list synced the old way may hold cancelled people as active).
# 4: JSON, not pickle (a pickle is never loaded: whoever can write the cache could run code through one).
RECORD_FORMAT = 4


@dataclass(slots=True)
class AttendeeRecord:
    id: str
    uuid: str
    first_name: str
    last_name: str
    email: str
    company: str
    job_title: str
    telephone: str
    type_id: str
    status: str
    checked_in: bool
    paid: bool
    qr_code: str
    updated_at: str
    fields: dict[str, Any] = field(default_factory=dict)  # by field name
    checked_in_at: str = ""  # the attendee's `checked_in_date` as Eventtia wrote it (ISO 8601); "" when none

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def being_cancelled(self) -> bool:
        """A cancellation held (undo window), being sent or queued offline here, not on Eventtia yet: the write
        marks the status with one of its words, which all start with "cancel" (actions/attendees.py)."""
        status = self.status.casefold()
        return status.startswith("cancel") and status != CANCELLED

    @property
    def cancelled(self) -> bool:
        """Not an active registration: cancelled, rejected, archived, or being cancelled here."""
        return self.status.casefold() in INACTIVE or self.being_cancelled

    def to_json(self, type_names: dict[str, str] | None = None) -> dict[str, Any]:
        return {
            "id": self.id, "uuid": self.uuid, "first_name": self.first_name, "last_name": self.last_name,
            "email": self.email, "company": self.company, "job_title": self.job_title,
            "telephone": self.telephone, "attendee_type_id": self.type_id,
            "attendee_type": (type_names or {}).get(self.type_id, ""), "status": self.status,
            "checked_in": self.checked_in, "checked_in_date": self.checked_in_at or None, "paid": self.paid,
            "qr_code": self.qr_code,
        }


record_values = attrgetter(*(f.name for f in fields(AttendeeRecord)))  # the values in field order, a tuple
RECORD_FIELDS = len(fields(AttendeeRecord))

# The reference documents no attribute that marks a registration cancelled. What it does say: the default
# listing leaves rejected participants out, and `include_archived` "also lists deleted and rejected
# participants". So a record only the archived listing holds is not active; it is shown as CANCELLED
# unless its own status says "rejected".
CANCELLED = "cancelled"
INACTIVE = (CANCELLED, "rejected", "archived")


def unlisted(record: AttendeeRecord) -> AttendeeRecord:
    """The record as one the default listing leaves out (deleted or rejected)."""
    return record if record.status in INACTIVE else replace(record, status=CANCELLED)


def display_value(value: Any) -> str:
    """A custom-field value as one line of plain text, whatever its JSON type.

    None and empty containers are "" (nothing to show); booleans are yes/no; numbers as written; a file
    field (an object like {"filename": …, "thumb": …}) shows its file name, another object its non-empty
    values; a list its items joined by commas.
    """
    if value is None or value == {} or value == []:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        if value.get("filename"):
            return display_value(value["filename"])
        return ", ".join(shown for shown in (display_value(item) for item in value.values()) if shown)
    if isinstance(value, (list, tuple)):
        return ", ".join(shown for shown in (display_value(item) for item in value) if shown)
    return " ".join(str(value).split())


def text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def record_from_resource(resource: Any, names_by_type: dict[str, dict[str, str]]) -> AttendeeRecord | None:
    """Build a record from an attendee resource (a raw JSON:API dict or a parsed `Resource`).

    Field ids become names via the type's custom fields. Returns None for something that is not an
    attendee with an id (a malformed item never stops a sync).
    """
    raw: dict[str, Any] = resource if isinstance(resource, dict) else {
        "id": getattr(resource, "id", None), "attributes": getattr(resource, "attributes", None),
        "relationships": getattr(resource, "relationships", None)}
    if raw.get("id") in (None, ""):
        return None
    attributes: dict[str, Any] = found if isinstance(found := raw.get("attributes"), dict) else {}
    relationship = ((raw.get("relationships") or {}).get("attendee_type") or {}).get("data") or {}
    type_id = text(relationship.get("id")) if isinstance(relationship, dict) else ""
    names = names_by_type.get(type_id, {})
    raw_fields: dict[Any, Any] = found if isinstance(found := attributes.get("fields"), dict) else {}
    named = {names.get(str(k), str(k)): v for k, v in raw_fields.items()}
    qr = found if isinstance(found := attributes.get("qr_code"), str) else ""  # kept verbatim
    badge = Badge.parse(qr)  # its parts stand in for fields the type does not name
    status = text(attributes.get("status")) or "unknown"
    return AttendeeRecord(
        id=str(raw["id"]),
        uuid=text(attributes.get("uuid")),  # never the QR's first part: it is not always the uuid
        # The QR's name only for a part Eventtia did not send: a first name of spaces is an empty one, not the
        # QR's last word (which showed the last name twice).
        first_name=text(named["first_name"]) if named.get("first_name") is not None else badge.first_name,
        last_name=text(named["last_name"]) if named.get("last_name") is not None else badge.last_name,
        email=text(named.get("email")) or badge.parts[2],
        company=text(named.get("company")) or badge.company,
        job_title=text(named.get("job_title")) or badge.job_title,
        telephone=text(named.get("telephone")) or badge.telephone,
        type_id=type_id,
        status=status,
        checked_in=attributes.get("checked_in") is True,
        paid=attributes.get("paid") is True,
        qr_code=qr,
        updated_at=text(attributes.get("updated_at")),
        fields=named,
        checked_in_at=text(attributes.get("checked_in_date")),
    )


def record_from_attendee(attendee: Any, names_by_type: dict[str, dict[str, str]]) -> AttendeeRecord | None:
    """A record from a parsed `Attendee` model (a write's answer)."""
    updated = getattr(attendee, "updated_at", None)
    checked_in = getattr(attendee, "checked_in_date", None)
    raw = {
        "id": getattr(attendee, "id", None),
        "attributes": {
            "uuid": attendee.uuid, "fields": attendee.fields, "status": attendee.status, "paid": attendee.paid,
            "checked_in": attendee.checked_in, "qr_code": attendee.qr_code,
            "updated_at": updated.isoformat(timespec="milliseconds") if updated else "",
            "checked_in_date": checked_in.isoformat(timespec="milliseconds") if checked_in else "",
        },
        "relationships": {"attendee_type": {"data": {"id": attendee.attendee_type_id}}},
    }
    return record_from_resource(raw, names_by_type)
