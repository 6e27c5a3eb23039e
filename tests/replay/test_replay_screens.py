"""Every tab of the event screen on the reference replay: what the reference's examples hold is shown."""

from __future__ import annotations

import httpx
import pytest

from eventtia_tui.api.client import EventtiaClient
from eventtia_tui.api.tokens import TokenStore
from eventtia_tui.app import EventtiaApp
from eventtia_tui.screens.attendee_card import AttendeeCardScreen
from eventtia_tui.screens.register_form import RegisterFormScreen
from eventtia_tui.session import Session, Settings
from tests.replay.server import BASE_URL, EVENT, JOHN_QR, check_requests
from tests.screens.pilot import SIZE, scan_badge, settle


@pytest.fixture
def replay_app(replay, tmp_path, clock, fast_retry):
    def build(event_uri: str | None = EVENT) -> EventtiaApp:
        settings = Settings(api_url=BASE_URL, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                            config_dir=tmp_path / "config", demo=True)  # demo: signs in by itself
        client = EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=replay.app), retry=fast_retry)
        session = Session(settings, client, TokenStore(tmp_path / "config"), clock=clock)
        return EventtiaApp(session, event_uri=event_uri, cursor_blink=False)

    return build


def rows(table) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_every_tab_shows_the_examples(replay_app, replay):
    app = replay_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        search = app.screen.query_one("AttendeeSearch")
        for query in ("John Doe", "johndoe@eventtia.com"):
            await pilot.press("ctrl+l", *query)
            await settle(pilot)
            results = rows(search.query_one("#attendee-results"))
            assert len(results) == 1 and results[0][0] == "John Doe" and "Eventtia" in results[0], query
        await pilot.press("ctrl+l", *JOHN_QR, "enter")
        await settle(pilot)
        assert isinstance(app.screen, AttendeeCardScreen)
        assert app.screen.record.qr_code == JOHN_QR and app.screen.record.full_name == "John Doe"
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("f2")
        await settle(pilot)
        activities = rows(app.screen.query_one("#activities-table"))
        # List of Activities: 14:00–18:00 and 15:00–17:00 UTC on Feb 12, shown in the event's zone (Bogotá)
        assert [row[:2] for row in activities] == [["Sun 12 09:00–13:00", "Activity 1"],
                                                   ["Sun 12 10:00–12:00", "Activity 2"]]
        assert all(row[-2].endswith("0/1,000") for row in activities)
        # Activity 1 has show_on_register: false in the example: not offered for registration
        assert [row[-1] for row in activities] == ["1,000 · closed", "1,000"]

        await pilot.press("f4")
        await settle(pilot)
        tickets = rows(app.screen.query_one("#tickets-table"))
        assert [(row[0], row[1].split()[-1], row[2]) for row in tickets] == [
            ("Vip", "4/100", "96"), ("gold", "1/∞", "∞"), ("Total", "5/∞", "∞")]

        await pilot.press("f3")
        await settle(pilot)
        summary = str(app.screen.query_one("#agenda-summary").render())
        assert "Sellers" in summary and "1 slots" in summary
        grid = app.screen.query_one("#agenda-grid")
        # The participants example: one participant (profile "Eventtia"), in the Sellers type's one slot.
        assert [str(c.label) for c in grid.columns.values()] == ["Eventtia"] and grid.row_count == 1
    check_requests(replay)


async def test_roster_participant_agenda_and_unavailable_hours_show_the_examples(replay_app, replay):
    app = replay_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("enter")  # Activity 1's roster: the List of Attendees in an Activity example
        await settle(pilot)
        assert rows(app.screen.query_one("#roster-table")) == [
            ["Jon Doe", "⚠ ALREADY CHECKED IN at 11:52", "Eventtia", "jondoe@eventtia.com", "✓"]]  # the verdict
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        # The participant's agenda (its example's data is "[...]": no meetings), its blocked slot 1676037600
        assert "John Doe" in str(app.screen.query_one("#participant-agenda-title").render())
        assert "Fri 10 09:00" in str(app.screen.query_one("#participant-agenda-blocked").render())
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        # The example's unavailable hour spans three days: both ends shown whole.
        assert rows(app.screen.query_one("#hours-table")) == [["10/02/2023 - 09:00", "13/02/2023 - 12:25"]]
    check_requests(replay)


async def test_the_event_picker_lists_the_examples_events(replay_app, replay):
    app = replay_app(event_uri=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        picker = rows(app.screen.query_one("#events"))
        assert picker and picker[0][0] == "Test Event"  # List of Events example
    check_requests(replay)


async def test_the_walk_in_form_asks_for_the_register_parameters(replay_app):
    """The reference's attendee type lists only first_name: the form still asks for what the register
    endpoint documents (last name, email, company, job title, telephone), and a scan of John Doe's literal
    badge opens his card with a verdict."""
    app = replay_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RegisterFormScreen)
        shown = {widget.id.removeprefix("field-") for widget in form.query("#register-fields Input")}
        assert {"first_name", "last_name", "email", "company", "job_title", "telephone"} <= shown
        await pilot.press("escape")
        await settle(pilot)
        await scan_badge(pilot, JOHN_QR)
        assert isinstance(app.screen, AttendeeCardScreen) and app.screen.record.qr_code == JOHN_QR
        assert app.screen.query_one("#verdict").display
