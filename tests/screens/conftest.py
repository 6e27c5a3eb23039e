"""The app on the in-process sandbox: a tmp cache, the sandbox's frozen clock, no cursor blink."""

from __future__ import annotations

import random

import httpx
import pytest
from textual import events
from textual._time import get_time
from textual.keys import _character_to_key
from textual.worker import WorkerCancelled

from eventtia_tui.api.client import EventtiaClient
from eventtia_tui.api.tokens import TokenStore
from eventtia_tui.app import EventtiaApp
from eventtia_tui.session import Session, Settings
from tests.conftest import BASE_URL

SIZE = (120, 36)


def keep_the_clock_forward(app: EventtiaApp) -> None:
    """Pilot.press stamps a key with the real clock, post_keys with simulated times up to ~1.5 s ahead of it:
    a key pressed after simulated keys would arrive before them (a terminal's clock never goes back), and
    one landing inside a scan's last 30 ms is dropped as its CR+LF's LF (seen in CI: the Enter that opens
    a roster). Such a key is stamped as a person's key after the simulated ones."""
    gate = app.scan_gate
    take = gate.key

    async def key(event: events.Key) -> None:
        if not getattr(event, "stamped", False) and event.time <= max(gate.last_time, gate.scan_ended_at):
            event.time = max(gate.last_time, gate.scan_ended_at) + 0.2
        await take(event)

    gate.key = key


@pytest.fixture
def make_app(sandbox_app, tmp_path, clock, fast_retry):
    """Build the app signed in as the demo user (the sandbox plays Eventtia). Cancellations and removals
    are sent at once unless a test asks for an undo window (`settle` waits for a held write's window)."""

    def build(*, kiosk: bool = False, event_uri: str | None = None, demo: bool = True,
              undo_window: float = 0.0) -> EventtiaApp:
        settings = Settings(api_url=BASE_URL, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                            config_dir=tmp_path / "config", demo=demo, export_dir=tmp_path / "exports",
                            undo_window=undo_window)
        client = EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=sandbox_app), retry=fast_retry)
        session = Session(settings, client, TokenStore(tmp_path / "config"), clock=clock)
        app = EventtiaApp(session, kiosk=kiosk, event_uri=event_uri, cursor_blink=False)
        keep_the_clock_forward(app)
        return app

    return build


async def settle(pilot) -> None:
    """Wait until every worker (sign-in, loads, sync) is done and the screen has repainted."""
    for _ in range(5):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # a newer exclusive worker replaced one we waited on: wait again
            continue
        if pilot.app.gateway is not None:
            await pilot.app.gateway.wait_for_background()
        if pilot.app.runner is not None:
            await pilot.app.runner.wait_for_deadlines()  # held writes: sent at the end of their window
        await pilot.app.scan_gate.wait_idle()
        await pilot.pause()
    await pilot.wait_for_scheduled_animations()


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


async def type_in(pilot, *keys: str) -> None:
    """A person typing into a box: keys stamped 0.2 s apart (never read as a scan, however fast the test
    machine delivers them), handled in order."""
    post_keys(pilot.app, list(keys), [0.2] * len(keys))
    await settle(pilot)
