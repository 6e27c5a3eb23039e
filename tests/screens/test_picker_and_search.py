from textual.command import CommandPalette

from eventtia_tui.screens.attendee_card import AttendeeCardScreen
from eventtia_tui.screens.event_picker import EventPickerScreen
from eventtia_tui.screens.event_screen import EventScreen
from eventtia_tui.store.index import AttendeeIndex
from tests.screens.pilot import SIZE, open_demo_expo, scan_badge, settle, type_in


def test_event_picker_snapshot(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)


def test_attendee_search_snapshot(snap_compare, make_app):
    async def run_before(pilot):
        await open_demo_expo(pilot)
        await pilot.press(*"garc")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_attendee_card_snapshot(snap_compare, make_app):
    async def run_before(pilot):
        await open_demo_expo(pilot)
        await type_in(pilot, *"muller", "enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


async def test_picker_filters_and_opens_the_event(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, EventPickerScreen)
        table = app.screen.query_one("#events")
        assert table.row_count == 3
        await pilot.press(*"lima")
        assert table.row_count == 1
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, EventScreen) and app.screen.uri == "lima-food-fair"
        await pilot.press("escape")
        assert isinstance(app.screen, EventPickerScreen)


async def test_back_on_the_picker_it_shows_the_sync_the_filter_and_refuses_a_scan_into_the_palette(make_app):
    """Issue 29 item 7: after Esc, "Offline copy" says the event just synced; the no-match line goes once the
    filter matches again; a scan typed into the palette over the picker runs no command."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        record = next(iter(app.gateway.index_if_loaded("demo-expo").records.values()))
        await pilot.press("escape")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, EventPickerScreen)
        table = picker.query_one("#events")
        assert str(table.get_row("demo-expo")[3]).startswith("synced")
        assert str(table.get_row("lima-food-fair")[3]) == "not synced"
        status = picker.query_one("#picker-status")
        await type_in(pilot, *"zzz")
        assert table.row_count == 0 and "No event matches" in str(status.render())
        await type_in(pilot, "escape")
        assert table.row_count == 3 and str(status.render()) == "3 events"
        await type_in(pilot, "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await scan_badge(pilot, record.qr_code)
        said = [str(n.message) for n in app._notifications]
        assert any("That was a badge scan" in message for message in said), said
        assert not any("Nothing to export" in message for message in said), said  # the palette's first command
        assert isinstance(app.screen, CommandPalette) and app.screen.query_one("Input").value == ""


async def test_typing_searches_the_local_index_and_a_scan_opens_the_card(make_app, sandbox_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        screen = app.screen
        assert isinstance(screen, EventScreen)
        search = screen.query_one("AttendeeSearch")
        # The default listing: Demo Expo's 1,200 registrations less the deleted and rejected ones
        assert isinstance(search.index, AttendeeIndex) and 1100 < len(search.index) < 1200
        sandbox_app.state.faults.fail_rate = 1.0  # typing must not need the network
        await pilot.press(*"nunez")
        results = screen.query_one("#attendee-results")
        assert results.row_count > 0
        assert all("Núñez" in str(results.get_row_at(i)[0]) for i in range(results.row_count))
        sandbox_app.state.faults.fail_rate = 0.0
        record = next(r for r in search.index.records.values() if r.status == "confirmed")
        await pilot.press("ctrl+l")
        await pilot.press(*record.qr_code, "enter")  # a badge scanner types the QR and Enter
        await settle(pilot)
        assert isinstance(app.screen, AttendeeCardScreen)
        assert app.screen.record.id == record.id
        await pilot.press("escape")
        assert isinstance(app.screen, EventScreen)
        assert screen.query_one("#attendee-query").value == ""


async def test_no_match_says_so(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await pilot.press(*"zzzzqqq")
        status = str(app.screen.query_one("#search-status").render())
        assert "No attendee matches" in status


async def test_never_synced_and_offline_says_so(make_app, sandbox_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sandbox_app.state.faults.fail_rate = 1.0
        await type_in(pilot, *"andean", "enter")
        await settle(pilot)
        status = str(app.screen.query_one("#search-status").render())
        assert "can't be reached" in status
        assert not app.screen.query_one("#attendee-results").loading
        assert app.screen.query_one("#offline-banner").display


async def test_results_cursor_keys_scroll_and_enter_opens_the_highlighted_attendee(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        screen = app.screen
        results = screen.query_one("#attendee-results")
        await pilot.press("a")  # more matches than fit: the list scrolls
        assert results.row_count == 50 and results.virtual_size.height > results.size.height
        await pilot.press("down")  # from the search box into the results
        assert results.has_focus and results.cursor_row == 0
        await pilot.press("up")
        assert results.cursor_row == 0
        await pilot.press("down", "down")
        assert results.cursor_row == 2 and results.scroll_y == 0
        await pilot.press("end")
        await pilot.pause()
        assert results.cursor_row == 49 and results.scroll_y == results.max_scroll_y > 0
        await pilot.press("home")
        await pilot.pause()
        assert results.cursor_row == 0 and results.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert results.cursor_row > 20 and results.scroll_y > 0  # the cursor stays in view
        await pilot.press("pageup")
        await pilot.pause()
        assert results.cursor_row == 0 and results.scroll_y == 0
        await pilot.press("down", "down", "down")
        chosen = results.highlighted_key
        assert chosen == results.keys[3]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AttendeeCardScreen) and app.screen.record.id == chosen
        await pilot.press("escape")
        assert app.screen is screen


async def test_clicking_a_result_opens_that_attendee(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        results = app.screen.query_one("#attendee-results")
        await pilot.press(*"garc")
        await pilot.pause()
        third = results.keys[2]
        assert await pilot.click("#attendee-results", offset=(4, 3))  # line 0 is the header
        await settle(pilot)
        assert isinstance(app.screen, AttendeeCardScreen) and app.screen.record.id == third
