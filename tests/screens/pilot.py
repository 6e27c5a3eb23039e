"""Driving the app under Pilot as a desk does: keys typed by a person or burst in by a scanner, each stamped
with its arrival time; waiting until the app has settled; the usual ways into Demo Expo, a form and a card;
and what Eventtia holds, to compare with what the screen shows."""

from __future__ import annotations

import asyncio
import random

from textual import events
from textual._time import get_time
from textual.keys import _character_to_key
from textual.widgets import Input
from textual.worker import WorkerCancelled

from eventtia_tui.badge import looks_like_badge
from eventtia_tui.screens.attendee_card import AttendeeCardScreen
from eventtia_tui.screens.roster import RosterScreen

SIZE = (120, 36)
EXPO = "/events/demo-expo"


async def settle(pilot) -> None:
    """Wait until every worker (sign-in, loads, sync) is done and the screen has repainted. An app that stops
    on an error meanwhile fails the test with that error (its workers and scan gate would never settle)."""
    app = pilot.app
    for _ in range(5):
        try:
            await unless_the_app_failed(app, app.workers.wait_for_complete())
        except WorkerCancelled:  # a newer exclusive worker replaced one we waited on: wait again
            continue
        if app.gateway is not None:
            await unless_the_app_failed(app, app.gateway.wait_for_background())
        if app.runner is not None:
            await unless_the_app_failed(app, app.runner.wait_for_deadlines())  # held writes: sent after their window
        await unless_the_app_failed(app, app.scan_gate.wait_idle())
        await pilot.pause()
    await pilot.wait_for_scheduled_animations()


async def unless_the_app_failed(app, waiting):
    """`waiting`'s result; if the app stops on an error first, that error (Textual keeps it in `_exception`)."""
    task = asyncio.ensure_future(waiting)
    while True:
        done, _ = await asyncio.wait({task}, timeout=0.25)  # a look at the app, not a time limit
        if done:
            return task.result()
        if app._exception is not None:
            task.cancel()
            raise AssertionError("the app stopped on an error while the test waited for it") from app._exception


async def open_demo_expo(pilot) -> None:
    """From the picker (Demo Expo is selected in the demo) into the event, synced."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


def key_event(key: str, at: float) -> events.Key:
    """A key as the terminal driver makes it, stamped with the moment it arrived."""
    if len(key) == 1:
        event = events.Key(key if key.isalnum() else _character_to_key(key), key)
    else:
        event = events.Key(key, "\r" if key == "enter" else "\t" if key == "tab" else None)
    event.time = at
    event.stamped = True
    return event


def post_keys(app, keys, gaps) -> None:
    """Hand keys to the app the way the driver does: all queued at once, each with its arrival time."""
    at = max(get_time(), app.scan_gate.last_time)
    for key, gap in zip(keys, gaps):
        at += gap
        app.post_message(key_event(key, at))


async def scan_badge(pilot, text: str, *, enter: bool = True, seed: int = 0) -> None:
    """A keyboard-wedge scanner: the badge text 2–5 ms a key, then Enter, all in one burst."""
    keys = [*text, "enter"] if enter else list(text)
    rng = random.Random(seed)
    post_keys(pilot.app, keys, [1.0] + [rng.uniform(0.002, 0.005) for _ in keys[1:]])
    await settle(pilot)


async def type_like_a_person(pilot, *keys: str, gap: float = 0.2) -> None:
    """A person at the keyboard: one key at a time, `gap` seconds apart, each handled before the next."""
    for key in keys:
        post_keys(pilot.app, [key], [gap])
        await pilot.pause()
        await pilot.app.scan_gate.wait_idle()
        await pilot.pause()


async def open_roomy_roster(pilot, api) -> dict:
    """From the event, F2 and Enter on an activity with people on it and more than five seats left.
    Returns that activity as Eventtia lists it."""
    await pilot.press("f2")
    await settle(pilot)
    table = pilot.app.screen.query_one("ActivitiesPane").query_one("DataTable")
    workshops = (await api.get("/events/demo-expo/workshops", params={"page[size]": 100})).json()["data"]
    roomy = next(w for w in workshops if w["attributes"]["availability"] - w["attributes"]["used_seats"] > 5
                 and w["attributes"]["used_seats"] > 0)
    table.move_cursor(row=table.get_row_index(roomy["id"]))
    table.focus()
    await pilot.press("enter")
    await settle(pilot)
    return roomy


async def door_with_a_listed_person(pilot, api, *, with_email: bool = False):
    """Demo Expo's roomy roster open (see open_roomy_roster), and someone on it whose badge should open the door:
    confirmed, paid, not checked in, with a QR (and an email, `with_email`). Returns (roster, record)."""
    await open_demo_expo(pilot)
    await open_roomy_roster(pilot, api)
    roster = pilot.app.screen
    assert isinstance(roster, RosterScreen)
    index = pilot.app.gateway.index_if_loaded(EXPO.removeprefix("/events/"))
    listed = next(r for r in (index.get(a.id) for a, _ in roster.roster) if r is not None
                  and r.status == "confirmed" and r.paid and not r.checked_in and r.qr_code
                  and (r.email or not with_email))
    return roster, listed


async def type_in(pilot, *keys: str) -> None:
    """A person typing into a box: keys stamped 0.2 s apart (never read as a scan, however fast the test
    machine delivers them), handled in order."""
    post_keys(pilot.app, list(keys), [0.2] * len(keys))
    await settle(pilot)


async def open_form(pilot, typed="Zoë Núñez"):
    await open_demo_expo(pilot)
    await pilot.press(*typed, "ctrl+n")
    await settle(pilot)


async def fill(pilot, **values):
    form = pilot.app.screen
    for name, value in values.items():
        form.query_one(f"#field-{name}", Input).value = value
    await pilot.pause()


async def is_active(api, attendee) -> bool:
    """Still in the default listing: the only sign of a cancellation the reference gives."""
    found = (await api.get(f"{EXPO}/attendees", params={"email": attendee.email})).json()["data"]
    return any(a["id"] == attendee.id for a in found)


async def answer(pilot, key: str) -> None:
    """A key while a write is held: handled, without `settle` (which would wait out the held window)."""
    await type_like_a_person(pilot, key)
    for _ in range(3):
        await pilot.pause()


async def open_card_while_held(pilot, person) -> None:
    """Search and open a card without `settle` (a held write's worker would be waited out)."""
    await type_like_a_person(pilot, "ctrl+l", *person.email, "enter")
    for _ in range(200):
        if isinstance(pilot.app.screen, AttendeeCardScreen) and pilot.app.screen.record.id == person.id:
            return
        await pilot.pause()
    raise AssertionError(f"no card for {person.email}")


async def eventtia_state(api) -> list[tuple]:
    """Every attendee as Eventtia has it (status, check-in) and every activity's seats: what a write changes."""
    attendees = []
    page = 1
    while True:
        body = (await api.get(f"{EXPO}/attendees", params={"page[size]": 100, "page[number]": page,
                                                           "include_archived": "true"})).json()
        attendees += [(a["id"], a["attributes"].get("status"), a["attributes"].get("checked_in")) for a in body["data"]]
        if len(body["data"]) < 100:
            break
        page += 1
    workshops = (await api.get(f"{EXPO}/workshops", params={"page[size]": 100})).json()["data"]
    return sorted(attendees) + sorted((w["id"], w["attributes"]["used_seats"]) for w in workshops)


def badges(app, first_letters: str = "acdmny", status: str = "confirmed"):
    """Confirmed attendees whose badge starts with a letter that is a command somewhere (C, A, D, M, N, Y)."""
    index = app.gateway.index_if_loaded("demo-expo") or app.gateway.index("demo-expo")
    return [r for r in sorted(index.records.values(), key=lambda r: r.id)
            if r.status == status and r.qr_code[:1] in first_letters and looks_like_badge(r.qr_code)]


def shows_card_of(app, record) -> bool:
    return isinstance(app.screen, AttendeeCardScreen) and app.screen.record.id == record.id
