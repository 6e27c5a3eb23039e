"""Demo Expo on the in-process sandbox: where it is served, the day it starts, and the walk-in registration,
ticket count and server questions that most write tests share."""

from __future__ import annotations

from datetime import date

from eventtia_tui.actions import ActionRunner, AuditLog, CancelAttendee, Outbox, RegisterAttendee, views
from eventtia_tui.gateway import Gateway
from eventtia_tui.sandbox import API_PREFIX, DEMO_EMAIL
from eventtia_tui.store.cache import CacheStore

DEMO_START = date(2026, 11, 24)
BASE_URL = "http://sandbox" + API_PREFIX
EXPO = "demo-expo"


def walk_in(**values) -> RegisterAttendee:
    base = {"first_name": "Zoë", "last_name": "Núñez", "email": "zoe.nunez@walkin.test", "company": "Señal Telecom",
            "telephone": "+573001234567", "birthdate": "27/08/1990", "how_did_you_hear": "Friend"}
    base.update(values)
    return RegisterAttendee(EXPO, attendee_type_id="5001", values=base, type_name="General Admission")


def stat(gateway, name="General Admission") -> int:
    return next(s.used_seats for s in views.cached(gateway, "tickets_stats", EXPO) if s.name == name)


async def server_total(api) -> int:
    return (await api.get(f"/events/{EXPO}/attendees", params={"page[size]": 1})).json()["meta"]["total_attendees"]


def restarted(client, cache_dir, clock) -> ActionRunner:
    """A new process on the same machine: fresh objects over the same cache directory."""
    store = CacheStore(cache_dir, BASE_URL, DEMO_EMAIL, clock=clock)
    gateway = Gateway(client, store, clock=clock)
    return ActionRunner(gateway, Outbox(cache_dir, store.scope), AuditLog(cache_dir, DEMO_EMAIL))


def someone(gateway):
    return next(r for r in gateway.index(EXPO).records.values() if r.status == "confirmed" and r.email)


async def is_active(api, record) -> bool:
    found = (await api.get(f"/events/{EXPO}/attendees", params={"email": record.email})).json()["data"]
    return any(a["id"] == record.id for a in found)


def cancel(record) -> CancelAttendee:
    return CancelAttendee(EXPO, attendee_id=record.id, name=record.full_name, type_name="General Admission")
