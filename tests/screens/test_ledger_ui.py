"""The ledger at the desk: a scan admits by the rule, the same badge again is ALREADY ADMITTED with the place,
a supervisor's Ctrl+A re-admits (recorded as such, and the card says RE-ADMITTED), F5 shows the ledger by place and Ctrl+T exports it."""

from __future__ import annotations

import json

from eventtia_tui.screens.arrivals_chart import ArrivalsChart
from eventtia_tui.screens.attendee_card import AttendeeCardScreen
from eventtia_tui.screens.roster import RosterScreen
from eventtia_tui.screens.scan_log import ScanLogScreen
from eventtia_tui.screens.tickets import TicketsPane
from eventtia_tui.verdict import Verdict
from tests.screens.pilot import (
    SIZE,
    badges,
    open_demo_expo,
    open_roomy_roster,
    scan_badge,
    settle,
    shows_card_of,
    type_like_a_person,
)


def ledger_rows(app) -> list[tuple[str, ...]]:
    table = app.screen.query_one("#ledger-table")
    return [tuple(str(cell) for cell in table.get_row_at(row)) for row in range(table.row_count)]


async def test_admit_twice_readmit_and_the_ledger_on_f5_by_place_and_exported(make_app, tmp_path):
    app = make_app()
    app.settings.place = "Entrance 2"
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        first, second = [person for person in badges(app) if not person.checked_in and person.paid][:2]
        uri = app.scan_gate.event_screen().uri

        async def scan(person) -> Verdict:
            await scan_badge(pilot, person.qr_code)
            assert shows_card_of(app, person)
            return app.screen.verdict()

        assert (await scan(first)).words == "CONFIRMED"
        assert [(a.attendee, a.place, a.kind) for a in app.ledger.of_event(uri)] == [(first.id, "Entrance 2", "admitted")]
        await type_like_a_person(pilot, "escape")
        again = await scan(first)
        assert again.words.startswith("ALREADY ADMITTED at ") and again.words.endswith(", Entrance 2")
        assert again.problem and app.scan_log[-1].verdict == again
        assert len(app.ledger.of_event(uri)) == 1  # refused: nobody admitted
        await type_like_a_person(pilot, "ctrl+r")  # not this card's key (Ctrl+R fetches again elsewhere)
        assert len(app.ledger.of_event(uri)) == 1 and app.screen.verdict() == again
        await type_like_a_person(pilot, "ctrl+a")  # the supervisor lets them in again
        await type_like_a_person(pilot, "ctrl+a")  # once
        assert [(a.kind, a.by) for a in app.ledger.of_event(uri)] == \
            [("admitted", ""), ("re-admitted", "supervisor at Entrance 2")]
        readmitted = app.screen.verdict()  # the card's new state, in its banner and in the recent scans
        assert readmitted.words.startswith("RE-ADMITTED at ") and readmitted.level == "ok"
        assert readmitted.words in app.screen.query_one("#verdict").render().plain
        assert app.scan_log[-1].verdict == readmitted
        await type_like_a_person(pilot, "escape")

        app.settings.admit_on = "key"  # a supervised desk: only Ctrl+A admits
        assert (await scan(second)).words == "CONFIRMED"
        assert second.id not in app.ledger.firsts(uri)
        await type_like_a_person(pilot, "ctrl+a")
        assert isinstance(app.screen, AttendeeCardScreen) and app.ledger.firsts(uri)[second.id].place == "Entrance 2"
        await type_like_a_person(pilot, "escape")

        app.ledger.admit(event=uri, attendee="999", place="Entrance 1", at=app.clock(), verdict="CONFIRMED",
                         machine="desk-2")  # another process on this machine, at another place
        await type_like_a_person(pilot, "f5")
        await settle(pilot)
        assert isinstance(app.screen, ScanLogScreen)
        assert "Demo Expo" in str(app.screen.query_one("#ledger-title").render())
        rows = ledger_rows(app)
        assert [row[2] for row in rows] == ["Entrance 2"] * 3
        assert rows[-1][1] == first.full_name and rows[0][1] == second.full_name  # newest first, named
        assert "re-admitted (supervisor at Entrance 2)" in rows[1][4]
        await type_like_a_person(pilot, "p")  # every place
        assert sorted(row[2] for row in ledger_rows(app)) == ["Entrance 1"] + ["Entrance 2"] * 3
        await type_like_a_person(pilot, "p")  # the other place
        assert [(row[1], row[2], row[3]) for row in ledger_rows(app)] == [("999", "Entrance 1", "desk-2")]
        await type_like_a_person(pilot, "p", "p")  # back here, then every place again

        await type_like_a_person(pilot, "ctrl+t")
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#format-json").value = True
        await settle(pilot)
        path = dialog.target()
        await type_like_a_person(pilot, "enter")
        await settle(pilot)
        written = json.loads(path.read_text())
        assert [(row["registration_id"], row["place"], row["kind"]) for row in written] == [
            (first.id, "Entrance 2", "admitted"), (first.id, "Entrance 2", "re-admitted"),
            (second.id, "Entrance 2", "admitted"), ("999", "Entrance 1", "admitted")]
        assert {row["event"] for row in written} == {uri} and written[0]["name"] == first.full_name
        assert path.parent == tmp_path / "exports" and "ledger" in path.name

        await type_like_a_person(pilot, "escape", "f4")  # arrivals: the ledger's, Eventtia's check-ins beside
        await settle(pilot)
        pane = app.screen.query_one(TicketsPane)
        chart = pane.query_one(ArrivalsChart)
        assert chart.from_ledger and len(chart.times) == 3 and chart.checked_in == pane.arrivals.checked_in
        assert "admissions per 15 min from the ledger (Eventtia's check-ins: " in str(chart.lines(200)[0])
        line = str(pane.query_one("#tickets-agreement").render())
        assert "Admitted at this event's desks (the ledger): 3 — " in line and "(not synced) 1" in line
        assert "“Checked in” is Eventtia's" in line


async def test_an_activity_door_counts_who_is_inside_and_says_already_inside_and_room_full(make_app, api):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await open_roomy_roster(pilot, api)
        roster = app.screen
        assert isinstance(roster, RosterScreen) and roster.roster
        index = app.gateway.index_if_loaded("demo-expo")
        fine = [index.get(a.id) for a, _ in roster.roster if index.get(a.id) is not None
                and index.get(a.id).status == "confirmed" and index.get(a.id).paid]
        first, second = fine[:2]

        def banner() -> str:
            return roster.query_one("#verdict").render().plain

        await scan_badge(pilot, first.qr_code)
        assert "ON THE LIST" in banner()
        door = app.ledger.firsts("demo-expo", door=roster.door)
        assert list(door) == [first.id] and door[first.id].place == roster.place == roster.workshop.name
        assert app.ledger.firsts("demo-expo") == {}  # a door's admission is not the desk's
        assert "1 inside of" in str(roster.query_one("#roster-status").render())
        await scan_badge(pilot, first.qr_code)
        assert f"ALREADY INSIDE — {first.full_name}" in banner()
        assert len(app.ledger.of_event("demo-expo")) == 1
        roster.workshop = roster.workshop.model_copy(update={"availability": 1})  # the room holds one
        await scan_badge(pilot, second.qr_code)
        assert f"ROOM FULL — {second.full_name}" in banner() and "1 of 1 let in" in banner()
        assert list(app.ledger.firsts("demo-expo", door=roster.door)) == [first.id]

        def status() -> str:
            return str(roster.query_one("#roster-status").render())

        await type_like_a_person(pilot, "f6")  # not a door that counts both ways: F6 does nothing
        assert not roster.scanning_out and "Scanning in" not in status()
        app.settings.door_exits = True  # this door counts both ways
        roster.show_inside()
        assert status().startswith("Scanning in (F6: out) · ")
        await type_like_a_person(pilot, "f6")
        assert roster.scanning_out and status().startswith("SCANNING OUT (F6: in) · ")
        await scan_badge(pilot, first.qr_code)  # out
        assert f"EXIT — {first.full_name}" in banner() and "0 of 1 inside now" in banner()
        assert roster.inside() == {} and " 0 inside of 1" in status()
        await scan_badge(pilot, first.qr_code)  # out again: nothing to record
        assert f"NOT INSIDE — {first.full_name}" in banner()
        await scan_badge(pilot, second.qr_code)  # never let in here
        assert f"NOT INSIDE — {second.full_name}" in banner()
        assert [a.kind for a in app.ledger.of_event("demo-expo")] == ["admitted", "exited"]
        await type_like_a_person(pilot, "f6")  # in: the room has a seat again, the one who left may come back
        await scan_badge(pilot, second.qr_code)
        assert f"ON THE LIST — {second.full_name}" in banner()
        await scan_badge(pilot, first.qr_code)
        assert f"ROOM FULL — {first.full_name}" in banner()
        assert list(roster.inside()) == [second.id] and " 1 inside of 1" in status()
        assert [a.kind for a in app.ledger.of_event("demo-expo")] == ["admitted", "exited", "admitted"]

        app.settings.admit_on = "key"  # a supervised door: a scan on the list waits for Ctrl+A
        roster.workshop = roster.workshop.model_copy(update={"availability": 5})
        await scan_badge(pilot, first.qr_code)
        assert f"ON THE LIST — {first.full_name}" in banner() and list(roster.inside()) == [second.id]
        await type_like_a_person(pilot, "ctrl+a")
        assert set(roster.inside()) == {first.id, second.id} and " 2 inside of 5" in status()
        await type_like_a_person(pilot, "ctrl+a")  # once
        assert len(app.ledger.of_event("demo-expo")) == 4
