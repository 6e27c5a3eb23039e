"""Arrivals from the synced copy: checked in / registered per attendee type, and check-ins over time.

Nothing here asks Eventtia: every attendee carries `checked_in` and `checked_in_date`, and the synced copy
has them all. Check-ins are written by Eventtia's own check-in apps (the API has no check-in write), so
these numbers move as the sync brings them in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

BUCKET_CHOICES = (5 * 60, 15 * 60, 30 * 60, 3600, 2 * 3600, 6 * 3600, 86400)  # seconds
DEFAULT_BUCKET = 15 * 60
BLOCKS = " ▁▂▃▄▅▆▇█"


@dataclass
class TypeArrivals:
    name: str
    registered: int = 0  # active registrations (not cancelled or rejected) in the synced copy
    checked_in: int = 0


@dataclass
class Arrivals:
    per_type: dict[str, TypeArrivals] = field(default_factory=dict)  # by attendee type id
    times: list[float] = field(default_factory=list)  # each active check-in's moment (epoch seconds), sorted
    undated: int = 0  # checked in, but Eventtia gave no date
    statuses: Counter[str] = field(default_factory=Counter)  # every record in the copy, by status

    @property
    def registered(self) -> int:
        return sum(t.registered for t in self.per_type.values())

    @property
    def checked_in(self) -> int:
        return sum(t.checked_in for t in self.per_type.values())

    def checked_in_by_name(self) -> dict[str, int]:
        return {t.name: t.checked_in for t in self.per_type.values()}


def epoch(text: str) -> float | None:
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment.timestamp() if moment.tzinfo is not None else None


def count_arrivals(records: Iterable[Any], type_names: Mapping[str, str]) -> Arrivals:
    """From attendee records (gateway.AttendeeRecord): one pass over the copy."""
    found = Arrivals()
    for record in records:
        found.statuses[record.status] += 1
        if record.cancelled:
            continue
        kind = found.per_type.get(record.type_id)
        if kind is None:
            kind = found.per_type[record.type_id] = TypeArrivals(type_names.get(record.type_id, "") or "(no type)")
        kind.registered += 1
        if record.checked_in:
            kind.checked_in += 1
            moment = epoch(record.checked_in_at) if record.checked_in_at else None
            if moment is None:
                found.undated += 1
            else:
                found.times.append(moment)
    found.times.sort()
    return found


def admitted_per_type(admitted: Mapping[str, Any], index: Any, type_names: Mapping[str, str]) -> dict[str, int]:
    """The ledger's admissions (registration id → its first admission, store.ledger) per attendee type's name,
    the type read from the synced copy (`index`); a registration the copy does not have is "(not synced)"."""
    counts: Counter[str] = Counter()
    for attendee in admitted:
        record = index.get(attendee) if index is not None else None
        counts[(type_names.get(record.type_id, "") or "(no type)") if record is not None else "(not synced)"] += 1
    return dict(counts.most_common())


@dataclass
class Histogram:
    start: float  # the first bucket's start (epoch seconds)
    bucket: int  # seconds per bucket
    counts: list[int]
    before: int  # check-ins earlier than the first bucket (not drawn)

    @property
    def end(self) -> float:
        return self.start + self.bucket * len(self.counts)


def histogram(times: list[float], bucket: int, columns: int, now: float, utc_offset: float = 0) -> Histogram | None:
    """Check-ins per bucket, the last `columns` buckets: up to now when the latest check-in is among them
    (a quiet spell shows as empty bars), else up to the latest check-in. Buckets are aligned on the
    event's local clock (`utc_offset` seconds), so 15-minute bars start at :00, :15, :30, :45."""
    if not times or columns < 1:
        return None
    latest = times[-1]

    def floor(moment: float) -> float:
        return (moment + utc_offset) // bucket * bucket - utc_offset

    last = floor(now) if floor(now) - floor(latest) < bucket * columns and now >= latest else floor(latest)
    start = last - bucket * (columns - 1)
    first_bucket = floor(times[0])
    if first_bucket > start:  # everything fits: start at the first check-in
        start = first_bucket
    counts = [0] * (int((last - start) // bucket) + 1)
    before = 0
    for moment in times:
        position = int((floor(moment) - start) // bucket)
        if position < 0:
            before += 1
        elif position < len(counts):
            counts[position] += 1
    return Histogram(start, bucket, counts, before)


def bar_rows(counts: list[int], height: int) -> list[str]:
    """Vertical bars, one column per count, `height` lines top to bottom, in eighth-of-a-line steps.
    A non-zero count always shows at least the lowest step."""
    top = max(counts, default=0)
    if top <= 0 or height < 1:
        return [" " * len(counts) for _ in range(max(height, 0))]
    eighths = [0 if c <= 0 else max(1, round(c * height * 8 / top)) for c in counts]
    rows = []
    for line in range(height - 1, -1, -1):  # top line first
        floor = line * 8
        rows.append("".join(BLOCKS[min(8, max(0, e - floor))] for e in eighths))
    return rows


def describe_bucket(seconds: int) -> str:
    if seconds % 86400 == 0:
        return "day" if seconds == 86400 else f"{seconds // 86400} days"
    if seconds % 3600 == 0:
        return "hour" if seconds == 3600 else f"{seconds // 3600} h"
    return f"{seconds // 60} min"
