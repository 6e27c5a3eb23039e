"""Through the UI: a walk-in on a full disk fails at once with a sentence (nothing shown as registering, a
retry is not refused), and a middlebox's `200 {}` neither empties what is shown nor leaves the header online."""

from __future__ import annotations

import errno

import diskcache
import httpx
import pytest

from eventtia_tui.api.client import EventtiaClient
from eventtia_tui.api.tokens import TokenStore
from eventtia_tui.app import EventtiaApp
from eventtia_tui.screens.event_screen import EventScreen
from eventtia_tui.screens.register_form import RegisterFormScreen
from eventtia_tui.session import Session, Settings
from tests.demo_expo import BASE_URL
from tests.middlebox import EMPTY_OBJECT, Middlebox, reads
from tests.screens.pilot import EXPO, SIZE, fill, open_form, settle

pytestmark = pytest.mark.fault


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def rows(screen: EventScreen) -> list[str]:
    results = screen.query_one("#attendee-results")
    return [" ".join(str(cell) for cell in results.get_row_at(number)) for number in range(results.row_count)]


async def test_a_walk_in_on_a_full_disk_fails_at_once_and_can_be_sent_again(make_app, api, monkeypatch):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        await fill(pilot, email="zoe@walkin.test")
        notified = []
        monkeypatch.setattr(app, "notify", lambda message, **kwargs: notified.append(str(message)))
        with monkeypatch.context() as disk:
            disk.setattr(diskcache.Cache, "set", full_disk)
            disk.setattr(diskcache.Cache, "__setitem__", full_disk)
            await pilot.press("ctrl+s")
            await settle(pilot)
        assert any("the disk is full" in message and "neither sent nor kept" in message for message in notified)
        assert app.runner.pending == {} and list(app.runner.outbox.items()) == []
        found = await api.get(f"{EXPO}/attendees", params={"email": "zoe@walkin.test"})
        assert found.json()["meta"]["total_attendees"] == 0
        if isinstance(app.screen, EventScreen):
            assert not any("registering" in row or "zoe@walkin.test" in row for row in rows(app.screen))
        else:
            assert isinstance(app.screen, RegisterFormScreen)  # what was typed is still there
        if not isinstance(app.screen, RegisterFormScreen):
            await open_form(pilot)
            await fill(pilot, email="zoe@walkin.test")
        await pilot.press("ctrl+s")  # space freed: sent, not refused as "already registered"
        await settle(pilot)
        found = await api.get(f"{EXPO}/attendees", params={"email": "zoe@walkin.test"})
        assert found.json()["meta"]["total_attendees"] == 1


@pytest.fixture
def boxed_app(sandbox_app, tmp_path, clock, fast_retry):
    box = Middlebox(sandbox_app)
    settings = Settings(api_url=BASE_URL, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                        config_dir=tmp_path / "config", demo=True)
    client = EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=box), retry=fast_retry)
    session = Session(settings, client, TokenStore(tmp_path / "config"), clock=clock)
    return box, EventtiaApp(session, cursor_blink=False)


async def test_an_empty_object_from_a_middlebox_leaves_what_is_shown_and_says_offline(boxed_app):
    box, app = boxed_app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # Demo Expo
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EventScreen)
        assert "online" in str(screen.query_one("#event-header").render())
        workshops = app.gateway.cached("workshops", "demo-expo").value
        stats = app.gateway.cached("tickets_stats", "demo-expo").value
        box.answer(EMPTY_OBJECT, reads)
        await pilot.press("ctrl+r")  # a sync through the middlebox
        await settle(pilot)
        header = str(screen.query_one("#event-header").render())
        assert "offline" in header and "● online" not in header
        assert app.gateway.cached("workshops", "demo-expo").value == workshops and workshops
        assert app.gateway.cached("tickets_stats", "demo-expo").value == stats and stats
        assert box.mangled  # the sync did go through it
