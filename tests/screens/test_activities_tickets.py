"""Activities (F2), an activity's roster, and tickets (F4): snapshots and Pilot tests on the sandbox."""

from textual.widgets import DataTable

from eventtia_tui.screens.activities import ActivitiesPane
from eventtia_tui.screens.event_screen import EventScreen
from eventtia_tui.screens.roster import RosterScreen
from eventtia_tui.screens.tickets import TicketsPane
from eventtia_tui.store.index import fold
from tests.screens.pilot import SIZE, open_demo_expo, settle

FULL = "Hands-on: Data Pipelines in Practice"
NEARLY_FULL = "Panel: Sustainable Supply Chains"


def cell_text(table: DataTable, row_key: str, column: int) -> str:
    return str(table.get_row(row_key)[column])


def status_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def open_activities(pilot) -> ActivitiesPane:
    await open_demo_expo(pilot)
    await pilot.press("f2")
    await settle(pilot)
    return pilot.app.screen.query_one(ActivitiesPane)


async def open_roster(pilot, name: str) -> RosterScreen:
    pane = await open_activities(pilot)
    table = pane.query_one(DataTable)
    workshop = next(w for w in pane.workshops if w.name == name)
    while table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value != workshop.id:
        await pilot.press("down")
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, RosterScreen)
    return pilot.app.screen


async def open_tickets(pilot) -> TicketsPane:
    await open_demo_expo(pilot)
    await pilot.press("f4")
    await settle(pilot)
    return pilot.app.screen.query_one(TicketsPane)


# Snapshots ----------------------------------------------------------------------------------------------


def test_activities_snapshot(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_activities)


def test_roster_of_full_activity_snapshot(snap_compare, make_app):
    async def run_before(pilot):
        await open_roster(pilot, FULL)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_tickets_snapshot(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_tickets)


# Activities -----------------------------------------------------------------------------------------------


async def test_full_activity_is_marked_and_nearly_full_highlighted(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_activities(pilot)
        table = pane.query_one(DataTable)
        assert table.row_count == len(pane.workshops) >= 8
        assert pane.query_one(DataTable).has_focus  # Enter works at once on the tab
        full = next(w for w in pane.workshops if w.name == FULL)
        nearly = next(w for w in pane.workshops if w.name == NEARLY_FULL)
        assert (full.used_seats, full.capacity) == (30, 30)
        assert cell_text(table, full.id, 4).strip() == "FULL"
        assert "30/30" in cell_text(table, full.id, 3)
        assert cell_text(table, nearly.id, 4) == "2 · nearly full"
        others = [w for w in pane.workshops if w.id not in (full.id, nearly.id)]
        assert all("FULL" not in cell_text(table, w.id, 4) and "nearly" not in cell_text(table, w.id, 4)
                   for w in others)
        starts = [w.start_date for w in pane.workshops]
        assert starts == sorted(starts)
        assert cell_text(table, full.id, 0) == "Tue 24 11:30–13:00"  # the event's time zone (Bogotá)
        status = status_of(pane, "#activities-status")
        assert f"{len(pane.workshops)} activities · 1 full · 1 nearly full" in status


async def test_roster_count_equals_used_seats_and_the_filter_narrows(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        roster = await open_roster(pilot, FULL)
        table = roster.query_one("#roster-table", DataTable)
        assert table.row_count == len(roster.roster) == roster.workshop.used_seats == 30
        assert "30 of 30 seats taken · 30 shown" in status_of(roster, "#roster-status")
        assert "FULL" in status_of(roster, "#roster-title")
        # Accent-insensitive: type the folded form of an accented name.
        target = next(a for a, _ in roster.roster if fold(a.full_name) != a.full_name.casefold())
        query = fold(target.full_name.split()[-1])
        await pilot.press(*query)
        expected = [a.id for a, text in roster.roster if query in text]
        assert 0 < table.row_count == len(expected) < 30
        assert target.id in table.rows
        assert f"30 of 30 seats taken · {len(expected)} shown" in status_of(roster, "#roster-status")
        await pilot.press(*"zzqx")
        assert table.row_count == 0
        assert "nobody matches" in status_of(roster, "#roster-status")
        await pilot.press("ctrl+l")
        assert table.row_count == 30
        await pilot.press("escape")
        assert isinstance(app.screen, EventScreen)


async def test_an_empty_roster_says_so(make_app, sandbox_app):
    db = sandbox_app.state.sandbox.db
    db.conn.execute("DELETE FROM attendee_workshops WHERE workshop_id = "
                    "(SELECT id FROM workshops WHERE name = 'Demo Lab: Badge Printing')")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        roster = await open_roster(pilot, "Demo Lab: Badge Printing")
        assert roster.query_one("#roster-table", DataTable).row_count == 0
        assert "Nobody has signed up for this activity yet." in status_of(roster, "#roster-status")


async def test_activities_offline_show_the_cached_copy(make_app, sandbox_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_activities(pilot)
        before = pane.query_one(DataTable).row_count
        sandbox_app.state.faults.fail_rate = 1.0
        await pilot.press("ctrl+r")  # Sync now: every pane asks Eventtia again
        await settle(pilot)
        assert pane.query_one(DataTable).row_count == before
        assert "Offline copy" in status_of(pane, "#activities-status")
        await pilot.press("enter")  # this roster was never fetched: a sentence, not a traceback
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)
        assert app.screen.query_one("#roster-table", DataTable).row_count == 0
        status = status_of(app.screen, "#roster-status")
        assert status.startswith("Could not load the roster: ") and "Ctrl+R" in status
        sandbox_app.state.faults.fail_rate = 0.0
        await pilot.press("ctrl+r")
        await settle(pilot)
        roster = app.screen
        assert roster.query_one("#roster-table", DataTable).row_count == len(roster.roster) > 0
        sandbox_app.state.faults.fail_rate = 1.0  # now it is cached: offline keeps it, and says so
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert roster.query_one("#roster-table", DataTable).row_count == len(roster.roster) > 0
        assert "offline copy" in status_of(roster, "#roster-status")


# Tickets --------------------------------------------------------------------------------------------------


async def test_tickets_show_unlimited_and_totals_equal_the_sum(make_app, anon):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_tickets(pilot)
        stats = (await app.gateway.client.tickets_stats("demo-expo"))
        table = pane.query_one(DataTable)
        assert table.row_count == len(stats) + 1
        names = [cell_text(table, f"type-{i}", 0) for i in range(len(stats))]
        assert names == [s.name for s in stats]
        general = names.index("General Admission")
        assert "∞" in cell_text(table, f"type-{general}", 1)
        assert cell_text(table, f"type-{general}", 2) == "∞"
        vip = names.index("VIP")
        assert cell_text(table, f"type-{vip}", 2) == str(stats[vip].seats_limit - stats[vip].used_seats)
        total = sum(s.used_seats for s in stats)
        assert total == sum(pane.stats[i].used_seats for i in range(len(stats)))
        assert cell_text(table, "total", 1).endswith(f"{total:,}/∞")
        assert "updated 10:00:" in status_of(pane, "#tickets-status")


async def test_tickets_poll_only_while_visible_and_fall_back_offline(make_app, sandbox_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        pane = app.screen.query_one(TicketsPane)
        assert pane.loaded and not pane.on_screen()
        sandbox_app.state.faults.fail_rate = 1.0
        pane.tick()  # the 5-second timer on a hidden tab asks nothing
        await settle(pilot)
        assert app.gateway.connection.online is True
        assert "updated" in status_of(pane, "#tickets-status")
        await pilot.press("f4")  # showing the tab fetches at once: offline, so the cached numbers stay
        await settle(pilot)
        assert pane.on_screen()
        assert app.gateway.connection.online is False
        table = pane.query_one(DataTable)
        assert table.row_count == len(pane.stats) + 1 == 6
        status = status_of(pane, "#tickets-status")
        assert "offline copy from 10:00:" in status
        sandbox_app.state.faults.fail_rate = 0.0
        pane.tick()
        await settle(pilot)
        assert "updated" in status_of(pane, "#tickets-status")
