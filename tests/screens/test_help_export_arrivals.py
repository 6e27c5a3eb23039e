"""Help (?), export (Ctrl+T and its dialog), copy to the clipboard, the arrivals on F4 and the event picker's
start: snapshots and Pilot tests on the sandbox."""

import csv
import html
import io
import json
import time
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from eventtia_tui import export
from eventtia_tui.screens.arrivals_chart import ArrivalsChart
from eventtia_tui.screens.confirm import ConfirmScreen
from eventtia_tui.screens.event_picker import EventPickerScreen
from eventtia_tui.screens.export_dialog import ExportDialog
from eventtia_tui.screens.help import HelpScreen
from eventtia_tui.screens.palette import ScreenCommands
from eventtia_tui.screens.register_form import RegisterFormScreen
from eventtia_tui.screens.results_list import ResultsList
from eventtia_tui.screens.tickets import TicketsPane
from tests.screens.pilot import SIZE, open_demo_expo, post_keys, settle, type_in, type_like_a_person


@pytest.fixture
def fixed_exports(monkeypatch):
    """Exports go to /srv/exports and file names use UTC, so the dialog's snapshot does not hold tmp_path."""
    monkeypatch.setattr(export, "export_place", lambda export_dir, data_dir: export.ExportPlace(
        Path("/srv/exports"), Path("/srv/home")))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def open_tickets(pilot) -> TicketsPane:
    await open_demo_expo(pilot)
    await pilot.press("f4")
    await settle(pilot)
    return pilot.app.screen.query_one(TicketsPane)


async def search_results(pilot, *query: str) -> ResultsList:
    """On F1: a query typed, and the focus moved down into the results."""
    await type_in(pilot, *query)
    await type_like_a_person(pilot, "down")
    results = pilot.app.screen.query_one(ResultsList)
    assert results.has_focus and results.row_count
    return results


async def export_now(pilot, choice: str = "", name: str = "") -> Path:
    """Ctrl+T, Enter in the dialog (`choice`: the format's radio button first; `name`: the file typed): the file
    written."""
    await type_like_a_person(pilot, "ctrl+t")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ExportDialog)
    if choice:
        dialog.query_one(choice).value = True
        await settle(pilot)
    if name:
        dialog.query_one(Input).value = name
    path = dialog.target()
    await type_like_a_person(pilot, "enter")
    await settle(pilot)
    assert not isinstance(pilot.app.screen, ExportDialog)
    return path


def rows_of(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


# Snapshots ----------------------------------------------------------------------------------------------


def test_help_snapshot(snap_compare, make_app):
    async def run_before(pilot):
        await open_tickets(pilot)
        await type_like_a_person(pilot, "?")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_arrivals_chart_per_day_snapshot(snap_compare, make_app):
    async def run_before(pilot):
        await open_tickets(pilot)
        await type_like_a_person(pilot, *"+++++")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_export_dialog_snapshot(snap_compare, make_app, fixed_exports):
    async def run_before(pilot):
        await open_demo_expo(pilot)
        await type_in(pilot, *"garc")
        await type_like_a_person(pilot, "ctrl+t")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


# Help -----------------------------------------------------------------------------------------------------


async def test_question_mark_types_in_a_box_and_opens_help_elsewhere(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await type_like_a_person(pilot, "?")
        assert app.screen.query_one("#attendee-query", Input).value == "?"
        assert not isinstance(app.screen, HelpScreen)
        await type_like_a_person(pilot, "backspace", "f4", "?")
        assert isinstance(app.screen, HelpScreen)
        listed = {(key.key, key.what) for key in app.screen.keys}
        assert {("F1", "Attendees"), ("^r", "Sync now"), ("?", "Help"), ("+", "Wider arrival bars")} <= listed
        app.screen.query_one("#help").scroll_end(animate=False, immediate=True)
        await settle(pilot)
        assert "Check someone in" in html.unescape(app.export_screenshot()).replace("\xa0", " ")
        await type_like_a_person(pilot, "escape")
        assert not isinstance(app.screen, HelpScreen)


def footer_keys(screen) -> dict[str, str]:
    return {key.key: key.description for key in screen.query("FooterKey")}


async def test_a_newcomer_finds_help_while_typing_in_the_palette_and_after_a_click_on_a_tab(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert footer_keys(app.screen).get("f12") == "Help"  # the picker
        await open_demo_expo(pilot)
        search = app.screen.query_one("#attendee-query", Input)
        assert app.screen.focused is search and footer_keys(app.screen).get("f12") == "Help"
        await type_in(pilot, *"gar", "f12")  # typing in the box: F12 is help all the same
        assert isinstance(app.screen, HelpScreen) and "Close" in footer_keys(app.screen).values()
        await type_in(pilot, "f12")
        assert not isinstance(app.screen, HelpScreen) and search.value == "gar"
        await pilot.press("ctrl+p", *"keys")  # the palette's first "keys" is the app's help, not a key panel
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen) and not app.screen.query("HelpPanel")
        await type_in(pilot, "escape")
        await pilot.click("#--content-tab-tickets")
        await settle(pilot)
        assert app.screen.query_one("TabbedContent").active == "tickets"
        await pilot.click("#--content-tab-attendees")  # the mouse on a tab: the next letters are still typed
        await settle(pilot)
        await type_in(pilot, *"c")
        # Typed into the box (back from help, the next letters start a new search), never dropped nor a command.
        assert app.screen.focused is search and search.value == "c"
        await type_in(pilot, *"arcia")
        await type_in(pilot, "ctrl+n")  # one word: a desk searches by the last name
        form = app.screen
        assert isinstance(form, RegisterFormScreen)
        assert (form.query_one("#field-first_name", Input).value, form.query_one("#field-last_name", Input).value) == (
            "", "carcia")


async def test_help_shows_a_rebound_key_and_a_burst_is_no_command(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_tickets(pilot)
        post_keys(app, ["?", "?"], [1.0, 0.004])  # two keys 4 ms apart: a scanner's, never a command
        await settle(pilot)
        assert not isinstance(app.screen, HelpScreen)
        app.update_keymap({"sync": "ctrl+y"})
        await type_like_a_person(pilot, "?")
        listed = {key.what: key.key for key in app.screen.keys}
        assert listed["Sync now"] == "^y"


async def test_the_card_has_its_palette_commands_help_and_copy(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await type_in(pilot, *"muller", "enter")
        card = app.screen
        titles = [title for title, _, _ in ScreenCommands(card).commands()]
        assert {"Cancel registration", "Add activity", "Close", "Keys and help", "Copy email"} <= set(titles)
        await type_like_a_person(pilot, "#")  # the app's keys work on a modal screen too
        assert app.clipboard == card.record.qr_code
        await type_like_a_person(pilot, "?")
        assert isinstance(app.screen, HelpScreen) and "Cancel registration" in {key.what for key in app.screen.keys}
        await type_like_a_person(pilot, "?")  # closes it again
        assert app.screen is card


# Export ---------------------------------------------------------------------------------------------------


async def test_export_the_search_results_as_csv(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await type_in(pilot, *"garc")
        index = app.gateway.index_if_loaded("demo-expo")
        expected = {match.record.id for match in index.search("garc", limit=10_000)}
        path = await export_now(pilot)
        assert path.parent == tmp_path / "exports" and path.suffix == ".csv"
        rows = rows_of(path)
        assert {row["id"] for row in rows} == expected and len(rows) > 10
        assert all("garc" in (row["last_name"] + row["email"]).casefold() for row in rows[:5])
        assert path.stat().st_mode & 0o777 == 0o600
        assert not path.read_bytes().startswith(b"\xef\xbb\xbf")  # plain UTF-8: no BOM unless asked

        excel = await export_now(pilot, "#format-excel", "for-excel.csv")
        assert excel.suffix == ".csv" and excel.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8's BOM, once
        with excel.open(encoding="utf-8-sig", newline="") as file:
            assert list(csv.DictReader(file)) == rows


async def test_export_dialog_missing_folder_json_and_replacing(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_tickets(pilot)
        await type_like_a_person(pilot, "ctrl+t")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        field = dialog.query_one(Input)
        field.value = str(tmp_path / "no-such-folder" / "tickets.csv")
        await type_like_a_person(pilot, "enter")
        assert app.screen is dialog and field.value.endswith("no-such-folder/tickets.csv")
        assert "There is no folder" in str(dialog.query_one("#export-message").render())
        field.value = str(tmp_path / "tickets.csv")
        dialog.query_one("#format-json").value = True
        await settle(pilot)
        assert field.value == str(tmp_path / "tickets.json")
        await type_like_a_person(pilot, "enter")
        written = json.loads((tmp_path / "tickets.json").read_text())
        pane = app.screen.query_one(TicketsPane)
        assert [row["attendee_type"] for row in written] == [stat.name for stat in pane.stats]
        by_type = {kind.name: kind.checked_in for kind in pane.arrivals.per_type.values()}
        assert {row["attendee_type"]: row["checked_in"] for row in written} == by_type

        target = tmp_path / "tickets.json"  # an earlier export is replaced only when Export is pressed again
        await type_like_a_person(pilot, "ctrl+t")
        await settle(pilot)
        app.screen.query_one("#format-json").value = True
        await settle(pilot)
        app.screen.query_one(Input).value = str(target)
        await type_like_a_person(pilot, "enter")
        assert "an earlier export" in str(app.screen.query_one("#export-message").render())
        assert json.loads(target.read_text()) == written and isinstance(app.screen, ExportDialog)
        await type_like_a_person(pilot, "enter")
        await settle(pilot)
        assert json.loads(target.read_text()) == written and not isinstance(app.screen, ExportDialog)


async def test_nothing_to_export_says_where_it_works(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_like_a_person(pilot, "ctrl+t")
        await settle(pilot)
        assert not isinstance(app.screen, ExportDialog)
        assert any("Nothing to export here" in str(n.message) for n in app._notifications)


# Copy -----------------------------------------------------------------------------------------------------


async def test_copy_the_highlighted_attendees_email_and_qr(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await type_like_a_person(pilot, "@")  # in the search box: typed, not copied
        assert app.screen.query_one("#attendee-query", Input).value == "@" and app.clipboard == ""
        await type_like_a_person(pilot, "backspace")
        results = await search_results(pilot, *"garc")
        record = app.gateway.index_if_loaded("demo-expo").get(results.highlighted_key)
        await type_like_a_person(pilot, "@")
        assert app.clipboard == record.email
        assert any(record.email in str(n.message) and "Copied" in str(n.message) for n in app._notifications)
        await type_like_a_person(pilot, "#")
        assert app.clipboard == record.qr_code


# Arrivals -------------------------------------------------------------------------------------------------


async def test_arrivals_count_the_synced_copy_per_type(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_tickets(pilot)
        records = list(app.gateway.index_if_loaded("demo-expo").records.values())
        active = [r for r in records if not r.cancelled]
        assert pane.arrivals.registered == len(active)
        assert pane.arrivals.checked_in == sum(r.checked_in for r in active) > 0
        table = pane.query_one("#tickets-table", DataTable)
        total = str(table.get_row("total")[3])
        assert f"{pane.arrivals.checked_in}/{len(active):,}" in total
        agreement = str(pane.query_one("#tickets-agreement").render())
        used = sum(stat.used_seats or 0 for stat in pane.stats)
        assert (f"agree: {used:,}" in agreement) == (used == len(active))
        chart = pane.query_one(ArrivalsChart)
        assert sum(chart.times and [1]) and chart.bucket == 15 * 60
        await type_like_a_person(pilot, "+")
        assert chart.bucket == 30 * 60


# Event picker ---------------------------------------------------------------------------------------------


async def test_picker_down_moves_into_the_list_and_up_back(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#events", DataTable)
        box = app.screen.query_one("#event-filter", Input)
        assert box.has_focus
        row = table.cursor_row
        await pilot.press("down")
        assert table.has_focus and table.cursor_row == row  # into the list, on the highlighted event
        await pilot.press("up")
        if row:
            await pilot.press(*["up"] * row)
        assert box.has_focus


async def test_picker_starts_on_todays_event_else_the_next(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, EventPickerScreen)
        table = picker.query_one("#events", DataTable)
        picker.select = None
        picker.refill()
        assert table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value == "demo-expo"  # on today
        picker.events = [event for event in picker.events if event.event_uri != "demo-expo"]
        picker.refill()
        assert table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value == "andean-tech-summit"
        widths = [column.width for column in table.ordered_columns]
        assert widths[0] == len("Andean Tech Summit")  # sized from the rows, not the header


async def test_the_dialog_refuses_paths_it_may_not_write_and_asks_before_replacing_another_file(make_app, tmp_path,
                                                                                                monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    bashrc = tmp_path / ".bashrc"
    bashrc.write_text("original")
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "link.csv").symlink_to(bashrc)
    notes = tmp_path / "notes.csv"
    notes.write_text("mine")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_tickets(pilot)
        await type_like_a_person(pilot, "ctrl+t")
        await settle(pilot)
        dialog = app.screen
        field = dialog.query_one(Input)
        for typed, why in (("~/.bashrc", "hidden files"), ("link.csv", "symbolic link"), ("../x.csv", "“..”"),
                           ("/etc/x.csv", "outside your home"), (str(tmp_path), "is a folder")):
            field.value = typed
            await type_like_a_person(pilot, "enter")
            await type_like_a_person(pilot, "enter")  # a second Export changes nothing either
            assert app.screen is dialog and field.value == typed
            assert why in str(dialog.query_one("#export-message").render()), typed
        assert bashrc.read_text() == "original" and sorted(p.name for p in (tmp_path / "exports").iterdir()) == [
            "link.csv"]

        field.value = str(notes)
        await type_like_a_person(pilot, "enter")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ConfirmScreen) and str(notes) in question.question
        await pilot.click("#no")
        await settle(pilot)
        assert app.screen is dialog and notes.read_text() == "mine"
        await type_like_a_person(pilot, "enter")
        await settle(pilot)
        await pilot.click("#yes")
        await settle(pilot)
        assert not isinstance(app.screen, ExportDialog)
        assert notes.read_text().startswith("attendee_type,") and notes.stat().st_mode & 0o777 == 0o600


async def test_a_screenshot_goes_in_the_export_folder_made_when_missing(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not (tmp_path / "exports").exists()
        written = Path(app.deliver_screenshot())
        assert written.parent == tmp_path / "exports" and written.read_text().startswith("<svg")
        assert written.stat().st_mode & 0o777 == 0o600
