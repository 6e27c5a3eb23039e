"""The cached gateway: cached reads of the API with their freshness, the connection's state, the sync of an
event and the lookups that ask Eventtia for an attendee the copy lacks. What it keeps on disk is the store's
(eventtia_tui.store)."""

from __future__ import annotations

from .freshness import Freshness, Result, describe_age, describe_duration
from .gateway import AttendeeSnapshot, Connection, Gateway, RecordsChanged
from .lookup import look_up, look_up_badge
from .sync import SyncProgress, SyncReport, sync_event

__all__ = [
    "AttendeeSnapshot", "Connection", "Freshness", "Gateway", "RecordsChanged", "Result", "SyncProgress", "SyncReport",
    "describe_age", "describe_duration", "look_up", "look_up_badge", "sync_event",
]
