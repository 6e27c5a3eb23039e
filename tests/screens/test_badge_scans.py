"""At the desk, a scanned badge opens its own registration, whoever shares its email; every scan is in F5."""

from __future__ import annotations

from eventtia_tui.screens.attendee_card import AttendeeCardScreen
from eventtia_tui.screens.register_form import RegisterFormScreen
from eventtia_tui.screens.roster import RosterScreen
from eventtia_tui.screens.scan_verdict import NotFoundScreen
from tests.badges import code_only_badges, shared_emails
from tests.screens.pilot import SIZE, open_demo_expo, scan_badge, settle

VERDICTS = {"parent": "CONFIRMED", "child": "CONFIRMED", "kept": "CONFIRMED", "dropped": "CANCELLED",
            "old": "CANCELLED", "again": "CONFIRMED", "moved": "CONFIRMED"}


def card_line(card: AttendeeCardScreen) -> str:
    line = card.query_one("#card-named")
    return str(line.render()) if line.display else ""


async def test_each_badge_opens_its_own_registration_with_its_own_verdict(make_app, api, sandbox_app):
    made = await shared_emails(api, sandbox_app)  # before the sync: cancelled ones are not in this copy
    app = make_app()
    rings: list[bool] = []
    app.bell = lambda: rings.append(True)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        for name, printed in made.items():
            rings.clear()
            await scan_badge(pilot, printed.qr)
            card = app.screen
            assert isinstance(card, AttendeeCardScreen), name
            assert card.record.id == printed.id, name
            words = card.verdict().words
            assert words.startswith(VERDICTS[name]) or (VERDICTS[name] == "CONFIRMED" and words == "NOT PAID"), (
                name, words)
            assert app.scan_log[-1].scanned == printed.qr and app.scan_log[-1].verdict == card.verdict(), name
            assert bool(rings) == card.verdict().problem, name
            assert "Matched by email" not in card_line(card), name
            if name == "moved":
                assert "differs from this registration" in card_line(card)
            await pilot.press("escape")
            await settle(pilot)
        assert len(app.scan_log) == len(made)


async def test_a_badge_known_only_by_its_email_says_so_and_lists_every_registration(make_app, api, sandbox_app):
    made = await shared_emails(api, sandbox_app)
    app = make_app()
    rings: list[bool] = []
    app.bell = lambda: rings.append(True)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await scan_badge(pilot, "abcdef|Lucía Ortega|familia.ortega@casa.test|Casa Común|")
        card = app.screen
        assert isinstance(card, AttendeeCardScreen)
        assert "Matched by email, not by badge: 2 registrations with this email" in card_line(card)
        assert card.verdict().words == "MATCHED BY EMAIL ONLY" and rings
        assert app.scan_log[-1].verdict.words == "MATCHED BY EMAIL ONLY"
        first = card.record.id
        assert first in (made["parent"].id, made["child"].id)
        await pilot.press("n")
        await settle(pilot)
        assert card.record.id != first and card.record.id in (made["parent"].id, made["child"].id)
        assert card.verdict().words == "MATCHED BY EMAIL ONLY"  # still not this badge's registration


async def test_a_code_only_badge_is_found_logged_and_a_stranger_rings(make_app, sandbox_app):
    app = make_app()
    rings: list[bool] = []
    app.bell = lambda: rings.append(True)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        attendee_id, code, uuid = code_only_badges(sandbox_app)[0]
        assert code != uuid
        await scan_badge(pilot, code.upper())
        card = app.screen
        assert isinstance(card, AttendeeCardScreen) and card.record.id == attendee_id
        assert app.scan_log[-1].scanned == code and app.scan_log[-1].name == card.record.full_name
        await pilot.press("escape")
        await settle(pilot)
        rings.clear()
        await scan_badge(pilot, "0f0f0f")  # a code nobody here has
        assert isinstance(app.screen, NotFoundScreen)
        assert app.scan_log[-1].scanned == "0f0f0f" and app.scan_log[-1].verdict.words == "NOT FOUND" and rings


async def test_at_the_door_a_family_members_badge_is_not_on_the_list(make_app, api, sandbox_app):
    made = await shared_emails(api, sandbox_app)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await pilot.press("f2")
        await settle(pilot)
        roomy = next(w for w in (await api.get("/events/demo-expo/workshops", params={"page[size]": 100})).json()["data"]
                     if w["attributes"]["availability"] - w["attributes"]["used_seats"] > 5)
        added = await api.post("/events/demo-expo/attendee_workshops",
                               json={"workshop_id": int(roomy["id"]), "attendee_id": int(made["parent"].id)})
        assert added.status_code == 200, added.text
        table = app.screen.query_one("ActivitiesPane").query_one("DataTable")
        table.move_cursor(row=table.get_row_index(roomy["id"]))
        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        roster = app.screen
        assert isinstance(roster, RosterScreen)
        await scan_badge(pilot, made["parent"].qr)
        assert roster.query_one("#verdict").render().plain.count("ON THE LIST — Lucía Ortega") == 1
        await scan_badge(pilot, made["child"].qr)  # her son: same email, his own badge, not on this list
        shown = roster.query_one("#verdict").render().plain
        assert "NOT ON THE LIST — Mateo Ortega" in shown
        assert app.scan_log[-1].verdict.problem and app.scan_log[-1].name == "Mateo Ortega"


async def test_not_found_ctrl_n_starts_a_walk_in_from_the_badge(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await scan_badge(pilot, "0a0b0c|Ana María Ruiz|ana.ruiz@elsewhere.test|Otra Feria - Buyer|+34600111222 ")
        screen = app.screen
        assert isinstance(screen, NotFoundScreen) and screen.verdict.words == "NOT FOUND"
        assert app.scan_log[-1].scanned == "0a0b0c|Ana María Ruiz|ana.ruiz@elsewhere.test|Otra Feria - Buyer|+34600111222"
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RegisterFormScreen)
        assert form.values == {"first_name": "Ana María", "last_name": "Ruiz", "email": "ana.ruiz@elsewhere.test",
                               "company": "Otra Feria", "job_title": "Buyer", "telephone": "+34600111222"}


async def test_offline_an_old_badge_known_here_only_by_its_email_is_never_green(make_app, api, sandbox_app):
    made = await shared_emails(api, sandbox_app)  # Rosa's first registration, cancelled, is not in this copy
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        sandbox_app.state.faults.fail_rate = 1.0  # Eventtia can't be reached to check
        await scan_badge(pilot, made["old"].qr)
        card = app.screen
        assert isinstance(card, AttendeeCardScreen) and card.record.id == made["again"].id
        assert card.verdict().words == "MATCHED BY EMAIL ONLY" and card.verdict().problem
        assert "Matched by email, not by badge: 1 registration with this email" in card_line(card)
        assert app.scan_log[-1].verdict.words == "MATCHED BY EMAIL ONLY"
        sandbox_app.state.faults.fail_rate = 0.0
