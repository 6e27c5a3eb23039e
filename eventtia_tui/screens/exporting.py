"""What leaves the app from the screen in front: the table to export (Ctrl+T) and the attendee to copy (@, #).

A screen or pane may define `export_table()` (async, returning an `ExportTable` or a sentence saying why
there is nothing to export); the attendee search and an activity's roster are read here from what they show.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable

from eventtia_tui.export import ExportTable, attendee_table, roster_table
from eventtia_tui.store.index import fold
from eventtia_tui.verdict import PersonFacts

from .attendee_card import AttendeeCardScreen
from .attendee_search import AttendeeSearch, mentions
from .base import EventPlace, Exports, highlighted_key
from .formatting import one_line
from .results_list import ResultsList
from .roster import RosterScreen

NOTHING_HERE = ("Nothing to export here: Ctrl+T exports the attendee search (F1), an activity's roster, "
                "the tickets (F4) or the B2B agenda (F3).")


@dataclass(frozen=True)
class Shared:
    """The attendee whose email or QR text can be copied."""

    name: str
    email: str
    qr_code: str


def front(screen: Screen[Any]) -> Widget | None:
    """The screen, or on an event's screen the pane of the tab in front."""
    return screen.active_pane() if isinstance(screen, EventPlace) else screen


def event_name(screen: Screen[Any]) -> str:
    for candidate in reversed(screen.app.screen_stack):
        if isinstance(candidate, EventPlace) and candidate.event_name:
            return one_line(candidate.event_name, 60)
    return ""


async def export_table(screen: Screen) -> ExportTable | str:
    target = front(screen)
    if isinstance(target, Exports):
        return await target.export_table()
    if isinstance(target, AttendeeSearch):  # a pass over every attendee: off the UI thread
        tz = screen.tz if isinstance(screen, EventPlace) else None
        return await asyncio.to_thread(search_table, target, target.query_text(), event_name(screen), tz,
                                       target.facts())
    if isinstance(target, RosterScreen):
        return shown_roster(target, event_name(screen))
    return NOTHING_HERE


def search_table(search, query: str, event: str, tz=None, facts: PersonFacts | None = None) -> ExportTable | str:
    """Every attendee the search box's `query` matches (not only the top rows shown), or everyone when it is
    empty. Runs in a thread: it reads the search's data, never its widgets."""
    index = search.index
    if index is None:
        return "The attendees are still loading: export them once the list is on screen."
    if query:
        records = [match.record for match in index.search(query, limit=max(len(index), 1))]
        known = {record.id for record in records}
        records += [record for record in list(search.fetched.values()) if record.id not in known
                    and mentions(record, query)]
        title = f"{event} — attendees matching “{one_line(query, 40)}”"
    else:
        records = sorted(index.records.values(), key=lambda r: (fold(r.last_name), fold(r.first_name), r.id))
        title = f"{event} — attendees"
    facts = facts if facts is not None else PersonFacts(search.prices, tz)
    return attendee_table(records, search.type_names, title=title, tz=tz, facts=facts)


def shown_roster(roster, event: str) -> ExportTable | str:
    if not roster.loaded:
        return "The roster is still loading."
    query = roster.query_one("#roster-filter").value.strip()
    people = roster.matches(query)
    title = f"{event} — roster of {one_line(roster.workshop.name or 'activity', 60)}"
    facts = roster.facts()
    verdicts = [facts.verdict(person) if person is not None else None for person in map(roster.person, people)]
    return roster_table(people, title=title + (f" matching “{one_line(query, 40)}”" if query else ""), verdicts=verdicts)


def shared_attendee(screen: Screen) -> Shared | None:
    """The attendee in front: the open card, or the highlighted row of a focused attendee list."""
    if isinstance(screen, AttendeeCardScreen):
        record = screen.record
        return Shared(record.full_name, record.email, record.qr_code)
    target = front(screen)
    if isinstance(target, AttendeeSearch):
        results = target.query_one(ResultsList)
        key = results.highlighted_key if results.has_focus else None
        found = ((target.index.get(key) if target.index else None) or target.fetched.get(key)) if key else None
        return Shared(found.full_name, found.email, found.qr_code) if found else None
    if isinstance(target, RosterScreen):
        table = target.query_one(DataTable)
        key = highlighted_key(table) if table.has_focus else None
        attendee = next((a for a, _ in target.roster if a.id == key), None) if key else None
        return Shared(attendee.full_name, attendee.email, attendee.qr_code or "") if attendee else None
    return None
