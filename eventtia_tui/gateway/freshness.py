"""What a read returns: the data plus how fresh it is."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

T = TypeVar("T")


class Freshness(str, Enum):
    FRESH = "fresh"  # fetched within its lifetime and nothing invalidated it since
    STALE = "stale"  # served from cache; a refresh is under way or due
    OFFLINE = "offline"  # the API could not be reached; this is the last copy we have


@dataclass(frozen=True)
class Result(Generic[T]):
    value: T
    freshness: Freshness
    fetched_at: float

    def age(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.fetched_at)

    @property
    def offline(self) -> bool:
        return self.freshness is Freshness.OFFLINE


def describe_age(seconds: float) -> str:
    """'just now', '42 s ago', '5 min ago', '3 h ago', '2 d ago' — short enough for a header line."""
    if seconds < 5:
        return "just now"
    if seconds < 60:
        return f"{int(seconds)} s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"


def checked_against(seconds: float) -> str:
    """'checked against Eventtia 4 min ago': how old the last check of the copy is (gateway/reconcile.py), the same
    words in the header, on a card and in a verdict from the copy."""
    return f"checked against Eventtia {describe_age(seconds)}"


def describe_duration(seconds: float) -> str:
    """'about 40 s', 'about 3 min', 'about 1 h 20 min' — for what is left of a long sync."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"about {max(seconds, 1)} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min"
    return f"about {minutes // 60} h {minutes % 60} min"
