"""One verdict for a person: the card's banner, the search row, the roster row and door verdict, the recent
scans (F5) and the export all say what `verdict_for` says — and a card never shows a green word before its
verdict is final (CHECKING… while the type's price is fetched)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from eventtia_tui.gateway import reconcile
from eventtia_tui.screens.attendee_card import AttendeeCardScreen
from eventtia_tui.screens.attendee_search import AttendeeSearch
from eventtia_tui.screens.confirm import ConfirmScreen
from eventtia_tui.screens.event_screen import EventScreen
from eventtia_tui.screens.exporting import search_table, shown_roster
from eventtia_tui.screens.verdict_banner import VerdictBanner
from eventtia_tui.store.ledger import Admission
from eventtia_tui.store.records import AttendeeRecord
from eventtia_tui.verdict import FETCHING, LEVELS, UNAVAILABLE, PersonFacts, Unknown, Verdict, verdict_for
from tests.screens.pilot import (
    SIZE,
    door_with_a_listed_person,
    open_demo_expo,
    post_keys,
    scan_badge,
    settle,
    type_like_a_person,
)

EXPO = "demo-expo"
WINDOW = 60.0  # longer than any test: a held cancellation stays held


class Banners:
    """Every verdict any VerdictBanner was given, in order (the states the desk could have seen)."""

    def __init__(self, monkeypatch) -> None:
        self.shown: list[tuple[str, Verdict | None]] = []
        show = VerdictBanner.show

        def recording(banner: VerdictBanner, verdict: Verdict | None) -> None:
            self.shown.append((type(banner.screen).__name__, verdict))
            show(banner, verdict)

        monkeypatch.setattr(VerdictBanner, "show", recording)

    def on_cards(self) -> list[Verdict]:
        return [verdict for screen, verdict in self.shown if screen == "AttendeeCardScreen" and verdict is not None]


def search_of(app) -> AttendeeSearch:
    return app.scan_gate.event_screen().query_one(AttendeeSearch)


async def type_prices(api) -> dict[str, float | None]:
    types = (await api.get(f"/events/{EXPO}/attendee_types")).json()["data"]
    return {t["id"]: t["attributes"]["price"] for t in types}


def unpaid_of_a_priced_type(app, prices) -> AttendeeRecord:
    index = app.gateway.index_if_loaded(EXPO)
    return next(r for r in index.records.values() if r.status == "confirmed" and not r.paid and not r.checked_in
                and prices.get(r.type_id) and r.qr_code)


def banner_text(screen) -> str:
    return str(screen.query_one(VerdictBanner).render())


async def test_a_not_paid_badge_never_shows_confirmed_not_even_while_the_price_is_fetched(make_app, api, monkeypatch):
    banners = Banners(monkeypatch)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        person = unpaid_of_a_priced_type(app, await type_prices(api))

        # The search has the types' prices: the card opens with its final verdict.
        await scan_badge(pilot, person.qr_code)
        assert isinstance(app.screen, AttendeeCardScreen) and app.screen.record.id == person.id
        assert [v.words for v in banners.on_cards()] and {v.words for v in banners.on_cards()} == {"NOT PAID"}
        assert app.scan_log[-1].verdict.words == "NOT PAID" and app.scan_log[-1].verdict.problem
        await type_like_a_person(pilot, "escape")
        await settle(pilot)

        # The types not fetched yet (the first minutes of an event): CHECKING…, then NOT PAID; F5 keeps the last.
        banners.shown.clear()
        search_of(app).prices = FETCHING
        await scan_badge(pilot, person.qr_code, seed=1)
        card = app.screen
        assert isinstance(card, AttendeeCardScreen) and card.record.id == person.id
        words = [v.words for v in banners.on_cards()]
        assert words[0] == "CHECKING…" and words[-1] == "NOT PAID", words
        assert "CONFIRMED" not in words and all(v.level != "ok" for v in banners.on_cards())
        assert "NOT PAID" in banner_text(card) and card.query_one(VerdictBanner).has_class("verdict-problem")
        assert not card.query_one(VerdictBanner).has_class("verdict-ok")
        assert [e.verdict.words for e in app.scan_log] == ["NOT PAID", "NOT PAID"]


async def hold_a_cancel(pilot, record: AttendeeRecord) -> AttendeeCardScreen:
    """Open the card, C, yes: the cancellation waits out its undo window (no `settle`: it would wait it out)."""
    app = pilot.app
    search_of(app).open_record(record)
    for _ in range(100):
        await pilot.pause()
        if isinstance(app.screen, AttendeeCardScreen):
            break
    card = app.screen
    await type_like_a_person(pilot, "c")
    assert isinstance(app.screen, ConfirmScreen)
    await type_like_a_person(pilot, "y")
    for _ in range(200):
        if app.runner.held:
            break
        await pilot.pause()
    assert app.runner.held, "nothing was held"
    for _ in range(5):
        await pilot.pause()
    return card


async def test_a_held_cancel_says_being_cancelled_on_the_roster_row_and_at_the_door(make_app, api):
    app = make_app(undo_window=WINDOW)
    async with app.run_test(size=SIZE) as pilot:
        roster, listed = await door_with_a_listed_person(pilot, api)
        table = roster.query_one("DataTable")

        def row_verdict() -> str:
            return str(table.get_row(listed.id)[1])

        assert "CONFIRMED" in row_verdict()
        card = await hold_a_cancel(pilot, listed)
        assert "BEING CANCELLED" in banner_text(card)
        await type_like_a_person(pilot, "escape")
        for _ in range(10):
            await pilot.pause()
        assert app.screen is roster
        assert "BEING CANCELLED" in row_verdict() and "CONFIRMED" not in row_verdict()
        # The header says so too (it used to count the outbox's queued writes only: a held one was "nothing").
        event_screen = next(s for s in app.screen_stack if isinstance(s, EventScreen))
        event_screen.refresh_header()
        header = str(event_screen.query_one("#event-header").render())
        assert "⇡ 1 change waiting to send (1 in the undo window)" in header

        exported = shown_roster(roster, "Demo Expo")
        row = next(r for r in exported.rows if r[0] == listed.id)
        assert row[exported.columns.index("verdict")] == "BEING CANCELLED"

        post_scan = len(app.scan_log)
        post_keys(app, [*listed.qr_code, "enter"], [1.0] + [0.003] * len(listed.qr_code))
        for _ in range(30):
            await pilot.pause()
            if len(app.scan_log) > post_scan:
                break
        door = roster.query_one(VerdictBanner)
        assert "BEING CANCELLED" in banner_text(roster) and "do not admit" in banner_text(roster)
        assert door.has_class("verdict-problem") and app.scan_log[-1].verdict.problem
        assert app.scan_log[-1].verdict.words.startswith("BEING CANCELLED")
        assert roster.scanned_outside is None  # nothing to add: Ctrl+A is not offered

        await pilot.press("ctrl+z")  # keep the registration: nothing reaches Eventtia
        for _ in range(20):
            await pilot.pause()
        assert not app.runner.held
        assert "CONFIRMED" in row_verdict()


KINDS = ("confirmed", "cancelled", "rejected", "not paid", "checked in", "being cancelled")


def one_of_each_kind(app, prices) -> dict[str, AttendeeRecord]:
    index = app.gateway.index_if_loaded(EXPO)
    found: dict[str, AttendeeRecord] = {}
    for record in sorted(index.records.values(), key=lambda r: r.id):
        if not record.qr_code:
            continue
        priced = bool(prices.get(record.type_id))
        kind = ("rejected" if record.status == "rejected" else "cancelled" if record.cancelled
                else "not paid" if priced and not record.paid
                else "checked in" if record.checked_in and record.paid
                else "confirmed" if record.status == "confirmed" and record.paid else None)
        if kind is not None:
            found.setdefault(kind, record)
    spare = (r for r in sorted(index.records.values(), key=lambda r: r.id, reverse=True)
             if r.status == "confirmed" and r.paid and not r.checked_in and r.qr_code)
    # The first sync pulls the default listing only: a cancellation or rejection reaches the copy in a later
    # sync's changes, as written here.
    for status in ("cancelled", "rejected"):
        if status not in found:
            found[status] = replace(next(spare), status=status)
            app.gateway.put_attendee(EXPO, found[status])
    found["being cancelled"] = next(spare)
    return found


async def test_search_row_card_f5_and_export_agree_for_each_status(make_app, api):
    app = make_app(undo_window=WINDOW)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        people = one_of_each_kind(app, await type_prices(api))
        assert set(people) == set(KINDS)
        await hold_a_cancel(pilot, people["being cancelled"])
        await type_like_a_person(pilot, "escape")
        expected = {"confirmed": "CONFIRMED", "cancelled": "CANCELLED", "rejected": "REJECTED",
                    "not paid": "NOT PAID", "checked in": "ALREADY CHECKED IN", "being cancelled": "BEING CANCELLED"}
        search = search_of(app)

        def row_and_export(person) -> tuple[Verdict, tuple[str, str]]:
            search.run_query(person.email)
            row = dict(search.shown)[person.id]
            cells = search.query_one("ResultsList").cells[[key for key, _ in search.shown].index(person.id)]
            cell = str(cells[1]).split(" ", 1)[1]  # after the symbol; a long place is cut with "…"
            assert row.words == cell or (cell.endswith("…") and row.words.startswith(cell[:-1])), cell
            table = search_table(search, person.email, "Demo Expo", app.scan_gate.event_screen().tz, search.facts())
            exported = next(r for r in table.rows if r[0] == person.id)
            return row, (exported[table.columns.index("verdict")], exported[table.columns.index("verdict_level")])

        async def scan(person) -> Verdict:
            """The card a scan opens: its verdict, once final; the F5 entry says the same."""
            scans = len(app.scan_log)
            post_keys(app, [*person.qr_code, "enter"], [1.0] + [0.003] * len(person.qr_code))
            for _ in range(200):
                await pilot.pause()
                if len(app.scan_log) > scans and isinstance(app.screen, AttendeeCardScreen) \
                        and app.screen.record.id == person.id and app.scan_log[-1].verdict.final:
                    break
            card = app.screen
            assert isinstance(card, AttendeeCardScreen) and card.record.id == person.id
            on_card = card.verdict()
            assert on_card.words in banner_text(card) and card.query_one(VerdictBanner).has_class(f"verdict-{on_card.level}")
            logged = app.scan_log[-1].verdict
            assert (logged.words, logged.level) == (on_card.words, on_card.level)
            await type_like_a_person(pilot, "escape")
            for _ in range(5):
                await pilot.pause()
            return on_card

        for kind, person in people.items():
            row, exported = row_and_export(person)
            on_card = await scan(person)
            assert on_card.words.startswith(expected[kind]), (kind, on_card)
            assert (row.words, row.level) == exported == (on_card.words, on_card.level), kind

        # This desk let the confirmed one in (the ledger says so): the same badge again is ALREADY ADMITTED, with
        # the place, everywhere, never CONFIRMED; the ledger holds that one admission, the others none.
        again = people["confirmed"]
        admissions = app.ledger.of_event(app.scan_gate.event_screen().uri)
        assert [(a.attendee, a.badge, a.place, a.kind) for a in admissions] == \
            [(again.id, again.qr_code, app.settings.admission_place, "admitted")]
        row, exported = row_and_export(again)
        assert row.words.startswith("ALREADY ADMITTED at ") and row.words.endswith(f", {app.settings.admission_place}")
        assert row.level == "problem"
        on_card = await scan(again)
        assert (row.words, row.level) == exported == (on_card.words, on_card.level)
        assert len(app.ledger.of_event(app.scan_gate.event_screen().uri)) == 1  # a refused scan admits nobody
        search.run_query("")
        await pilot.press("ctrl+z")
        for _ in range(20):
            await pilot.pause()
        assert not app.runner.held


# The function itself: total over any record, and a problem beats a warning beats ok ---------------------

STATUSES = st.one_of(st.sampled_from(["confirmed", "cancelled", "rejected", "archived", "pending", "registering…",
                                      "cancelling…", "cancel held: Ctrl+Z keeps", "cancel queued (offline)",
                                      "queued (offline)", "", "CONFIRMED", "Cancelled"]), st.text(max_size=20))
PRICES = st.one_of(st.none(), st.just(FETCHING), st.just(UNAVAILABLE),
                   st.floats(min_value=0, max_value=10_000, allow_nan=False))
CHECK_IN_TIMES = st.one_of(st.just(""), st.text(max_size=30),
                           st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                                        timezones=st.just(UTC)).map(lambda d: d.isoformat()),
                           st.datetimes().map(lambda d: d.isoformat()))
ZONES = st.sampled_from([None, ZoneInfo("America/Bogota"), ZoneInfo("Asia/Kolkata"), UTC])


@st.composite
def records(draw) -> AttendeeRecord:
    return AttendeeRecord(id=draw(st.text(max_size=8)), uuid="u", first_name=draw(st.text(max_size=10)), last_name="",
                          email="", company="", job_title="", telephone="", type_id="t", status=draw(STATUSES),
                          checked_in=draw(st.booleans()), paid=draw(st.booleans()), qr_code="", updated_at="",
                          checked_in_at=draw(CHECK_IN_TIMES))


ADMITTED_AT_ENTRANCE_2 = Admission("a1", "demo-expo", "qr", "1", "Entrance 2", "desk-1", 1_800_000_000.0, "CONFIRMED")


def problem_facts(record: AttendeeRecord, price) -> bool:
    """A fact that alone means do not admit."""
    unpaid = not record.paid and isinstance(price, float) and price > 0
    return record.cancelled or record.status.casefold() == "rejected" or unpaid


@settings(max_examples=400, deadline=None, database=None)
@given(records(), PRICES, ZONES)
def test_the_verdict_is_total_and_a_problem_beats_a_warning_beats_ok(record, price, tz):
    verdict = verdict_for(record, price=price, tz=tz)
    assert verdict.level in LEVELS and verdict.words.strip() and "\n" not in verdict.words
    if problem_facts(record, price):
        assert verdict.problem  # whatever else holds (checked in, an odd status): a problem wins
    if verdict.level == "ok":
        assert verdict.words == "CONFIRMED" and not problem_facts(record, price) and not record.checked_in
        assert record.paid or price in (None, 0.0)  # never green while a price is fetched or unknown
    if not verdict.problem and record.checked_in:
        assert verdict.level in ("warning", "checking")  # a warning beats ok
    if not record.paid and price is FETCHING and not verdict.problem:
        assert verdict.words == "CHECKING…" and not verdict.final
    # adding a problem never lowers the level; adding a warning never turns a problem or warning into ok
    assert verdict_for(replace(record, status="cancelled"), price=price, tz=tz).problem
    assert verdict_for(replace(record, status="cancel held: Ctrl+Z keeps"), price=price, tz=tz).words == "BEING CANCELLED"
    if not record.paid:
        assert verdict_for(record, price=80.0, tz=tz).problem
    checked = verdict_for(replace(record, checked_in=True), price=price, tz=tz)
    assert LEVELS.index(checked.level) >= min(LEVELS.index(verdict.level), LEVELS.index("warning"))
    assert checked.level != "ok"
    # the ledger's earlier admission: never green, always a problem once the record's own facts are final
    admitted = verdict_for(record, price=price, tz=tz, admitted=ADMITTED_AT_ENTRANCE_2)
    assert admitted.problem and admitted.final  # whatever the price, fetched or not
    if verdict.words not in ("REJECTED", "BEING CANCELLED", "CANCELLED"):
        assert admitted.words.startswith("ALREADY ADMITTED at ") and admitted.words.endswith(", Entrance 2")


@settings(max_examples=200, deadline=None, database=None)
@given(records(), PRICES)
def test_the_cards_paid_line_agrees_with_the_verdict(record, price):
    """"Paid: no" only where not paying is the problem or is not known yet: a free ticket needs no payment."""
    payment = PersonFacts({record.type_id: price} if not isinstance(price, Unknown) else price).payment(record)
    verdict = verdict_for(replace(record, status="confirmed", checked_in=False), price=price)
    assert (payment == "yes") == record.paid
    assert (payment == "no") == (verdict.words == "NOT PAID")
    assert payment.startswith("not needed") == (not record.paid and verdict.words == "CONFIRMED")


def test_checked_in_time_is_in_the_event_zone():
    record = AttendeeRecord(id="1", uuid="u", first_name="A", last_name="B", email="", company="", job_title="",
                            telephone="", type_id="t", status="confirmed", checked_in=True, paid=True, qr_code="",
                            updated_at="", checked_in_at="2026-12-07T14:05:00.000Z")
    assert verdict_for(record, price=None, tz=ZoneInfo("America/Bogota")).words == "ALREADY CHECKED IN at 09:05"
    assert verdict_for(record, price=None, tz=ZoneInfo("Asia/Kolkata")).words == "ALREADY CHECKED IN at 19:35"
    assert verdict_for(replace(record, checked_in_at="not a date"), price=None).words == "ALREADY CHECKED IN"


async def test_a_scan_not_checked_lately_asks_eventtia_once_and_says_when_the_copy_answers(
        make_app, api, sandbox_app, clock, monkeypatch):
    """A cancellation made elsewhere that did not move `updated_at` (sandbox variant): no sync sees it. A scan of
    that badge, not checked for longer than `confirm_after`, asks Eventtia once: CHECKING…, then CANCELLED from
    its answer (before: ✔ CONFIRMED from the copy). Scanned again, it was checked just now: no request, the same
    verdict. Offline, a badge not checked lately gets the copy's verdict, saying it comes from the copy and why."""
    banners = Banners(monkeypatch)
    sandbox_app.state.variants.cancel_keeps_updated_at = True
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        index = app.gateway.index_if_loaded(EXPO)
        cancelled, other = [r for r in index.records.values() if r.status == "confirmed" and r.paid
                            and not r.checked_in and r.qr_code and r.email][:2]
        assert (await api.put(f"/events/{EXPO}/attendees/{cancelled.id}/cancel")).status_code == 204  # another desk
        clock.advance(app.gateway.checks.settings.confirm_after + 1)
        assert not index.get(cancelled.id).cancelled  # the copy still says active

        asked: list[str] = []  # the registrations a scan confirmed with Eventtia (the real call, counted)
        real_confirm = reconcile.confirm

        async def counted(gateway, uri, record, *args):
            asked.append(record.id)
            return await real_confirm(gateway, uri, record, *args)

        monkeypatch.setattr(reconcile, "confirm", counted)
        await scan_badge(pilot, cancelled.qr_code)
        card = app.screen
        assert isinstance(card, AttendeeCardScreen) and card.record.id == cancelled.id
        words = [v.words for v in banners.on_cards()]
        assert words[0] == "CHECKING…" and words[-1] == "CANCELLED" and "CONFIRMED" not in words, words
        assert "Checked with Eventtia just now." in card.verdict().detail
        assert app.scan_log[-1].verdict.words == "CANCELLED" and index.get(cancelled.id).cancelled
        assert asked == [cancelled.id]
        assert not app.ledger.firsts(EXPO).get(cancelled.id)  # nobody admitted on the copy's word

        await type_like_a_person(pilot, "escape")
        await settle(pilot)
        await scan_badge(pilot, cancelled.qr_code, seed=1)
        assert app.scan_log[-1].verdict.words == "CANCELLED" and asked == [cancelled.id]  # checked just now
        await type_like_a_person(pilot, "escape")
        await settle(pilot)

        app.gateway.connection.online = False  # the venue's Wi-Fi gone (the watch is not asked to notice)
        await scan_badge(pilot, other.qr_code, seed=2)
        card = app.screen
        assert isinstance(card, AttendeeCardScreen) and card.record.id == other.id
        detail = card.verdict().detail
        assert card.verdict().words == "CONFIRMED" and asked == [cancelled.id]
        assert "From this machine's copy (checked against Eventtia" in detail and "can't be reached" in detail


async def test_a_door_scan_not_checked_lately_asks_eventtia_as_the_card_does(make_app, api, sandbox_app, clock,
                                                                              monkeypatch):
    """The same rule at an activity's door (gateway.reconcile.confirm_scan, one function for both): a registration
    cancelled elsewhere without moving `updated_at` scans CHECKING… — nobody let in — then CANCELLED from
    Eventtia's answer (before: ✔ ON THE LIST from the copy)."""
    banners = Banners(monkeypatch)
    sandbox_app.state.variants.cancel_keeps_updated_at = True
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        roster, cancelled = await door_with_a_listed_person(pilot, api, with_email=True)
        assert (await api.put(f"/events/{EXPO}/attendees/{cancelled.id}/cancel")).status_code == 204
        clock.advance(app.gateway.checks.settings.confirm_after + 1)
        await scan_badge(pilot, cancelled.qr_code)
        words = [v.words for screen, v in banners.shown if screen == "RosterScreen" and v is not None]
        assert words[0].startswith("CHECKING…") and words[-1].startswith("CANCELLED"), words
        assert not any("ON THE LIST" in w for w in words), words
        assert "Checked with Eventtia just now." in str(roster.query_one(VerdictBanner).render())
        assert cancelled.id not in roster.inside() and app.gateway.index_if_loaded(EXPO).get(cancelled.id).cancelled
