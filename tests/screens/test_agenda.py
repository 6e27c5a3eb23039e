"""The B2B agenda (F3): the grid function on the demo data, snapshots, and the key paths."""

from datetime import datetime, timedelta, timezone

import pytest

from eventtia_tui.api.models import Meeting, Participant, Slot, UnavailableHour
from eventtia_tui.screens.agenda import NO_MATCHMAKING, AgendaPane
from eventtia_tui.screens.agenda_grid import build_grid, short_name, slot_label
from eventtia_tui.screens.event_screen import EventScreen
from eventtia_tui.screens.participant_agenda import ParticipantAgendaScreen, agenda_rows
from tests.screens.pilot import SIZE, open_demo_expo, settle

URI = "demo-expo"
BOGOTA = timezone(timedelta(hours=-5))


# The grid function on the demo data ------------------------------------------------------------------


@pytest.fixture
async def demo_b2b(gateway):
    conference = (await gateway.conferences(URI)).value[0]
    types = {t.name: t for t in (await gateway.participant_types(URI, conference.id)).value}
    participants = (await gateway.participants(URI, conference.id)).value
    meetings = (await gateway.meetings(URI, conference.id)).value
    hours = {name: (await gateway.unavailable_hours(URI, conference.id, t.id)).value for name, t in types.items()}
    return types, participants, meetings, hours


def grid_for(demo_b2b, type_name: str):
    types, participants, meetings, hours = demo_b2b
    ptype = types[type_name]
    members = [p for p in participants if p.participant_type_id == ptype.id]
    return build_grid(ptype.agenda, members, meetings, hours[type_name]), members


def keys_at(grid, hour: int, minute: int) -> list[int]:
    return [s.key for s in grid.slots if (s.start.hour, s.start.minute) == (hour, minute)]


async def test_grid_has_a_row_per_slot_and_a_column_per_buyer(demo_b2b):
    grid, members = grid_for(demo_b2b, "Buyers")
    assert len(grid.slots) == 32 and len(grid.participants) == 24
    assert {p.id for p in grid.participants} == {p.id for p in members}
    assert len(grid.cells) == 32 * 24
    assert slot_label(grid.slots[0]) == "Tue 24 09:00" and slot_label(grid.slots[-1]) == "Wed 25 16:30"


async def test_a_meeting_cell_has_the_meeting_status_on_both_sides(demo_b2b):
    buyers, _ = grid_for(demo_b2b, "Buyers")
    sellers, _ = grid_for(demo_b2b, "Sellers")
    _, _, meetings, _ = demo_b2b
    by_slot_id = {s.slot_id: s.key for s in buyers.slots}
    names = {1: "requested", 2: "accepted", 3: "rejected", 4: "expired"}
    assert {m.status for m in meetings} == set(names)
    for meeting in meetings:
        key = by_slot_id[meeting.slot_id]
        for pid in meeting.participant_ids:
            grid = buyers if (key, pid) in buyers.cells else sellers
            cell = grid.cell(key, pid)
            assert cell.status == names[meeting.status] and cell.meeting_id == meeting.id
            assert cell.other_id in meeting.participant_ids and cell.other_id != pid
    assert sum(buyers.counts().values()) == len(meetings) == sum(sellers.counts().values())
    free = [cell for cell in buyers.cells.values() if cell.status is None]
    assert len(free) == 32 * 24 - len(meetings)


async def test_blocked_slots_are_blocked(demo_b2b):
    grid, members = grid_for(demo_b2b, "Buyers")
    blocked = {(key, p.id) for p in members for key in p.blocked_slots}
    assert blocked, "the demo has blocked slots"
    for (key, pid), cell in grid.cells.items():
        assert cell.blocked == ((key, pid) in blocked)
        if cell.blocked and not cell.status:
            assert cell.kind == "blocked"


async def test_buyers_lunch_slots_are_unavailable_for_every_buyer(demo_b2b):
    grid, members = grid_for(demo_b2b, "Buyers")
    lunch = keys_at(grid, 12, 30) + keys_at(grid, 13, 0)
    assert len(lunch) == 4  # two slots a day, two days
    assert grid.unavailable_keys == set(lunch)
    for key in lunch:
        assert all(grid.cell(key, p.id).unavailable for p in members)
    for key in keys_at(grid, 12, 0) + keys_at(grid, 13, 30):  # the slots either side stay open
        assert not any(grid.cell(key, p.id).unavailable for p in members)


async def test_sellers_are_unavailable_only_late_on_day_two(demo_b2b):
    grid, _ = grid_for(demo_b2b, "Sellers")
    late = {s.key for s in grid.slots if s.start.day == 25 and s.start.hour == 16}
    assert len(late) == 2 and grid.unavailable_keys == late


def make_slot(key: int, slot_id: int) -> Slot:
    start = datetime.fromtimestamp(key, BOGOTA)
    return Slot(key=key, start=start, end=start + timedelta(minutes=25), slot_id=slot_id)


def test_grid_rules_without_the_sandbox():
    slots = [make_slot(1_800_000_000 + i * 1800, 10 + i) for i in range(4)]
    people = [Participant(id="b", profile_display_name="Zeta", blocked_slots=[slots[3].key], participant_type_id="1"),
              Participant(id="a", profile_display_name="alpha", participant_type_id="1")]
    meetings = [
        Meeting(id="m1", slot_id=10, status=3, participant_ids=["a", "x"]),  # rejected, then...
        Meeting(id="m2", slot_id=10, status=2, participant_ids=["y", "a"]),  # ...accepted in the same slot wins
        Meeting(id="m3", status=1, start_date=slots[1].start, participant_ids=["b", "a"]),  # no slot id: by time
        Meeting(id="m4", slot_id=999, status=2, participant_ids=["a", "b"]),  # not in this agenda
        Meeting(id="m5", slot_id=12, status=2, participant_ids=["x", "y"]),  # other people
    ]
    # An unavailable hour overlapping slot 2 by one minute, and one in the gap between slots 2 and 3.
    hours = [UnavailableHour(start_date=slots[2].end - timedelta(minutes=1), end_date=slots[2].end),
             UnavailableHour(start_date=slots[3].start - timedelta(minutes=4), end_date=slots[3].start)]
    grid = build_grid(slots, people, meetings, hours)
    assert [p.id for p in grid.participants] == ["a", "b"]  # by name, case-insensitively
    assert grid.cell(slots[0].key, "a").status == "accepted" and grid.cell(slots[0].key, "a").other_id == "y"
    assert grid.cell(slots[1].key, "a").status == "requested" and grid.cell(slots[1].key, "b").other_id == "a"
    assert grid.cell(slots[2].key, "a").kind == "unavailable" and grid.unavailable_keys == {slots[2].key}
    assert grid.cell(slots[3].key, "b").kind == "blocked" and grid.cell(slots[3].key, "a").kind == "free"
    assert grid.counts() == {"accepted": 1, "requested": 1}
    assert short_name("Northwind Traders") == "Northwi…" and short_name("Globant") == "Globant"
    rows = agenda_rows("a", meetings, slots)
    assert [meeting.id for _, _, meeting in rows] == ["m1", "m2", "m3", "m4"]  # m4's time is unknown: last
    assert rows[0][0] == slots[0].start and rows[3][0] is None


# Snapshots -------------------------------------------------------------------------------------------


def test_b2b_tab_snapshot(snap_compare, make_app):
    async def run_before(pilot):
        await open_demo_expo(pilot)
        await pilot.press("f3")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_participant_agenda_snapshot(snap_compare, make_app):
    async def run_before(pilot):
        await open_demo_expo(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("right", "enter")  # the second buyer
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


# Key paths -------------------------------------------------------------------------------------------


async def open_b2b(pilot) -> AgendaPane:
    await open_demo_expo(pilot)
    await pilot.press("f3")
    await settle(pilot)
    return pilot.app.screen.query_one(AgendaPane)


def column_labels(pane: AgendaPane) -> list[str]:
    return [str(column.label) for column in pane.query_one("#agenda-grid").columns.values()]


async def test_switching_participant_type_changes_the_columns(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_b2b(pilot)
        table = pane.query_one("#agenda-grid")
        assert app.focused is table and table.row_count == 32
        buyers = column_labels(pane)
        assert len(buyers) == 24 and pane.query_one("#agenda-type").value == "12345"
        assert not pane.query_one("#agenda-conference").display  # one conference: no choice to make

        await pilot.press("t")
        await settle(pilot)
        sellers = column_labels(pane)
        assert len(sellers) == 24 and set(sellers) != set(buyers)
        assert pane.query_one("#agenda-type").value == "12346"
        assert "Sellers" in str(pane.query_one("#agenda-hours").render())
        assert "Wed 25 16:00–17:00" in str(pane.query_one("#agenda-hours").render())

        pane.query_one("#agenda-type").value = "12345"  # the Select does the same
        await settle(pilot)
        assert column_labels(pane) == buyers
        assert "Tue 24 12:30–13:30" in str(pane.query_one("#agenda-hours").render())
        assert any(title == "Next participant type" for title, _, _ in app.screen.palette_commands())


async def test_enter_opens_the_participant_agenda_in_time_order(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_b2b(pilot)
        await pilot.press("right", "right", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ParticipantAgendaScreen)
        assert screen.participant.id == pane.grid.participants[2].id
        meetings = screen.query_one("#participant-agenda-meetings")
        expected = [c for key in (s.key for s in pane.grid.slots)
                    if (c := pane.grid.cell(key, screen.participant.id)).meeting_id]
        assert meetings.row_count == len(expected) > 0
        assert [row.key.value for row in meetings.ordered_rows] == [c.meeting_id for c in expected]
        status = str(screen.query_one("#participant-agenda-status").render())
        assert f"{len(expected)} meeting" in status
        blocked = str(screen.query_one("#participant-agenda-blocked").render())
        assert "Unavailable for Buyers: Tue 24 12:30–13:30, Wed 25 12:30–13:30" in blocked
        own = [slot_label(s) for s in pane.grid.slots if s.key in screen.participant.blocked_slots]
        assert own and blocked.splitlines()[0] == "Blocked by the participant: " + ", ".join(own)
        await pilot.press("escape")
        assert isinstance(app.screen, EventScreen)
        await pilot.press("a")  # the key does the same as Enter
        await settle(pilot)
        assert isinstance(app.screen, ParticipantAgendaScreen)


async def test_participant_agenda_offline_uses_the_synced_meetings(make_app, sandbox_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_b2b(pilot)
        sandbox_app.state.faults.fail_rate = 1.0  # this agenda was never fetched, and the network is gone
        await pilot.press("right", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ParticipantAgendaScreen)
        status = str(screen.query_one("#participant-agenda-status").render())
        assert "Offline: built from the synced meeting list" in status
        expected = [c.meeting_id for key in (s.key for s in pane.grid.slots)
                    if (c := pane.grid.cell(key, screen.participant.id)).meeting_id]
        meetings = screen.query_one("#participant-agenda-meetings")
        assert [row.key.value for row in meetings.ordered_rows] == expected


async def test_reshade_picks_up_a_new_unavailable_hour(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_b2b(pilot)
        nine = pane.grid.slots[0]
        assert nine.key not in pane.grid.unavailable_keys
        gateway = app.gateway
        await gateway.client.create_unavailable_hour(URI, pane.conference_id, pane.type_id,
                                                     nine.start, nine.start + timedelta(minutes=30))
        gateway.invalidate(URI, "b2b")  # what the action layer does after a write
        pane.reshade()
        await settle(pilot)
        assert nine.key in pane.grid.unavailable_keys
        assert all(pane.grid.cell(nine.key, p.id).unavailable for p in pane.grid.participants)
        assert "Tue 24 09:00–09:30" in str(pane.query_one("#agenda-hours").render())


async def test_offline_copy_is_marked(make_app, sandbox_app, clock):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_b2b(pilot)
        sandbox_app.state.faults.fail_rate = 1.0
        clock.advance(3600)  # everything cached is stale now, and the network is gone
        pane.data_changed()
        await settle(pilot)
        assert "Offline copy" in str(pane.query_one("#agenda-status").render())
        assert pane.query_one("#agenda-grid").row_count == 32  # the grid is still there


async def test_an_event_without_matchmaking_says_so(make_app):
    app = make_app(event_uri="lima-food-fair")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        pane = app.screen.query_one(AgendaPane)
        assert str(pane.query_one("#agenda-status").render()) == NO_MATCHMAKING
        assert not pane.query_one("#agenda-body").display
        await pilot.press("a", "t")  # nothing to open or switch: no error
        assert isinstance(app.screen, EventScreen)


async def test_a_failure_is_a_sentence(make_app, sandbox_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sandbox_app.state.faults.fail_rate = 1.0  # nothing cached yet, and Eventtia is down
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f3")
        pane = app.screen.query_one(AgendaPane)
        status = str(pane.query_one("#agenda-status").render())
        assert status.startswith("Could not load the B2B matchmaking: ") and "Traceback" not in status
        assert not pane.query_one("#agenda-body").display
