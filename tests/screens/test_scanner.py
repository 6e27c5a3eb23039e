"""The desk with a keyboard-wedge scanner: badge text 2–5 ms a key then Enter, on every screen of an event.

What is asserted each time: the scanned person's card (or NOT FOUND) shows with its verdict, and the
sandbox — Eventtia — received no write.
"""

from __future__ import annotations

from datetime import datetime

import hypothesis.strategies as st
from hypothesis import given, settings
from textual import events
from textual.widgets import Input

from eventtia_tui.scanner import KEY_ISOLATION, clumps, scan_length
from eventtia_tui.screens.activity_picker import ActivityPickerScreen
from eventtia_tui.screens.attendee_card import AttendeeCardScreen
from eventtia_tui.screens.confirm import ConfirmScreen
from eventtia_tui.screens.event_picker import EventPickerScreen
from eventtia_tui.screens.event_screen import EventScreen
from eventtia_tui.screens.register_form import RegisterFormScreen
from eventtia_tui.screens.roster import RosterScreen
from eventtia_tui.screens.scan_log import ScanLogScreen
from eventtia_tui.screens.scan_verdict import NotFoundScreen
from eventtia_tui.store.records import AttendeeRecord
from eventtia_tui.verdict import verdict_for
from tests.screens.pilot import (
    EXPO,
    SIZE,
    badges,
    eventtia_state,
    open_demo_expo,
    open_roomy_roster,
    post_keys,
    scan_badge,
    settle,
    shows_card_of,
    type_like_a_person,
)


async def test_five_scans_in_a_row_each_open_their_own_card_and_write_nothing(make_app, api):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        before = await eventtia_state(api)
        people = badges(app)[:5]
        assert {p.qr_code[0] for p in people} & set("acd")
        for seed, person in enumerate(people):
            await scan_badge(pilot, person.qr_code, seed=seed)
            assert shows_card_of(app, person), person.qr_code
            assert sum(isinstance(s, AttendeeCardScreen) for s in app.screen_stack) == 1  # each scan replaced the last
            assert app.screen.query_one("#verdict").display
        assert await eventtia_state(api) == before
        assert [entry.scanned for entry in app.scan_log] == [p.qr_code for p in people]


async def test_an_unknown_badge_then_a_valid_one(make_app, api):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await scan_badge(pilot, "ffffff|Nobody Here|nobody@nowhere.test|Nowhere - None|")
        assert isinstance(app.screen, NotFoundScreen)
        assert app.screen.verdict.words == "NOT FOUND" and "Eventtia" in app.screen.verdict.detail
        assert app.scan_log[-1].verdict.problem
        person = badges(app)[0]
        await scan_badge(pilot, person.qr_code)
        assert shows_card_of(app, person)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#attendee-query", Input).value == ""  # nothing left for a scan to append to


async def test_a_scan_on_the_results_list_is_not_its_keys(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await pilot.press(*"garcia")
        await settle(pilot)
        await pilot.press("down")  # into the results, where N opens the walk-in form
        await settle(pilot)
        person = next(p for p in badges(app, "abcdef0123456789") if "n" in p.qr_code)
        await scan_badge(pilot, person.qr_code)
        assert shows_card_of(app, person)
        assert not any(isinstance(s, RegisterFormScreen) for s in app.screen_stack)


async def test_a_scan_never_answers_a_confirmation(make_app, api):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        first, *others = badges(app)
        await scan_badge(pilot, first.qr_code)
        before = await eventtia_state(api)
        await type_like_a_person(pilot, "c")
        assert isinstance(app.screen, ConfirmScreen)
        with_y = next(p for p in others if "y" in p.qr_code.lower())
        await scan_badge(pilot, with_y.qr_code)
        assert shows_card_of(app, with_y)
        assert await eventtia_state(api) == before


async def test_a_burst_without_enter_is_never_commands(make_app, api):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        person = badges(app)[0]
        await scan_badge(pilot, person.qr_code)
        before = await eventtia_state(api)
        post_keys(app, ["c", "y"], [1.0, 0.02])  # a laggy link delivers two keys together
        await settle(pilot)
        assert shows_card_of(app, person)  # no confirmation opened, nothing cancelled
        assert await eventtia_state(api) == before


async def test_kiosk_scans_replace_the_card(make_app):
    app = make_app(kiosk=True, event_uri="demo-expo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first, second = badges(app)[:2]
        await scan_badge(pilot, first.qr_code)
        assert shows_card_of(app, first)
        await scan_badge(pilot, second.qr_code)
        assert shows_card_of(app, second)


async def test_the_verdict_says_cancelled_and_rings(make_app, api):
    app = make_app()
    rings = []
    app.bell = lambda: rings.append(True)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        person = badges(app)[0]
        await api.delete(f"{EXPO}/attendees/{person.id}")  # cancelled at another desk
        await scan_badge(pilot, person.qr_code)
        card = app.screen
        assert isinstance(card, AttendeeCardScreen)
        await settle(pilot)
        if card.record.cancelled:  # this machine already knows: the card says so at once
            assert card.verdict().words == "CANCELLED" and rings
        confirmed = badges(app)[1]
        rings.clear()
        await scan_badge(pilot, confirmed.qr_code)
        assert app.screen.verdict().level == "ok" and not rings


async def test_roster_door_mode(make_app, api):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await open_roomy_roster(pilot, api)
        roster = app.screen
        assert isinstance(roster, RosterScreen) and roster.roster
        before = await eventtia_state(api)
        index = app.gateway.index_if_loaded("demo-expo")
        on_it = index.get(roster.roster[0][0].id)
        await scan_badge(pilot, on_it.qr_code)
        assert app.screen is roster
        assert roster.query_one("#verdict").render().plain.count("ON THE LIST") == 1
        assert "NOT ON" not in roster.query_one("#verdict").render().plain
        listed = {a.id for a, _ in roster.roster}
        outsider = next(r for r in index.records.values() if r.status == "confirmed" and r.id not in listed)
        await scan_badge(pilot, outsider.qr_code)
        shown = roster.query_one("#verdict").render().plain
        assert "NOT ON THE LIST" in shown and "seats left" in shown and "Ctrl+A" in shown
        assert await eventtia_state(api) == before  # a scan alone changes nothing
        await pilot.press("ctrl+a")
        await settle(pilot)
        assert outsider.id in {a.id for a, _ in roster.roster}
        roster.query_one("#roster-table").focus()
        await pilot.press("enter")  # Enter on a row: the card
        await settle(pilot)
        assert isinstance(app.screen, AttendeeCardScreen)


async def test_burst_typing_keeps_tab_and_enter_in_order(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RegisterFormScreen)
        post_keys(app, ["A", "a", "tab", "B", "b"], [1.0, 0.004, 0.004, 0.004, 0.004])
        await settle(pilot)
        assert form.query_one("#field-first_name", Input).value == "Aa"
        assert form.query_one("#field-last_name", Input).value == "Bb"
        form.query_one("#field-first_name", Input).focus()
        await pilot.pause()
        post_keys(app, ["end", "C", "enter", "D"], [1.0, 0.004, 0.004, 0.004])
        await settle(pilot)
        assert form.query_one("#field-first_name", Input).value == "AaC"
        assert form.query_one("#field-last_name", Input).value.startswith("D")


async def test_escape_on_a_half_filled_form_asks_first(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen
        await type_like_a_person(pilot, "Z", "o", "e")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # keep it
        await settle(pilot)
        assert app.screen is form and form.query_one("#field-first_name", Input).value == "Zoe"


async def test_a_scan_keeps_a_half_filled_form_underneath(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen
        await type_like_a_person(pilot, "Z", "o", "e")
        person = badges(app)[0]
        await scan_badge(pilot, person.qr_code)
        assert shows_card_of(app, person)
        assert form in app.screen_stack
        assert form.query_one("#field-first_name", Input).value == "Zoe"  # the burst did not land in it


async def test_escape_from_an_event_opened_by_flag_shows_the_picker(make_app):
    app = make_app(event_uri="demo-expo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, EventScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, EventPickerScreen)


async def test_escape_twice_from_a_card_stays_in_the_event(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await scan_badge(pilot, badges(app)[0].qr_code)
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, EventScreen)


async def test_yes_then_escape_on_a_card_does_not_crash(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await scan_badge(pilot, badges(app)[0].qr_code)
        await type_like_a_person(pilot, "c", "y")
        post_keys(app, ["x", "escape"], [0.2, 0.2])
        await settle(pilot)
        assert isinstance(app.screen, EventScreen)


async def test_recent_scans_list(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await scan_badge(pilot, badges(app)[0].qr_code)
        await scan_badge(pilot, "ffffff|Nobody Here|nobody@nowhere.test|Nowhere - None|")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ScanLogScreen)
        table = app.screen.query_one("DataTable")
        assert table.row_count == 2
        assert "NOT FOUND" in str(table.get_row_at(0)[1])


def scan_a_stranger_then(*keys: str):
    """A run_before: scan a badge nobody has, then press `keys` (each handled before the next)."""

    async def run_before(pilot):
        await open_demo_expo(pilot)
        await scan_badge(pilot, "ffffff|Nobody Here|nobody@nowhere.test|Nowhere - None|")
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


def test_verdict_snapshot(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=scan_a_stranger_then())


def test_scan_log_snapshot(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=scan_a_stranger_then("escape", "f5"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.002, 0.005), min_size=5, max_size=80),
       st.lists(st.one_of(st.floats(0.05, 0.3), st.floats(0.4, 0.6)), max_size=12),
       st.one_of(st.floats(0.05, 0.3), st.floats(0.4, 2.0)))  # clear of KEY_ISOLATION (0.35 s) either side
def test_scanner_bursts_and_people_are_told_apart(scanner_gaps, person_gaps, pause):
    """A scanner's burst is a scan however a person typed before it; a person's keys never are. A person's last
    key counts with the scan only when it could be the scan's first key sent alone by a slow link: alone since
    KEY_ISOLATION before it, and the burst within KEY_ISOLATION after it."""
    times, at = [], 0.0
    for gap in person_gaps:
        at += gap
        times.append(at)
    person_only = list(times)
    at += pause
    for gap in [0.0, *scanner_gaps]:
        at += gap
        times.append(at)
    lone_first = bool(person_gaps) and pause <= KEY_ISOLATION and (len(person_gaps) == 1 or person_gaps[-1] > KEY_ISOLATION)
    assert scan_length(times) == len(scanner_gaps) + 1 + lone_first
    assert scan_length(times, times[-1] + 0.004) == len(scanner_gaps) + 1 + lone_first
    assert scan_length(person_only) == 0
    assert sum(clumps(times)) == len(times)


def test_verdicts_for_each_state(make_app):
    def record(**changes):
        base = dict(id="1", uuid="u", first_name="A", last_name="B", email="a@b.test", company="", job_title="",
                    telephone="", type_id="t", status="confirmed", checked_in=False, paid=True, qr_code="x|A B|a@b.test||",
                    updated_at="")
        return AttendeeRecord(**(base | changes))

    assert verdict_for(record()).words == "CONFIRMED"
    assert verdict_for(record(status="cancelled")).problem
    for status in ("cancel held: Ctrl+Z keeps", "cancelling…", "cancel queued (offline)"):  # here, not on Eventtia yet
        assert verdict_for(record(status=status)).words == "BEING CANCELLED" and verdict_for(record(status=status)).problem
    assert verdict_for(record(status="cancelled")).words == "CANCELLED"
    assert verdict_for(record(status="rejected")).words == "REJECTED"
    assert verdict_for(record(paid=False), price=80.0).words == "NOT PAID"
    assert verdict_for(record(paid=False), price=0.0).words == "CONFIRMED"  # a free ticket is never unpaid
    assert verdict_for(record(checked_in=True)).words.startswith("ALREADY CHECKED IN")


PLACES = ["search", "results", "card", "confirm", "roster", "form", "half-filled form", "activities", "agenda",
          "tickets", "recent scans", "outbox"]
SCANNER_TEXT = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), min_size=6, max_size=60)


async def go_to(pilot, place: str, event_screen: EventScreen, known) -> None:
    """From the event screen, open `place` the way a person would."""
    app = pilot.app
    steps = {
        "search": [], "results": [["a"], ["down"]], "form": [["ctrl+n"]], "activities": [["f2"]],
        "agenda": [["f3"]], "tickets": [["f4"]], "recent scans": [["f5"]], "outbox": [["ctrl+o"]],
        "roster": [["f2"], ["enter"]], "half-filled form": [["ctrl+n"], ["Z"], ["o"], ["e"]],
    }
    if place in ("card", "confirm"):
        await scan_badge(pilot, known.qr_code)
        if place == "confirm":
            await type_like_a_person(pilot, "c")
        return
    for keys in steps[place]:
        await type_like_a_person(pilot, *keys)
        await settle(pilot)
    if place == "roster":
        assert isinstance(app.screen, RosterScreen)


async def test_any_scan_on_any_screen_shows_the_person_and_writes_nothing(make_app, api):
    """Hypothesis draws (screen, badge) pairs: a real attendee's badge, a badge-shaped stranger, or any text a
    scanner can type; each is scanned into that screen. Nothing crashes, Eventtia receives no write, and a
    real badge shows that person's card (on a roster: the door verdict)."""
    examples: list[tuple[str, tuple[str, object]]] = []

    @settings(max_examples=24, database=None, deadline=None, derandomize=True)
    @given(st.sampled_from(PLACES), st.one_of(st.integers(0, 10**6).map(lambda i: ("known", i)),
                                              st.from_regex(r"[0-9a-f]{6}\|[A-Za-z ]{3,20}\|[a-z.]{3,12}@[a-z]{3,8}\.test\|[A-Za-z ]{0,12}\|", fullmatch=True).map(lambda t: ("stranger", t)),
                                              SCANNER_TEXT.map(lambda t: ("text", t))))
    def collect(place, badge):
        examples.append((place, badge))

    collect()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        event_screen = app.screen
        people = badges(app, "0123456789abcdef")
        before = await eventtia_state(api)
        for place, (kind, value) in examples:
            while app.screen is not event_screen:
                app.pop_screen()
                await settle(pilot)
            event_screen.action_show_tab("attendees")
            await settle(pilot)
            await go_to(pilot, place, event_screen, people[0])
            text = people[value % len(people)].qr_code if kind == "known" else value
            await scan_badge(pilot, text)
            where = f"{kind} {text!r} scanned on {place}"
            if isinstance(app.screen, RosterScreen):
                assert app.screen.query_one("#verdict").display, where
            elif kind == "known":
                assert shows_card_of(app, people[value % len(people)]), where
            elif kind == "stranger":
                assert isinstance(app.screen, NotFoundScreen), where
            if place == "half-filled form" and kind != "text":
                form = next(s for s in app.screen_stack if isinstance(s, RegisterFormScreen))
                assert form.query_one("#field-first_name", Input).value == "Zoe", where
        assert await eventtia_state(api) == before


async def test_an_email_typed_fast_into_the_form_stays_typed(make_app):
    """A laggy link delivers a person's typing in lumps too: in a form, an existing attendee's email typed that
    way stays typed (only a badge, or keys as fast as only a scanner types, is a scan there)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        known = badges(app)[0]
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen
        form.query_one("#field-email", Input).focus()
        await pilot.pause()
        # a person's keys, lumped by the link three at a time: 4 ms apart inside a lump, 150 ms between lumps
        keys = [*known.email, "enter"]
        post_keys(app, keys, [1.0] + [0.15 if i % 3 == 0 else 0.004 for i in range(1, len(keys))])
        await settle(pilot)
        assert app.screen is form
        assert form.query_one("#field-email", Input).value == known.email


async def test_booking_an_overlapping_activity_asks_first(make_app, api):
    workshops = (await api.get(f"{EXPO}/workshops", params={"page[size]": 100})).json()["data"]

    def when(w):
        return (datetime.fromisoformat(w["attributes"]["start_date"]), datetime.fromisoformat(w["attributes"]["end_date"]))

    open_ones = [w for w in workshops if w["attributes"]["availability"] - w["attributes"]["used_seats"] > 0]
    first, second = next((a, b) for a in open_ones for b in open_ones
                         if a["id"] < b["id"] and when(a)[0] < when(b)[1] and when(b)[0] < when(a)[1])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        for person in badges(app, "0123456789abcdef"):
            if not (await api.get(f"{EXPO}/attendees/{person.id}/workshops")).json()["data"]:
                break
        await scan_badge(pilot, person.qr_code)
        card = app.screen

        async def pick(workshop_id: str) -> None:
            await type_like_a_person(pilot, "a")
            await settle(pilot)
            assert isinstance(app.screen, ActivityPickerScreen)
            table = app.screen.query_one("#picker-activities")
            table.move_cursor(row=table.get_row_index(workshop_id))
            await pilot.press("enter")
            await settle(pilot)

        await pick(first["id"])
        assert [w.id for w in card.activities] == [first["id"]]
        await pick(second["id"])
        assert isinstance(app.screen, ConfirmScreen) and "overlaps" in app.screen.question
        await pilot.press("escape")  # no: nothing is booked
        await settle(pilot)
        server = (await api.get(f"{EXPO}/attendees/{person.id}/workshops")).json()["data"]
        assert [w["id"] for w in server] == [first["id"]]


async def test_a_paste_with_control_characters_is_shown_harmless(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        app.post_message(events.Paste("Eve\x1b]0;PWNED\x07 \x9b2J"))
        await settle(pilot)
        typed = app.screen.query_one("#attendee-query", Input).value
        assert typed.startswith("Eve") and not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in typed)


async def test_two_scans_10_ms_apart_show_the_second_without_crashing(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        first, second = badges(app)[:2]
        keys = [*first.qr_code, "enter", *second.qr_code, "enter"]
        gaps = [1.0] + [0.003] * len(first.qr_code) + [0.01] + [0.003] * len(second.qr_code)
        post_keys(app, keys, gaps)
        await settle(pilot)
        assert shows_card_of(app, second)
        assert [entry.scanned for entry in app.scan_log][-1] == second.qr_code


async def test_a_code_only_badge_in_a_form_never_submits_it(make_app, api):
    """A badge holding only a code (no '|'), scanned into a form's last field: a NOT FOUND verdict, the field
    as it was, nothing registered."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        before = await eventtia_state(api)
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen
        fields = list(form.query("#register-fields Input"))
        for field, value in zip(fields, ["Zoe", "Paz", "zoe.paz@walkin.test"]):
            field.value = value
        fields[-1].focus()
        await pilot.pause()
        await scan_badge(pilot, "cdynay12")
        assert isinstance(app.screen, NotFoundScreen)
        assert form in app.screen_stack and fields[-1].value in ("", "Zoe", "Paz", "zoe.paz@walkin.test")
        assert await eventtia_state(api) == before


async def test_a_late_answer_for_an_older_scan_does_not_cover_the_newer_one(make_app, sandbox_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        person = badges(app)[0]
        search = app.screen.query_one("AttendeeSearch")
        search.scan("ffffff|Nobody Here|nobody@nowhere.test|Nowhere - None|")  # asks Eventtia…
        search.scan(person.qr_code)  # …and the next badge comes before the answer
        await settle(pilot)
        assert shows_card_of(app, person)
        assert not any(isinstance(s, NotFoundScreen) for s in app.screen_stack)


async def test_offline_an_unknown_badge_still_gets_a_verdict(make_app, sandbox_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        sandbox_app.state.faults.fail_rate = 1.0
        await scan_badge(pilot, "ffffff|Nobody Here|nobody@nowhere.test|Nowhere - None|")
        assert isinstance(app.screen, NotFoundScreen) and "can't be reached" in app.screen.verdict.detail
        assert app.scan_log[-1].verdict.problem


async def test_a_scan_on_the_event_picker_says_to_open_an_event(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, EventPickerScreen)
        await scan_badge(pilot, badges(app)[0].qr_code if app.gateway.index_if_loaded("demo-expo") else
                         "ffffff|Nobody Here|nobody@nowhere.test|Nowhere - None|")
        assert app.screen.query_one(Input).value == ""  # the filter did not take the badge
        assert isinstance(app.screen, EventPickerScreen)
