"""The app on the in-process sandbox: a tmp cache, the sandbox's frozen clock, no cursor blink."""

from __future__ import annotations

import httpx
import pytest
from textual import events

from eventtia_tui.api.client import EventtiaClient
from eventtia_tui.api.tokens import TokenStore
from eventtia_tui.app import EventtiaApp
from eventtia_tui.session import Session, Settings
from tests.demo_expo import BASE_URL


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
                            undo_window=undo_window, place="Main desk")  # not the host name: snapshots
        client = EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=sandbox_app), retry=fast_retry)
        session = Session(settings, client, TokenStore(tmp_path / "config"), clock=clock)
        app = EventtiaApp(session, kiosk=kiosk, event_uri=event_uri, cursor_blink=False)
        keep_the_clock_forward(app)
        return app

    return build
