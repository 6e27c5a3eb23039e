"""The lounge blocks an hour for a participant type: the agenda grid re-shades at once."""

from textual.widgets import Input

from eventtia_tui.screens.confirm import ConfirmScreen
from eventtia_tui.screens.unavailable_hours import UnavailableHoursScreen
from tests.screens.pilot import SIZE, open_demo_expo, settle

EXPO = "/events/demo-expo"


async def open_editor(pilot):
    await open_demo_expo(pilot)
    await pilot.press("f3")
    await settle(pilot)
    await pilot.press("u")
    await settle(pilot)


def test_unavailable_hours_editor_snapshot(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_editor)


def unavailable_slots(pane) -> set[int]:
    grid = pane.grid
    return {slot.key for slot in grid.slots
            if all(grid.cell(slot.key, p.id).unavailable for p in grid.participants)}


async def test_add_edit_delete_an_unavailable_hour(make_app, api):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        editor = app.screen
        assert isinstance(editor, UnavailableHoursScreen) and editor.type_name == "Buyers"
        pane = app.screen_stack[-2].query_one("AgendaPane")
        before = unavailable_slots(pane)
        assert len(editor.hours) == 2  # lunch on both days
        editor.query_one("#field-start", Input).value = "24/11/2026 - 10:00"
        editor.query_one("#field-end", Input).value = "24/11/2026 - 10:30"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(editor.hours) == 3
        after = unavailable_slots(pane)
        assert len(after - before) == 1  # the 10:00 slot is shaded now
        bc = pane.conference_id
        server = (await api.get(f"{EXPO}/business_conferences/{bc}/business_conference_participant_types/"
                                f"{editor.type_id}/unavailable_hours")).json()["data"]
        assert len(server) == 3

        editor.query_one("#field-start", Input).value = "24/11/2026 - 11:00"
        editor.query_one("#field-end", Input).value = "24/11/2026 - 10:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "End must be after start." in str(editor.query_one("#error-end").render())
        assert editor.query_one("#field-start", Input).value == "24/11/2026 - 11:00"  # kept

        table = editor.query_one("#hours-table")
        new_id = next(h.id for h in editor.hours if h.start_date.hour == 10)
        table.move_cursor(row=table.get_row_index(new_id))
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert len(editor.hours) == 2
        assert unavailable_slots(pane) == before
