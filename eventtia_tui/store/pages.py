"""A page of the attendee listing, from its JSON: records, what it says of the listing, the newest change.

Kept apart from the sync (no API client, no pydantic), so the process that writes a big sync's pages
(page_writer) imports little.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from .records import AttendeeRecord, record_from_resource

PageShape = tuple[dict[str, Any], dict[str, Any], int]  # meta, links, items served


@dataclass(slots=True)
class FullSyncState:
    """A full sync under way. Its pages are kept as they arrive, so an interrupted one resumes there."""

    started_at: str  # ISO time it began: the incremental sync after it asks from here
    type_names: dict[str, str]
    page_size: int = 0  # what the server serves per page (0 until page 1 told)
    total_pages: int = 0
    total_attendees: int = 0
    done: dict[int, int] = field(default_factory=dict)  # page number → attendees on it
    newest: str | None = None  # the newest updated_at on the pages kept so far
    list: int = 0  # the list its pages go to (the event's own on a first sync, a list of its own after)
    pull: int = 0  # marks the attendees this run of the sync wrote

    @property
    def received(self) -> int:
        return sum(self.done.values())

    def page_kept(self, number: int, attendees: int, newest_seen: str | None) -> None:
        """A page written (by the writer thread, the writer child, or a machine this one follows): how many it
        held, and the newest change on it."""
        self.done[number] = attendees
        self.newest = newest(self.newest, newest_seen)


def sync_state_json(state: FullSyncState) -> str:
    """A full sync's state as JSON, for its list's row and the page writer's pipe."""
    return json.dumps(asdict(state), separators=(",", ":"))


def sync_state_from_json(text: object) -> FullSyncState | None:
    """The state, or None for one written by another version (an older one's pickle is never loaded): the sync
    then starts afresh."""
    if type(text) is not str:
        return None
    try:
        found = json.loads(text)
        found["done"] = {int(page): count for page, count in found["done"].items()}  # JSON's keys are text
        return FullSyncState(**found)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _parsed(value: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def newest(first: str | None, second: str | None) -> str | None:
    """The later of two ISO timestamps (unparseable ones lose)."""
    a, b = _parsed(first), _parsed(second)
    if a is None:
        return second if b is not None else None
    if b is None:
        return first
    return first if a >= b else second


def oldest(first: str | None, second: str | None) -> str | None:
    a, b = _parsed(first), _parsed(second)
    if a is None or b is None:
        return first if a is not None else second if b is not None else None
    return first if a <= b else second


def newest_change(records: Iterable[AttendeeRecord]) -> str | None:
    """The newest `updated_at` among these records."""
    seen = None
    for record in records:
        seen = newest(seen, record.updated_at)
    return seen


def records_from_page(raw: Any, names_by_type: dict[str, dict[str, str]]) -> list[AttendeeRecord]:
    """Records straight from a page's JSON (no document model in between: a 50,000 sync parses faster)."""
    items = raw.get("data") if isinstance(raw, dict) else None
    records = (record_from_resource(item, names_by_type) for item in items or () if isinstance(item, dict))
    return [record for record in records if record is not None]


def page_shape(raw: Any) -> PageShape:
    """The page's meta and links, and how many items it served."""
    if not isinstance(raw, dict):
        return {}, {}, 0
    meta = found if isinstance(found := raw.get("meta"), dict) else {}
    links = found if isinstance(found := raw.get("links"), dict) else {}
    return meta, links, len(found) if isinstance(found := raw.get("data"), list) else 0
