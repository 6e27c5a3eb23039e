"""The cached gateway: cached reads of the API with their freshness, the connection's state, the sync of an
event and the lookups that ask Eventtia for an attendee the copy lacks. What it keeps on disk is the store's
(eventtia_tui.store)."""

from __future__ import annotations

from .checks import Checks
from .connection import Connection
from .freshness import Freshness, Result, checked_against, describe_age, describe_duration
from .gateway import Gateway, RecordsChanged
from .lookup import look_up, look_up_badge
from .reconcile import CheckReport, Schedule, check_event, confirm, confirm_scan, may_confirm, reconcile_event, schedule
from .reports import SyncProgress, SyncReport
from .sync import sync_event

__all__ = [
    "CheckReport", "Checks", "Connection", "Freshness", "Schedule", "check_event", "checked_against", "confirm", "confirm_scan", "may_confirm",
    "reconcile_event", "schedule", "Gateway", "RecordsChanged", "Result", "SyncProgress", "SyncReport",
    "describe_age", "describe_duration", "look_up", "look_up_badge", "sync_event",
]
