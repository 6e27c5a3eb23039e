"""The ledger at the desk: a scan admits by the rule, the same badge again is ALREADY ADMITTED with the place,
a supervisor's Ctrl+R re-admits (recorded as such), F5 shows the ledger by place and Ctrl+T exports it."""

from __future__ import annotations

import json

from eventtia_tui.screens.attendee_card import AttendeeCardScreen
from eventtia_tui.screens.scan_log import ScanLogScreen
from eventtia_tui.verdict import Verdict
from tests.screens.pilot import SIZE, badges, open_demo_expo, scan_badge, settle, shows_card_of, type_like_a_person


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
        await type_like_a_person(pilot, "ctrl+r")  # the supervisor lets them in again
        await type_like_a_person(pilot, "ctrl+r")  # once
        assert [(a.kind, a.by) for a in app.ledger.of_event(uri)] == \
            [("admitted", ""), ("re-admitted", "supervisor at Entrance 2")]
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
