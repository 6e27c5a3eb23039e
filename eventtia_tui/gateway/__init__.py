"""The cached gateway: diskcache storage, freshness, sync and the attendee index.

Its names are imported when first used, so a process that needs one module of the package (the writer of
a big sync's pages, page_writer) does not import the rest (the API client, pydantic, diskcache).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_MODULES = {
    "Freshness": "freshness", "Result": "freshness", "describe_age": "freshness", "describe_duration": "freshness",
    "AttendeeSnapshot": "gateway", "Connection": "gateway", "Gateway": "gateway",
    "AttendeeIndex": "index", "Match": "index",
    "look_up": "lookup", "look_up_badge": "lookup",
    "AttendeeRecord": "records",
    "CacheStore": "store",
    "SyncProgress": "sync", "SyncReport": "sync", "sync_event": "sync",
}
__all__ = [
    "AttendeeIndex", "AttendeeRecord", "AttendeeSnapshot", "CacheStore", "Connection", "Freshness", "Gateway",
    "Match", "Result", "SyncProgress", "SyncReport", "describe_age", "describe_duration", "look_up", "look_up_badge",
    "sync_event",
]

if TYPE_CHECKING:
    from .freshness import Freshness, Result, describe_age, describe_duration
    from .gateway import AttendeeSnapshot, Connection, Gateway
    from .index import AttendeeIndex, Match
    from .lookup import look_up, look_up_badge
    from .records import AttendeeRecord
    from .store import CacheStore
    from .sync import SyncProgress, SyncReport, sync_event


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_MODULES[name]}", __name__), name)
    globals()[name] = value
    return value
