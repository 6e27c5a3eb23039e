"""The app on the in-process sandbox: a tmp cache, the sandbox's frozen clock, no cursor blink."""

from __future__ import annotations

import httpx
import pytest
from textual.worker import WorkerCancelled

from eventtia_tui.api.client import EventtiaClient
from eventtia_tui.api.tokens import TokenStore
from eventtia_tui.app import EventtiaApp
from eventtia_tui.session import Session, Settings
from tests.conftest import BASE_URL

SIZE = (120, 36)


@pytest.fixture
def make_app(sandbox_app, tmp_path, clock, fast_retry):
    """Build the app signed in as the demo user (the sandbox plays Eventtia)."""

    def build(*, kiosk: bool = False, event_uri: str | None = None, demo: bool = True) -> EventtiaApp:
        settings = Settings(api_url=BASE_URL, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                            config_dir=tmp_path / "config", demo=demo)
        client = EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=sandbox_app), retry=fast_retry)
        session = Session(settings, client, TokenStore(tmp_path / "config"), clock=clock)
        return EventtiaApp(session, kiosk=kiosk, event_uri=event_uri, cursor_blink=False)

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
        await pilot.pause()
    await pilot.wait_for_scheduled_animations()


async def open_demo_expo(pilot) -> None:
    """From the picker (Demo Expo is selected in the demo) into the event, synced."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
