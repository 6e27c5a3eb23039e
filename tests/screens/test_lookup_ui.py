"""The search never waits for a sync: what this machine's copy does not know is asked of Eventtia."""

from __future__ import annotations

import asyncio
import time

from eventtia_tui.api.budget import RequestBudget
from eventtia_tui.gateway import describe_duration
from eventtia_tui.screens.attendee_card import AttendeeCardScreen
from eventtia_tui.screens.event_screen import EventScreen
from tests.screens.pilot import SIZE, open_demo_expo, settle

WALK_IN = {"attendee_type_id": 5001, "first_name": "Yolanda", "last_name": "Xochiquetzal",
           "email": "yolanda.q@otherdesk.test", "company": "Otra Mesa", "telephone": "+573001112233",
           "birthdate": "01/02/1985"}


async def register_at_another_desk(api) -> dict:
    response = await api.post("/events/demo-expo/attendees/register", json={"attendee": WALK_IN})
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def test_enter_on_an_email_registered_elsewhere_opens_its_card_from_eventtia(make_app, api):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        search = app.screen.query_one("AttendeeSearch")
        await register_at_another_desk(api)  # after this machine's sync: the local copy does not know her
        assert search.index.exact(WALK_IN["email"]) is None
        await pilot.press(*WALK_IN["email"])
        started = time.perf_counter()
        await pilot.press("enter")
        await settle(pilot)
        elapsed = time.perf_counter() - started
        assert isinstance(app.screen, AttendeeCardScreen)
        assert app.screen.record.email == WALK_IN["email"]
        assert search.index.exact(WALK_IN["email"]) is not None  # kept: the next search finds her here
        assert elapsed < 5


async def test_an_address_eventtia_does_not_know_either_says_so_and_stays(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await pilot.press(*"nobody.here@nowhere.test", "enter")
        await settle(pilot)
        assert isinstance(app.screen, EventScreen)
        status = str(app.screen.query_one("#search-status").render())
        assert "here or on Eventtia" in status and "Ctrl+N" in status


async def test_before_the_first_sync_lands_a_name_is_asked_of_eventtia(make_app, api, sandbox_app, monkeypatch):
    monkeypatch.setattr("eventtia_tui.screens.attendee_search.LOOKUP_DELAY", 0.0)  # not waiting for typing to pause
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        screen = app.screen
        search = screen.query_one("AttendeeSearch")
        await register_at_another_desk(api)
        search.complete = False  # as while a first sync is still pulling pages
        await pilot.press(*"xochiquetzal")
        await settle(pilot)
        results = search.query_one("#attendee-results")
        assert results.row_count == 1
        assert "Xochiquetzal" in str(results.get_row_at(0)[0])
        assert "fetched from Eventtia" in str(search.query_one("#search-status").render())
        assert any(path.endswith("/attendees") for path in sandbox_app.state.limits.paths)


async def test_the_header_shows_a_low_budget_and_a_sync_waiting_on_it(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        screen = app.screen
        budget = RequestBudget(100)
        app.session.client.budget = budget
        for _ in range(96):  # the background lane's share of the minute, used up
            await budget.acquire("interactive")
        screen.refresh_header()
        assert "⚠ 4 of 100 requests left this minute" in str(screen.query_one("#event-header").render())
        waiting = asyncio.ensure_future(budget.acquire("background"))  # as a sync's next page would
        await pilot.pause()
        screen.sync_text = "syncing attendees 480 of 5,000, about 1 min left"
        screen.refresh_header()
        header = str(screen.query_one("#event-header").render())
        assert "; API limit: next request in" in header and "about 1 min left" in header
        waiting.cancel()


def test_durations_read_as_a_person_would_say_them():
    assert [describe_duration(s) for s in (0.2, 42, 95, 3600 + 20 * 60)] == [
        "about 1 s", "about 42 s", "about 2 min", "about 1 h 20 min"]


async def test_a_lookup_for_a_name_typed_before_never_takes_the_status_line(make_app, api, monkeypatch):
    """Seen in a pty during a first sync: the box held "Lucy Asam" and its rows, and the status line said
    it was asking Eventtia for the name typed before."""
    monkeypatch.setattr("eventtia_tui.screens.attendee_search.LOOKUP_DELAY", 0.5)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        search = app.screen.query_one("AttendeeSearch")
        search.complete = False  # as while a first sync is still pulling pages
        await pilot.press(*"zzqxw")  # nobody here: a lookup is due once typing pauses
        await pilot.press("ctrl+l", *"nunez")  # well inside the delay
        await pilot.pause(0.8)
        await settle(pilot)
        status = str(search.query_one("#search-status").render())
        assert "match" in status and "zzqxw" not in status, status
        assert search.query_one("#attendee-results").row_count > 0


async def test_a_sync_re_running_the_query_does_not_put_off_its_lookup(make_app, api, monkeypatch):
    monkeypatch.setattr("eventtia_tui.screens.attendee_search.LOOKUP_DELAY", 0.3)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        search = app.screen.query_one("AttendeeSearch")
        await register_at_another_desk(api)
        monkeypatch.setattr(app.gateway, "is_complete", lambda uri: False)  # a first sync still pulling pages
        search.complete = False
        await pilot.press(*"xochiquetzal")
        for _ in range(10):  # a first sync's pages re-run the query (twice a second; faster here)
            search.data_changed()
            await pilot.pause(0.1)
        assert search.fetched, "the lookup was put off by every re-run"
        await settle(pilot)
        results = search.query_one("#attendee-results")
        assert results.row_count == 1 and "Xochiquetzal" in str(results.get_row_at(0)[0])
