"""Optimistic edits of the cached view: seat counts, ticket stats, an attendee's activities."""

from __future__ import annotations

from typing import Any

from ..api.models import Attendee, AttendeeType, TicketStat, Workshop
from ..badge import Badge
from ..gateway import Gateway
from ..store.records import AttendeeRecord


def cached(gateway: Gateway, kind: str, *parts: str) -> Any:
    result = gateway.cached(kind, *parts)
    return None if result is None else result.value


def attendee_type(gateway: Gateway, uri: str, type_id: str) -> AttendeeType | None:
    return next((t for t in cached(gateway, "attendee_types", uri) or [] if t.id == type_id), None)


def workshop(gateway: Gateway, uri: str, workshop_id: str) -> Workshop | None:
    return next((w for w in cached(gateway, "workshops", uri) or [] if w.id == workshop_id), None)


def attendee_workshop_ids(gateway: Gateway, uri: str, attendee_id: str) -> list[str] | None:
    items = cached(gateway, "attendee_workshops", uri, attendee_id)
    return None if items is None else [w.id for w in items]


def shift_ticket_stat(gateway: Gateway, uri: str, type_name: str, delta: int) -> None:
    def change(stats: list[TicketStat]) -> list[TicketStat]:
        return [s.model_copy(update={"used_seats": max(0, (s.used_seats or 0) + delta)}) if s.is_for(type_name) else s
                for s in stats]

    gateway.patch("tickets_stats", (uri,), change)


def shift_seats(gateway: Gateway, uri: str, workshop_ids: list[str], delta: int) -> None:
    wanted = set(workshop_ids)

    def change(items: list[Workshop]) -> list[Workshop]:
        return [w.model_copy(update={"used_seats": max(0, (w.used_seats or 0) + delta)}) if w.id in wanted else w
                for w in items]

    if wanted:
        gateway.patch("workshops", (uri,), change)


def set_attendee_workshops(gateway: Gateway, uri: str, attendee_id: str, workshop_ids: list[str]) -> None:
    """The attendee's activity list as these workshops (from the cached activity list)."""
    by_id = {w.id: w for w in cached(gateway, "workshops", uri) or []}
    items = [by_id[w] for w in workshop_ids if w in by_id]
    if not gateway.patch("attendee_workshops", (uri, attendee_id), lambda _: items):
        gateway.put_cached("attendee_workshops", (uri, attendee_id), items)


def roster_add(gateway: Gateway, uri: str, workshop_id: str, record: AttendeeRecord | None) -> None:
    """Show the attendee on the activity's cached roster (built from the synced record)."""
    if record is None:
        return
    person = Attendee(id=record.id, uuid=record.uuid, status=record.status, checked_in=record.checked_in,
                      qr_code=record.qr_code or Badge.of(record.uuid, record.full_name, record.email, record.company,
                                                         record.job_title, record.telephone).text,
                      attendee_type_id=record.type_id)
    gateway.patch("roster", (uri, workshop_id),
                  lambda people: [p for p in people if p.id != record.id] + [person])


def roster_remove(gateway: Gateway, uri: str, workshop_id: str, attendee_id: str) -> None:
    gateway.patch("roster", (uri, workshop_id), lambda people: [p for p in people if p.id != attendee_id])
