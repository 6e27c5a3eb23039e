"""Ask Eventtia for attendees the local copy does not have (yet): a search never waits for a sync.

Used while the first sync is still pulling, or for a scanned badge / typed email the copy does not know
(someone registered at another desk a moment ago). It runs in the interactive lane, so it goes ahead of
the sync's pages, and what it finds is kept in the cache and the index like any synced attendee.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ..api.client import EventtiaClient
from ..api.errors import NotFound
from ..api.models import Attendee, field_names_by_type
from ..badge import Badge, BadgeMatch
from ..store.records import AttendeeRecord, record_from_attendee, unlisted
from .gateway import Gateway

LOOKUP_PAGE = 24


async def registrations_with_email(gateway: Gateway, uri: str, email: str) -> list[AttendeeRecord]:
    """Every registration Eventtia has with this email (a family shares one; a person cancelled and registered
    again keeps it), active first, then the newest; kept locally.

    The listing's `email` filter with `include_archived` gives them all, and without it the active ones (the
    reference documents no attribute that marks a cancellation; the listing's filters do). `by_email` gives
    one attendee: asked only when the listing has nobody with exactly this email.
    """
    client = gateway.client
    everyone, active = await asyncio.gather(
        gateway.call(client.list_attendees(uri, page=1, size=LOOKUP_PAGE, email=email, include_archived=True)),
        gateway.call(client.list_attendees(uri, page=1, size=LOOKUP_PAGE, email=email)))

    def same(attendee: Attendee) -> bool:
        return (attendee.email or "").strip().casefold() == email.casefold()

    found = {a.id: a for a in everyone.items if same(a)}
    listed = {a.id for a in active.items if same(a)}
    if not found:
        try:
            only = await gateway.call(client.attendee_by_email(uri, email))
        except NotFound:
            only = None
        if only is not None and same(only):
            found[only.id] = only
            listed |= {only.id} if await gateway.call(is_listed(client, uri, only)) else set()
    if not found:
        return []
    names_by_type = field_names_by_type((await gateway.attendee_types(uri)).value)
    records = [r if r.id in listed else unlisted(r)
               for r in (record_from_attendee(a, names_by_type) for a in found.values()) if r is not None]
    records.sort(key=lambda r: (r.cancelled, -int(r.id) if r.id.isdigit() else 0))
    await asyncio.to_thread(gateway.save_changes, uri, {r.id: r for r in records})
    for record in records:  # Eventtia's answer of a moment ago: a scan of them need not ask again
        gateway.checks.registration_checked(uri, record.id, gateway.clock())
    return records


async def look_up_badge(gateway: Gateway, uri: str, badge: Badge) -> BadgeMatch[AttendeeRecord]:
    """What Eventtia has for a badge this machine's copy does not know (yet). The API has no lookup by QR text
    or code: the badge's email finds the candidates and the badge judges them, so a registration whose
    `qr_code` is another text is an email match only (`by` says so), never this badge."""
    if not badge.email:
        return BadgeMatch("")
    return badge.resolve(await registrations_with_email(gateway, uri, badge.email))


async def is_listed(client: EventtiaClient, uri: str, attendee: Attendee) -> bool:
    """Whether the default attendee listing holds this attendee: an active registration, neither deleted
    nor rejected (the reference documents no attribute that says so; the listing's filters do)."""
    if not attendee.email:
        return True  # nothing to ask the listing by: no sign of a cancellation
    page = await client.list_attendees(uri, page=1, size=LOOKUP_PAGE, email=attendee.email)
    return any(listed.id == attendee.id for listed in page.items)


async def look_up(gateway: Gateway, uri: str, query: str) -> list[AttendeeRecord]:
    """The attendees Eventtia has for an email, a QR code or a name (at most a page); kept locally.

    An email (typed, or a badge's) gives every registration with it; a name is asked of the default listing
    (active registrations).
    """
    client = gateway.client
    email = Badge.parse(query).email
    if email:
        return await registrations_with_email(gateway, uri, email)
    words = query.split()
    if not words or len(query.strip()) < 2:
        return []
    if len(words) == 1:  # one word may be a first or a last name: ask both at once
        by_name: list[dict[str, Any]] = [{"first_name": words[0]}, {"last_name": words[0]}]
        pages = await asyncio.gather(*(
            gateway.call(client.list_attendees(uri, page=1, size=LOOKUP_PAGE, **name)) for name in by_name))
    else:
        pages = [await gateway.call(client.list_attendees(
            uri, page=1, size=LOOKUP_PAGE, first_name=words[0], last_name=" ".join(words[1:])))]
    found = [attendee for page in pages for attendee in page.items]
    if not found:
        return []
    names_by_type = field_names_by_type((await gateway.attendee_types(uri)).value)
    records = {r.id: r for r in (record_from_attendee(a, names_by_type) for a in found) if r is not None}
    await asyncio.to_thread(gateway.save_changes, uri, dict(records))
    return list(records.values())
