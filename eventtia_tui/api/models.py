"""Pydantic models of the Eventtia API v3 resources.

Every field is optional and forgiving (see `lenient`), unknown attributes are kept (`extra="allow"`),
ids are `str` as in JSON:API. `from_resource` turns a JSON:API resource into a model: each to-one
relationship `foo` becomes a `foo_id` value, and `resolve` fills in what the document's `included`
section carries (an attendee's field names, a conference's participant types...).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PrivateAttr,
    model_validator,
)

from ..badge import Badge
from .jsonapi import Document, Page, Resource
from .lenient import (
    Bool,
    DateTime,
    Dict,
    Float,
    IdList,
    Int,
    IntList,
    Str,
    StrList,
    lenient_list,
    to_int,
)

__all__ = [
    "ApiModel", "Attendee", "AttendeeType", "AttendeeTypeCustomField", "AttendeeWorkshop",
    "BusinessConference", "Document", "Event", "EventSlim", "MEETING_STATUSES", "Meeting", "Page",
    "Participant", "ParticipantAgenda", "ParticipantType", "Resource", "Slot", "TicketStat",
    "UnavailableHour", "Workshop", "field_names", "field_names_by_type", "has_next_page", "parse_agenda",
    "to_model",
]

MEETING_STATUSES: dict[str, int] = {"requested": 1, "accepted": 2, "rejected": 3, "expired": 4}


class Model(BaseModel):
    """Forgiving base: extra attributes kept, and anything that is not an object parses as empty."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="before")
    @classmethod
    def _objects_only(cls, value: Any) -> Any:
        return value if isinstance(value, (dict, BaseModel)) else {}


def _object_or_none(value: Any) -> Any:
    return value if isinstance(value, (dict, BaseModel)) else None


class ApiModel(Model):
    """A model of a JSON:API resource."""

    id: Str = None

    # Model field -> relationship name, for to-many relationships (to-one ones map to `<name>_id`).
    relation_fields: ClassVar[dict[str, str]] = {}

    @classmethod
    def from_resource(cls, resource: Resource, document: Document | None = None) -> Self:
        model = cls.model_validate(cls._values(resource))
        if document is not None:
            model.resolve(document)
        return model

    @classmethod
    def _values(cls, resource: Resource) -> dict[str, Any]:
        values = dict(resource.attributes)
        for name in resource.relationships:
            linkage = resource.linkage(name)
            if isinstance(linkage, tuple):
                values[f"{name}_id"] = linkage[1]
        for field, name in cls.relation_fields.items():
            if name in resource.relationships:
                values[field] = resource.related_ids(name)
        values["id"] = resource.id
        return values

    def resolve(self, document: Document) -> None:
        """Pick up related resources from the document's `included` section; nothing by default."""


# Events ---------------------------------------------------------------------------------------------


class _EventBase(ApiModel):
    name: Str = None
    start_date: DateTime = None
    end_date: DateTime = None
    created_at: DateTime = None
    updated_at: DateTime = None
    timezone: Str = None
    city_id: Str = None


class Event(_EventBase):
    event_uri: Str = None
    active: Bool = None
    address: Str = None
    description: Str = None
    logo: Dict = {}
    banner_image: Dict = {}
    coordinates: Dict = {}
    time_format: Str = None
    default_language: Str = None
    currency: Str = None
    website: Str = None
    is_virtual: Bool = None
    attendance_mode: Str = None
    virtual_timezone: Str = None
    is_template: Bool = None
    total_attendees: Int = None
    fields: Dict = {}
    attendee_type_ids: IdList = []

    relation_fields = {"attendee_type_ids": "attendee_types"}


class EventSlim(_EventBase):
    registration_start_date: DateTime = None
    registration_end_date: DateTime = None
    latitude: Float = None
    longitude: Float = None
    banner_image: Dict = {}
    address_details: Any = None
    custom_fields_data: Dict = {}


class TicketStat(Model):
    """One row of tickets-stats (a plain list, not JSON:API). The API writes an unlimited limit as '∞'."""

    name: Str = None
    used_seats: Int = None
    seats_limit: Int = None

    @property
    def unlimited(self) -> bool:
        return self.seats_limit is None

    @property
    def seats_left(self) -> int | None:
        return None if self.seats_limit is None else max(0, self.seats_limit - (self.used_seats or 0))

    @property
    def is_full(self) -> bool:
        return self.seats_left == 0

    def is_for(self, type_name: str | None) -> bool:
        """Whether this row counts the attendee type of that name. Rows carry only a name, written as the
        stats endpoint writes it ("Vip" for the type "VIP" in the reference): case and spacing aside."""
        def norm(text: str | None) -> str:
            return " ".join((text or "").casefold().split())

        return bool(norm(type_name)) and norm(self.name) == norm(type_name)


# Attendee types and attendees -------------------------------------------------------------------------


class AttendeeTypeCustomField(ApiModel):
    name: Str = None
    alias: Str = None
    required: Bool = None
    default: Bool = None
    input_type: Int = None
    values: Any = None
    options: Any = None
    display: Bool = None
    max_chars: Int = None
    order: Int = None
    available_public_listings: Bool = None
    filterable: Bool = None
    edit_admin_only: Bool = None
    updated_at: DateTime = None
    attendee_type_id: Str = None

    @property
    def label(self) -> str:
        return self.alias or (self.name or "").replace("_", " ").capitalize()


def field_names(custom_fields: Iterable[AttendeeTypeCustomField] | Mapping[str, str]) -> dict[str, str]:
    """Custom-field id -> name, from custom-field models or an existing mapping."""
    if isinstance(custom_fields, Mapping):
        return dict(custom_fields)
    return {field.id: field.name for field in custom_fields if field.id and field.name}


def field_names_by_type(types: Iterable[AttendeeType]) -> dict[str, dict[str, str]]:
    """Attendee type id → custom-field id → field name."""
    return {t.id: t.field_names for t in types if t.id}


class AttendeeType(ApiModel):
    name: Str = None
    attendance_mode: Str = None
    price: Float = None
    price_without_vat: Float = None
    price_end_date: DateTime = None
    description: Str = None
    capacity: Int = None
    availability: Int = None
    order: Int = None
    confirmation_required: Bool = None
    valid_if_no_payments: Bool = None
    updated_at: DateTime = None
    business_conference_participant_type_id: Str = None
    custom_field_ids: IdList = []
    custom_fields: Annotated[list[AttendeeTypeCustomField], lenient_list()] = []

    relation_fields = {"custom_field_ids": "attendee_type_custom_fields"}

    @property
    def unlimited(self) -> bool:
        return self.capacity is None

    @property
    def field_names(self) -> dict[str, str]:
        return field_names(self.custom_fields)

    def resolve(self, document: Document) -> None:
        wanted = set(self.custom_field_ids)
        found = [
            resource for resource in document.of_type("attendee_type_custom_fields")
            if resource.id in wanted or (self.id and resource.related_id("attendee_type") == self.id)
        ]
        if found:
            fields = [AttendeeTypeCustomField.from_resource(resource) for resource in found]
            self.custom_fields = sorted(fields, key=lambda field: (field.order is None, field.order or 0))


class Attendee(ApiModel):
    """An attendee. `fields` is keyed by custom-field id; bind the type's field names to read it by name.

    Without names, the properties fall back to the qr_code, `uuid|First Last|email|Company - Job|phone`.
    """

    uuid: Str = None
    fields: Dict = {}
    status: Str = None
    paid: Bool = None
    checked_in: Bool = None
    checked_in_date: DateTime = None
    qr_code: Str = None
    can_schedule_meetings: Bool = None
    created_at: DateTime = None
    updated_at: DateTime = None
    attendee_type_id: Str = None
    business_conference_participant_ids: IdList = []

    relation_fields = {"business_conference_participant_ids": "business_conference_participants"}

    # Shared with the attendee type rather than copied into every attendee, and not part of the wire format.
    _names: dict[str, str] = PrivateAttr(default_factory=dict)

    def bind_names(self, custom_fields: Iterable[AttendeeTypeCustomField] | Mapping[str, str]) -> Self:
        self._names = custom_fields if isinstance(custom_fields, dict) else field_names(custom_fields)
        return self

    @property
    def field_names(self) -> dict[str, str]:
        return self._names

    def named_fields(
        self, custom_fields: Iterable[AttendeeTypeCustomField] | Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """`fields` keyed by field name (ids without a known name stay as ids)."""
        names = self._names if custom_fields is None else field_names(custom_fields)
        return {names.get(ident, ident): value for ident, value in self.fields.items()}

    def field(self, name: str) -> Any:
        for ident, field_name in self._names.items():
            if field_name == name:
                return self.fields.get(ident)
        return None

    def resolve(self, document: Document) -> None:
        names = {
            resource.id: name
            for resource in document.of_type("attendee_type_custom_fields")
            if resource.id in self.fields and isinstance(name := resource.attributes.get("name"), str)
        }
        if names:
            self._names = names

    def _text(self, name: str) -> str | None:
        value = self.field(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        return value.strip() if isinstance(value, str) and value.strip() else None

    @property
    def _badge(self) -> Badge:
        return Badge.parse(self.qr_code or "")

    @property
    def first_name(self) -> str:
        if self.field("first_name") is not None:  # sent, even blank: never the QR's last word (shown twice)
            return self._text("first_name") or ""
        return self._badge.first_name

    @property
    def last_name(self) -> str:
        if self.field("last_name") is not None:
            return self._text("last_name") or ""
        return self._badge.last_name

    @property
    def full_name(self) -> str:
        if self._text("first_name") is None and self._text("last_name") is None:
            return self._badge.parts[1]
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def email(self) -> str:
        return self._text("email") or self._badge.parts[2]

    @property
    def company(self) -> str:
        return self._text("company") or self._badge.company

    @property
    def job_title(self) -> str:
        return self._text("job_title") or self._badge.job_title

    @property
    def telephone(self) -> str:
        return self._text("telephone") or self._badge.telephone


# Activities ------------------------------------------------------------------------------------------


class Workshop(ApiModel):
    """An activity. The API calls its capacity `availability`; None means no limit."""

    name: Str = None
    description: Str = None
    location: Str = None
    start_date: DateTime = None
    end_date: DateTime = None
    booking_deadline_date: DateTime = None
    created_at: DateTime = None
    updated_at: DateTime = None
    availability: Int = None
    used_seats: Int = None
    price: Any = None
    attendance_mode: Str = None
    show_on_register: Bool = None
    guid: Str = None
    speaker_ids: IdList = []

    relation_fields = {"speaker_ids": "speakers"}

    @property
    def capacity(self) -> int | None:
        return self.availability

    @property
    def seats_left(self) -> int | None:
        return None if self.availability is None else max(0, self.availability - (self.used_seats or 0))

    @property
    def is_full(self) -> bool:
        return self.seats_left == 0


class AttendeeWorkshop(ApiModel):
    checked_in: Bool = None
    checked_in_date: DateTime = None
    attendee_id: Str = None
    workshop_id: Str = None


# Business conferences --------------------------------------------------------------------------------


class Slot(BaseModel):
    """A meeting slot. `key` is the agenda key (epoch seconds of the start); times carry the event's offset."""

    model_config = ConfigDict(frozen=True)

    key: int
    start: datetime
    end: datetime
    slot_id: int | None = None


def _slot(key: Any, value: Any) -> Slot | None:
    epoch = to_int(key)
    if epoch is None:
        return None
    try:
        instant = datetime.fromtimestamp(epoch, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    values = value if isinstance(value, (list, tuple)) else []
    start_local, end_local = (_naive(values[i]) if len(values) > i else None for i in (0, 1))
    slot_id = to_int(values[2]) if len(values) > 2 else None
    # The values are wall-clock times in the event's zone; the key says which instant the start is,
    # so the difference between the two is the event's UTC offset for that slot.
    offset = start_local - instant.replace(tzinfo=None) if start_local else None
    duration = end_local - start_local if start_local and end_local and end_local >= start_local else timedelta(0)
    # Times that do not match the key (a placeholder key, a broken offset) keep the key's instant, in UTC.
    zone = timezone(offset) if offset is not None and abs(offset) <= timedelta(hours=18) else UTC
    start = instant.astimezone(zone)
    return Slot(key=epoch, start=start, end=start + duration, slot_id=slot_id)


def _naive(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=None)
    except ValueError:
        return None


def parse_agenda(raw: Any) -> list[Slot]:
    """An agenda object {"<epoch>": [start, end, slot_id]} → slots sorted by start; bad entries dropped."""
    if isinstance(raw, (list, tuple)):  # already parsed (e.g. a model dumped and loaded again)
        slots = [Slot.model_validate(item) for item in raw if isinstance(item, (dict, Slot))]
    elif isinstance(raw, dict):
        slots = [slot for slot in (_slot(key, value) for key, value in raw.items()) if slot]
    else:
        slots = []
    return sorted(slots, key=lambda slot: slot.key)


Agenda = Annotated[list[Slot], BeforeValidator(parse_agenda), lenient_list()]


class UnavailableHour(ApiModel):
    start_date: DateTime = None
    end_date: DateTime = None


class ParticipantType(ApiModel):
    name: Str = None
    can_block_time_slots: Bool = None
    can_schedule_last_minute_meetings: Bool = None
    show_contact_info: Bool = None
    rejection_enabled: Bool = None
    profile_extra_fields: Dict = {}
    updated_at: DateTime = None
    agenda: Agenda = []
    business_conference_id: Str = None
    attendee_type_ids: IdList = []

    relation_fields = {"attendee_type_ids": "attendee_types"}


class BusinessConference(ApiModel):
    name: Str = None
    event_id: Str = None
    location: Str = None
    start_date: DateTime = None
    end_date: DateTime = None
    created_at: DateTime = None
    updated_at: DateTime = None
    scheduling_starts_on: DateTime = None
    booking_deadline_date: DateTime = None
    meeting_duration: Int = None
    limit_amount_of_scheduled_meetings_per_slot: Int = None
    meeting_rejection_enabled: Bool = None
    meeting_rejection_description_options: StrList = []
    automatic_scheduling: Bool = None
    is_virtual: Bool = None
    total_accepted_meetings: Int = None
    total_requested_meetings: Int = None
    total_rejected_meetings: Int = None
    max_repeated_meetings: Int = None
    participant_type_ids: IdList = []
    participant_types: Annotated[list[ParticipantType], lenient_list()] = []

    relation_fields = {"participant_type_ids": "business_conference_participant_types"}

    def resolve(self, document: Document) -> None:
        kind = "business_conference_participant_types"
        found = [document.find(kind, ident) for ident in self.participant_type_ids]
        self.participant_types = [ParticipantType.from_resource(res, document) for res in found if res]


class Participant(ApiModel):
    business_conference_id: Str = None
    participant_type_id: Str = None
    participant_type_name: Str = None
    attendee_id: Str = None
    profile_display_name: Str = None
    profile_contact_name: Str = None
    profile_contact_email: Str = None
    job_title: Str = None
    telephone: Str = None
    logo: Dict = {}
    profile_extra_fields: Dict = {}
    blocked_slots: IntList = []
    updated_at: DateTime = None
    attendee: Annotated[Attendee | None, BeforeValidator(_object_or_none)] = None

    def resolve(self, document: Document) -> None:
        resource = document.find("attendees", self.attendee_id)
        if resource is not None:
            self.attendee = Attendee.from_resource(resource, document)


def _statuses(raw: Any) -> dict[str, int]:
    statuses = {name: to_int(value) for name, value in raw.items()} if isinstance(raw, dict) else {}
    cleaned = {name: value for name, value in statuses.items() if value is not None}
    return cleaned or dict(MEETING_STATUSES)


MeetingStatuses = Annotated[dict[str, int], BeforeValidator(_statuses)]


class Meeting(ApiModel):
    start_date: DateTime = None
    end_date: DateTime = None
    created_at: DateTime = None
    updated_at: DateTime = None
    business_conference_id: Str = None
    status: Int = None
    source: Int = None
    slot_id: Int = None
    user_message: Str = None
    location: Str = None
    rejection_description: Str = None
    meeting_type: Str = None
    guid: Str = None
    is_virtual: Bool = None
    host_attended: Bool = None
    participant_attended: Bool = None
    participant_ids: IdList = []

    _statuses: dict[str, int] = PrivateAttr(default_factory=lambda: MEETING_STATUSES)

    @classmethod
    def _values(cls, resource: Resource) -> dict[str, Any]:
        # The reference elides the meeting's relationship names; any link to participants counts.
        return {"participant_ids": resource.ids_of_type("business_conference_participants"),
                **super()._values(resource)}

    def bind_statuses(self, statuses: Mapping[str, int]) -> Self:
        self._statuses = dict(statuses)
        return self

    @property
    def status_name(self) -> str | None:
        for name, value in self._statuses.items():
            if value == self.status:
                return name
        return None

    def resolve(self, document: Document) -> None:
        if "meeting_statuses" in document.meta:
            self.bind_statuses(_statuses(document.meta["meeting_statuses"]))


class ParticipantAgenda(Model):
    """A participant's agenda: their meetings, the other participants, the slots and the blocked ones."""

    meetings: Annotated[list[Meeting], lenient_list()] = []
    participants: Annotated[list[Participant], lenient_list()] = []
    agenda: Agenda = []
    blocked_slots: IntList = []
    meeting_statuses: MeetingStatuses = dict(MEETING_STATUSES)

    @classmethod
    def from_document(cls, document: Document) -> ParticipantAgenda:
        meta = document.meta
        return cls.model_validate({  # the meta's raw values: the fields' validators read them (None included)
            "meetings": document.models(Meeting),
            "participants": [Participant.from_resource(resource, document)
                             for resource in document.of_type("business_conference_participants")],
            "agenda": meta.get("agenda"),
            "blocked_slots": meta.get("blocked_slots"),
            "meeting_statuses": meta.get("meeting_statuses"),
        })

    def slot(self, key: int) -> Slot | None:
        return next((slot for slot in self.agenda if slot.key == key), None)

    def is_blocked(self, key: int) -> bool:
        return key in self.blocked_slots


# Pagination -------------------------------------------------------------------------------------------


def has_next_page(links: Mapping[str, Any], served: int, full: int) -> bool:
    """Whether a listing goes on after a page that served `served` items (`full`: what page 1 served).

    `links.next` says so when the server sends it; without it (the reference's participants example has
    neither links nor meta), keep asking until a short or empty page.
    """
    if "next" in links:
        return bool(served and links["next"])
    return served > 0 and served >= full


# Resource type -> model --------------------------------------------------------------------------------

MODELS_BY_TYPE: dict[str, type[ApiModel]] = {
    "events": Event,
    "attendee_types": AttendeeType,
    "attendee_type_custom_fields": AttendeeTypeCustomField,
    "attendees": Attendee,
    "workshops": Workshop,
    "attendee_workshops": AttendeeWorkshop,
    "business_conferences": BusinessConference,
    "business_conference_participant_types": ParticipantType,
    "business_conference_participant_type_unavailable_hours": UnavailableHour,
    "business_conference_participants": Participant,
    "business_conference_meetings": Meeting,
}


def to_model(resource: Resource, cls: type[ApiModel] | None = None, document: Document | None = None) -> ApiModel:
    """A resource as a model: of `cls`, else of the model for its JSON:API type, else a bare ApiModel."""
    model = cls or MODELS_BY_TYPE.get(resource.type or "", ApiModel)
    return model.from_resource(resource, document)
