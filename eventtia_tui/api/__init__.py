"""The wire: JSON:API models of Eventtia API v3 resources and the async httpx client. No Textual here."""

from .client import DEFAULT_BASE_URL, NO_RETRY, EventtiaClient, RetryPolicy, write_date
from .errors import (
    ApiError,
    AuthError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unavailable,
)
from .jsonapi import Document, Page, Resource
from .models import (
    MEETING_STATUSES,
    ApiModel,
    Attendee,
    AttendeeType,
    AttendeeTypeCustomField,
    AttendeeWorkshop,
    BusinessConference,
    Event,
    EventSlim,
    Meeting,
    Participant,
    ParticipantAgenda,
    ParticipantType,
    Slot,
    TicketStat,
    UnavailableHour,
    Workshop,
    field_names,
    parse_agenda,
    to_model,
)
from .tokens import StoredToken, TokenFileError, TokenStore, is_expired, token_expiry

__all__ = [
    "DEFAULT_BASE_URL", "MEETING_STATUSES", "NO_RETRY", "ApiError", "ApiModel", "Attendee", "AttendeeType",
    "AttendeeTypeCustomField", "AttendeeWorkshop", "AuthError", "BusinessConference", "Document", "Event",
    "EventSlim", "EventtiaClient", "Forbidden", "Invalid", "Meeting", "NotFound", "Page", "Participant",
    "ParticipantAgenda", "ParticipantType", "RateLimited", "Resource", "RetryPolicy", "Slot", "StoredToken",
    "TicketStat", "TokenFileError", "TokenStore", "Unavailable", "UnavailableHour", "Workshop", "field_names",
    "is_expired", "parse_agenda", "to_model", "token_expiry", "write_date",
]
