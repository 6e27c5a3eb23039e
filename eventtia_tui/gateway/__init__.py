"""The cached gateway: diskcache storage, freshness, sync and the attendee index."""

from .freshness import Freshness, Result, describe_age, describe_duration
from .gateway import AttendeeSnapshot, Connection, Gateway
from .index import AttendeeIndex, Match
from .lookup import exact_email, look_up
from .records import AttendeeRecord
from .store import CacheStore
from .sync import SyncProgress, SyncReport, sync_event

__all__ = [
    "AttendeeIndex", "AttendeeRecord", "AttendeeSnapshot", "CacheStore", "Connection", "Freshness", "Gateway",
    "Match", "Result", "SyncProgress", "SyncReport", "describe_age", "describe_duration", "exact_email", "look_up", "sync_event",
]
