"""Time zones by name, and moments shown in them (an event's times are read in the event's own zone)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import overload
from zoneinfo import ZoneInfo


def zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (KeyError, ValueError):  # ZoneInfoNotFoundError is a KeyError; "../x" is a ValueError
        return None


@overload
def local(moment: datetime, tz: tzinfo | None) -> datetime: ...


@overload
def local(moment: datetime | None, tz: tzinfo | None) -> datetime | None: ...


def local(moment: datetime | None, tz: tzinfo | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(tz) if tz is not None and moment.tzinfo is not None else moment
