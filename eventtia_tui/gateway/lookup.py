"""Ask Eventtia for attendees the local copy does not have (yet): a search never waits for a sync.

Used while the first sync is still pulling, or for a scanned badge / typed email the copy does not know
(someone registered at another desk a moment ago). It runs in the interactive lane, so it goes ahead of
the sync's pages, and what it finds is kept in the cache and the index like any synced attendee.
"""

from __future__ import annotations

import asyncio
import re

from ..api.client import EventtiaClient
from ..api.errors import NotFound
from ..api.models import Attendee, field_names_by_type
from .gateway import Gateway
from .records import AttendeeRecord, record_from_attendee, unlisted

EMAIL = re.compile(r"^[^\s@|]+@[^\s@|]+\.[^\s@|]+$")
LOOKUP_PAGE = 24


def exact_email(query: str) -> str | None:
    """The email a typed address or a scanned QR code (`uuid|name|email|company|phone`) names."""
    text = query.strip()
    if "|" in text:
        parts = text.split("|")
        text = parts[2].strip() if len(parts) > 2 else ""
    return text if EMAIL.match(text) else None


async def is_listed(client: EventtiaClient, uri: str, attendee: Attendee) -> bool:
    """Whether the default attendee listing holds this attendee: an active registration, neither deleted
    nor rejected (the reference documents no attribute that says so; the listing's filters do)."""
    if not attendee.email:
        return True  # nothing to ask the listing by: no sign of a cancellation
    page = await client.list_attendees(uri, page=1, size=LOOKUP_PAGE, email=attendee.email)
    return any(listed.id == attendee.id for listed in page.items)


async def look_up(gateway: Gateway, uri: str, query: str) -> list[AttendeeRecord]:
    """The attendees Eventtia has for an email, a QR code or a name (at most a page); kept locally.

    A name is asked of the default listing (active registrations); an email's attendee is checked against
    it, and kept as cancelled when the listing leaves it out.
    """
    client = gateway.client
    email = exact_email(query)
    inactive: set[str] = set()
    if email is not None:
        try:
            found = [await gateway.call(client.attendee_by_email(uri, email))]
        except NotFound:
            found = []
        if found and not await gateway.call(is_listed(client, uri, found[0])):
            inactive.add(found[0].id or "")
    else:
        words = query.split()
        if not words or len(query.strip()) < 2:
            return []
        if len(words) == 1:  # one word may be a first or a last name: ask both at once
            pages = await asyncio.gather(*(
                gateway.call(client.list_attendees(uri, page=1, size=LOOKUP_PAGE, **{field: words[0]}))
                for field in ("first_name", "last_name")))
        else:
            pages = [await gateway.call(client.list_attendees(
                uri, page=1, size=LOOKUP_PAGE, first_name=words[0], last_name=" ".join(words[1:])))]
        found = [attendee for page in pages for attendee in page.items]
    if not found:
        return []
    names_by_type = field_names_by_type((await gateway.attendee_types(uri)).value)
    records = {r.id: unlisted(r) if r.id in inactive else r
               for r in (record_from_attendee(a, names_by_type) for a in found) if r is not None}
    await asyncio.to_thread(gateway.save_changes, uri, dict(records))
    return list(records.values())
