"""The variant tier: the sandbox serving what the reference leaves open decided the other way (`Variants`, a flag
per assumption), and the client and the sync run against each.

No variant gives a partial sync that passes for a whole one, and a 429 storm never holds the desk's requests
longer than the server asked: asserted on the budget's decisions under an injected clock, not on wall time.
"""

from __future__ import annotations

import json
import random
import unicodedata

import httpx
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from eventtia_tui import sandbox as sandbox_module
from eventtia_tui.api.budget import RequestBudget, background_lane
from eventtia_tui.api.client import EventtiaClient
from eventtia_tui.api.errors import MAX_MESSAGE, Invalid, RateLimited, extract_message, field_words
from eventtia_tui.api.paging import PageSizes
from eventtia_tui.cli import main
from eventtia_tui.config import ReconcileSettings
from eventtia_tui.gateway import Gateway, check_event, confirm, schedule, sync_event
from eventtia_tui.gateway.checks import CHECKED_LATELY
from eventtia_tui.gateway.reconcile import may_confirm
from eventtia_tui.sandbox import DEMO_EMAIL, DEMO_PASSWORD, create_app
from eventtia_tui.sandbox.app import ERROR_SHAPES, Variants
from eventtia_tui.store.cache import CacheStore
from tests.demo_expo import BASE_URL, DEMO_START

EXPO = "demo-expo"
ACTIVE = ("SELECT COUNT(*) FROM attendees WHERE event_id = (SELECT id FROM events WHERE uri = 'demo-expo') "
          "AND archived = 0 AND status != 'rejected'")


class InstantClock:
    """The budget's clock: a wait moves it on at once, and is recorded."""

    def __init__(self) -> None:
        self.at = 1_000_000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.at

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.at += max(0.0, seconds)


@pytest.fixture
def app(clock):
    return create_app(None, attendees=1200, seed=42, start_date=DEMO_START, clock=clock, max_page_size=24)


@pytest.fixture
def budget_clock() -> InstantClock:
    return InstantClock()


@pytest.fixture
async def variant_client(app, budget_clock, fast_retry):
    budget = RequestBudget(100, clock=budget_clock, rng=random.Random(7))
    async with EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=app), retry=fast_retry,
                              budget=budget) as client:
        await client.login(DEMO_EMAIL, DEMO_PASSWORD)
        yield client


@pytest.fixture
async def variant_gateway(variant_client, tmp_path, clock):
    store = CacheStore(tmp_path / "cache", BASE_URL, DEMO_EMAIL, clock=clock)
    yield Gateway(variant_client, store, clock=clock)
    store.close()


# Pages ------------------------------------------------------------------------------------------------------


async def test_pages_counted_on_the_size_asked_still_give_every_attendee(app, variant_gateway):
    # 24 served a page, while links and total_pages are on the 100 asked for: "12 pages". Before, the sync
    # ended with the 288 attendees of those 12 pages and no word of the rest.
    app.state.variants.pages_counted_on_asked = True
    report = await sync_event(variant_gateway, EXPO)
    active = app.state.sandbox.db.scalar(ACTIVE)
    assert report.attendees == active > 288 and report.short == ""
    assert variant_gateway.client.paging.ask(100) == 24  # the server's page size, learned and kept


@pytest.mark.parametrize("shape", ["message", "jsonapi", "field_hash"])
async def test_a_page_size_over_the_maximum_is_asked_again_at_the_size_named(app, variant_gateway, shape):
    # Before, the 400 for page[size]=100 failed the whole sync.
    app.state.variants.oversize_page_refused = True
    app.state.variants.error_shape = shape
    report = await sync_event(variant_gateway, EXPO)
    assert report.attendees == app.state.sandbox.db.scalar(ACTIVE) and report.short == ""
    refused = app.state.limits.served
    await variant_gateway.client.list_attendees(EXPO, page=None)  # remembered: no second refusal
    assert variant_gateway.client.paging.ask(100) == 24
    assert app.state.limits.served - refused == -(-app.state.sandbox.db.scalar(ACTIVE) // 24)


def test_a_refusal_naming_no_maximum_asks_at_24_and_others_are_not_taken_for_one():
    paging = PageSizes()
    assert paging.refused(Invalid("page[size] is too large", 400), 100) == 24 and paging.ask(100) == 24
    assert PageSizes().refused(Invalid("Email is invalid", 422), 100) is None
    assert PageSizes().refused(Invalid("Page size must be at most 50", 400), 100) == 50


async def test_a_sync_short_of_the_total_given_says_so(app, variant_gateway):
    app.state.variants.total_attendees_extra = 5
    report = await sync_event(variant_gateway, EXPO)
    active = app.state.sandbox.db.scalar(ACTIVE)
    assert report.short.startswith(f"Eventtia counted {active + 5:,} attendees") and f"served {active:,}" in report.short
    app.state.variants.total_attendees_extra = 0
    again = await sync_event(variant_gateway, EXPO)  # a short copy is not built on: the next sync is full
    assert again.mode == "full" and again.short == "" and again.attendees == active
    assert (await sync_event(variant_gateway, EXPO)).mode == "incremental"


async def test_a_total_that_counts_the_archived_too_neither_shortens_a_sync_nor_hides_a_cancellation(
        app, variant_gateway, variant_client, clock):
    """`meta.total_attendees` counting the deleted and rejected too: the full sync is whole (not "ended short"),
    and a cancellation made at another desk is CANCELLED after the next incremental sync — the changes'
    total no longer decides whether the default listing is read."""
    app.state.variants.total_counts_archived = True
    first = await sync_event(variant_gateway, EXPO)
    active = app.state.sandbox.db.scalar(ACTIVE)
    assert first.mode == "full" and first.short == "" and first.active == active
    someone = next(m.record for m in variant_gateway.index(EXPO).search("garcia") if not m.record.cancelled)
    clock.advance(60)
    await variant_client.cancel_attendee(EXPO, someone.id)  # at another desk
    clock.advance(60)
    again = await sync_event(variant_gateway, EXPO)
    assert again.mode == "incremental" and again.short == "" and again.cancelled == 1
    assert variant_gateway.index(EXPO).get(someone.id).cancelled and again.active == active - 1



# Cancellations made elsewhere that do not move updated_at -----------------------------------------------------


async def test_a_cancellation_that_keeps_updated_at_is_missed_by_syncs_and_caught_by_the_next_check(
        app, variant_gateway, variant_client, budget_clock, clock):
    """The reference does not say a cancellation moves `updated_at`. Served so: no incremental sync sees it
    (before: CONFIRMED for ever); the whole-list check at its budgeted pace does (after), and the check's
    time is when it began."""
    app.state.variants.cancel_keeps_updated_at = True
    first = await sync_event(variant_gateway, EXPO)
    assert first.mode == "full" and variant_gateway.checks.checked_at(EXPO) is not None  # a full sync is a check
    someone = next(m.record for m in variant_gateway.index(EXPO).search("garcia") if not m.record.cancelled)
    clock.advance(60)
    await variant_client.cancel_attendee(EXPO, someone.id)  # at another desk
    clock.advance(60)
    again = await sync_event(variant_gateway, EXPO)
    assert again.mode == "incremental" and again.cancelled == 0
    assert not variant_gateway.index(EXPO).get(someone.id).cancelled  # the bullet, reproduced

    pace = schedule(variant_client.budget, 0.2)
    assert pace is not None and pace.per_minute == 20
    sent, began, slept = variant_client.budget.sent, clock.now, len(budget_clock.sleeps)
    report = await check_event(variant_gateway, EXPO, pace)
    assert report is not None and report.cancelled == 1 and report.asked == 1
    assert variant_gateway.index(EXPO).get(someone.id).cancelled
    assert began < variant_gateway.checks.checked_at(EXPO) < clock.now
    requests = variant_client.budget.sent - sent
    assert requests == report.pages + 2  # every page once, then the one missing asked of both listings
    waits = budget_clock.sleeps[slept:]
    # One request per gap: never more than the share of the budget in any minute.
    assert len(waits) == requests - 1 and all(wait == pytest.approx(pace.gap) for wait in waits)
    assert "checked against Eventtia" in variant_gateway.checks.age(EXPO)



@pytest.mark.slow
async def test_at_50000_attendees_a_check_sees_every_cancellation_within_its_period_at_its_share(tmp_path):
    """The Done-when line, run (about 75 s: opt-in): 50,000 attendees, five cancellations that moved nothing, the
    incremental sync sees none; one check on Eventtia's 100 a minute (simulated clock) sees all five, in about
    25 min, never more than 20 requests in any minute. Measured: 490 pages + 5 × 2, 24.9 min, 20 at most."""
    app = create_app(None, attendees=50_000, seed=42, start_date=DEMO_START, max_page_size=100)
    app.state.variants.cancel_keeps_updated_at = True
    clock = InstantClock()
    budget = RequestBudget(100, clock=clock, rng=random.Random(1))
    stamps: list[float] = []
    acquire = budget.acquire

    async def stamped(lane=None):
        ticket = await acquire(lane)
        stamps.append(clock.now())
        return ticket

    budget.acquire = stamped
    async with EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=app), budget=budget) as client:
        await client.login(DEMO_EMAIL, DEMO_PASSWORD)
        store = CacheStore(tmp_path / "cache", BASE_URL, DEMO_EMAIL)
        gateway = Gateway(client, store)
        await sync_event(gateway, EXPO)
        index = gateway.index(EXPO)
        cancelled = [r for r in index.records.values() if not r.cancelled][::9973][:5]
        for record in cancelled:
            await client.cancel_attendee(EXPO, record.id)
        assert (await sync_event(gateway, EXPO)).cancelled == 0
        pace = schedule(budget, ReconcileSettings().share)
        stamps.clear()
        began = clock.now()
        report = await check_event(gateway, EXPO, pace)
        assert report is not None and report.cancelled == 5 and all(index.get(r.id).cancelled for r in cancelled)
        assert clock.now() - began <= pace.period(50_000)
        assert max(sum(1 for t in stamps if at <= t < at + 60) for at in stamps) <= pace.per_minute
        store.close()


async def test_a_scan_asks_eventtia_only_when_the_budget_allows_and_the_copy_says_why_otherwise(
        app, variant_gateway, variant_client, budget_clock, clock):
    """`may_confirm`, the one rule the card follows: asked when not checked lately and the budget allows;
    else the copy's verdict, with the reason the desk reads (over budget, a 429's long wait, offline)."""
    await sync_event(variant_gateway, EXPO)
    checks, budget = variant_gateway.checks, variant_client.budget
    person = next(r for r in variant_gateway.index(EXPO).records.values() if not r.cancelled and r.email)
    assert may_confirm(variant_gateway, EXPO, person) == CHECKED_LATELY  # the full sync just checked it
    assert checks.from_copy(EXPO, person, CHECKED_LATELY) == ""  # nothing to add to its verdict
    clock.advance(checks.settings.confirm_after + 1)
    assert may_confirm(variant_gateway, EXPO, person) == ""  # ask

    tickets = [await budget.acquire("interactive") for _ in range(budget.remaining() - budget.reserve)]
    why = may_confirm(variant_gateway, EXPO, person)  # only the desk's reserve left: kept for its writes
    assert why == "the request budget is spent for this minute"
    said = checks.from_copy(EXPO, person, why)
    assert said.startswith("From this machine's copy (checked against Eventtia 5 min ago)") and why in said
    for ticket in tickets:
        budget.release(ticket)
    budget_clock.at += 61
    assert may_confirm(variant_gateway, EXPO, person) == ""

    budget.pause(600)  # a 429 asking for ten minutes
    assert may_confirm(variant_gateway, EXPO, person).startswith("Eventtia asks to wait 10 min")
    budget_clock.at += 601
    variant_gateway.connection.online = False
    assert may_confirm(variant_gateway, EXPO, person) == "Eventtia can't be reached"
    variant_gateway.connection.online = True

    fresh = await confirm(variant_gateway, EXPO, person)  # asked: kept, and checked just now
    assert fresh is not None and fresh.id == person.id and not fresh.cancelled
    assert may_confirm(variant_gateway, EXPO, person) == CHECKED_LATELY

@given(per_minute=st.integers(1, 10_000), share=st.floats(0.01, 0.9), attendees=st.integers(0, 200_000))
def test_a_check_never_takes_more_than_its_share_nor_the_desk_reserve(per_minute, share, attendees):
    budget = RequestBudget(per_minute)
    pace = schedule(budget, share)
    assert pace is not None and pace.per_minute <= max(1, per_minute - budget.reserve)
    assert pace.per_minute <= max(1.0, per_minute * share)
    assert pace.period(attendees) == pytest.approx((pace.pages(attendees) + 1) * 60 / pace.per_minute)


def test_at_50000_attendees_a_check_fits_the_default_budget():
    """Eventtia's 100 a minute and the default share (0.2): a cancellation that moved nothing is seen within a
    period of about 25 min, at 20 requests a minute — 76 of each minute left to the syncs and the desk."""
    pace = schedule(RequestBudget(100), ReconcileSettings().share)
    assert pace is not None and pace.per_minute == 20 and pace.gap == 3
    assert pace.period(50_000) == 501 * 3  # 500 pages and the empty one after, one every 3 s: 25 min 3 s
    assert schedule(RequestBudget(100), 0) is None  # share 0: no whole-list check

@given(cap=st.integers(1, 100), items=st.integers(0, 400), asked=st.integers(1, 100),
       counted_on_asked=st.booleans(), known=st.integers(0, 100))
def test_a_listing_is_read_to_its_last_item_whatever_the_server_serves_a_page(cap, items, asked, counted_on_asked,
                                                                              known):
    """A server serving min(asked, cap) a page, saying nothing true of how many pages there are: reading
    until goes_on() says stop gets every item, whatever the client had learned before (`known`)."""
    paging = PageSizes()
    paging.served = known if known <= cap else 0  # learned from another listing of the same server
    size = paging.ask(asked)
    served: list[int] = []
    while paging.goes_on(size, served):
        start = len(served) * min(size, cap)
        served.append(max(0, min(min(size, cap), items - start)))
        assert len(served) <= items + 2  # never reads on forever
    assert sum(served) == items


# CLI ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def variant_demo(monkeypatch):
    """`eventtia-tui --demo` on a sandbox with the variants set by the test."""
    made = {}
    real = sandbox_module.create_app

    def create(*args, **kwargs):
        made["app"] = app = real(*args, **kwargs)
        app.state.variants = made["variants"]
        return app

    monkeypatch.setattr(sandbox_module, "create_app", create)
    made["variants"] = Variants()
    return made


def test_cli_sync_short_of_the_total_exits_non_zero(dirs, capsys, variant_demo):
    variant_demo["variants"].total_attendees_extra = 3
    assert main(["--demo", "sync", EXPO]) == 1
    assert "error: Eventtia counted" in capsys.readouterr().err


def test_cli_sync_on_pages_counted_on_the_size_asked_is_whole(dirs, capsys, variant_demo):
    variant_demo["variants"].pages_counted_on_asked = True
    assert main(["--demo", "sync", EXPO]) == 0
    active = variant_demo["app"].state.sandbox.db.scalar(ACTIVE)
    assert f"{active:,} attendees ({active:,} active" in capsys.readouterr().out


# Rate limits ------------------------------------------------------------------------------------------------


def test_a_backoff_doubles_from_a_second_with_jitter_in_its_own_lane():
    clock = InstantClock()
    budget = RequestBudget(100, clock=clock, rng=random.Random(1))
    waits = [budget.back_off("background") for _ in range(8)]
    for streak, wait in enumerate(waits):
        base = min(60.0, 2.0 ** streak)
        assert base <= wait <= base * 1.5
    assert budget.backing_off_until["interactive"] == 0.0  # the desk's lane is not held by the sync's 429s
    assert max(budget.back_off("interactive") for _ in range(6)) <= 8 * 1.5
    budget.accepted("interactive")
    assert 1.0 <= budget.back_off("interactive") <= 1.5  # an accepted answer starts it over


async def test_a_429_storm_without_retry_after_holds_the_desk_seconds_not_a_minute(app, variant_client, budget_clock):
    # Before: each 429 without Retry-After paused every request for 60 s (a walk-in took 60.1 s).
    app.state.variants.retry_after = False
    app.state.variants.refuse_next = 3
    event = await variant_client.get_event(EXPO)
    assert event.name and app.state.limits.refused == 3
    assert len(budget_clock.sleeps) == 3 and sum(budget_clock.sleeps) <= 1.5 + 3 + 6
    assert variant_client.budget.waited["interactive"] == pytest.approx(sum(budget_clock.sleeps))
    assert variant_client.budget.backing_off_until["background"] == 0.0 and variant_client.budget.paused_for() == 0


@pytest.mark.parametrize("seconds", [1, 5, 10])
async def test_the_desk_never_waits_longer_than_the_server_asked(app, variant_client, budget_clock, seconds):
    app.state.variants.retry_after_seconds = seconds
    app.state.variants.refuse_next = 3
    await variant_client.get_event(EXPO)
    assert budget_clock.sleeps and all(wait <= seconds for wait in budget_clock.sleeps)
    assert variant_client.budget.waited["interactive"] <= 3 * seconds


async def test_a_long_retry_after_is_said_at_once_and_the_copy_serves_meanwhile(app, variant_gateway, budget_clock):
    await sync_event(variant_gateway, EXPO)
    app.state.variants.retry_after_seconds = 600
    app.state.variants.refuse_next = 1
    client = variant_gateway.client
    with pytest.raises(RateLimited) as caught:
        await variant_gateway.call(client.get_event(EXPO))
    assert caught.value.message.startswith("Eventtia asks to wait 10 min") and not caught.value.may_have_applied
    assert budget_clock.sleeps == []  # nobody waited for it
    assert variant_gateway.connection.online is True  # it answered: not "offline"
    assert variant_gateway.held_back().startswith("Eventtia asks to wait 10 min")
    served = app.state.limits.served + app.state.limits.refused
    with pytest.raises(RateLimited):  # the next desk request is not even sent: the server said so
        await client.get_event(EXPO)
    assert app.state.limits.served + app.state.limits.refused == served and budget_clock.sleeps == []
    cached = variant_gateway.index(EXPO)
    assert cached is not None and cached.search("a", limit=1)  # lookups come from the copy
    with background_lane(), pytest.raises(RateLimited):  # a sync is told too, rather than stalling ten minutes
        await client.get_event(EXPO)
    budget_clock.at += 601
    assert variant_gateway.held_back() == "" and (await client.get_event(EXPO)).name


# Error bodies ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ERROR_SHAPES)
async def test_every_error_body_shape_names_its_field(app, variant_client, shape):
    app.state.variants.error_shape = shape
    kind = next(kind for kind in (await variant_client.attendee_types(EXPO)).items if kind.unlimited)
    person = {"attendee_type_id": kind.id, "first_name": "Zoë", "last_name": "Núñez", "email": "zoe@example.org"}
    await variant_client.register_attendee(EXPO, person)
    with pytest.raises(Invalid) as caught:
        await variant_client.register_attendee(EXPO, person)
    assert caught.value.message.rstrip(".") == "Email has already been taken"


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=40),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                    max_leaves=12)


@given(body=JSON)
def test_any_json_error_body_gives_one_short_line_or_nothing(body):
    message = extract_message(json.dumps(body))
    assert message is None or 0 < len(message) <= MAX_MESSAGE
    assert not any(unicodedata.category(char) == "Cc" for char in message or "")  # no control character


@given(field=st.from_regex(r"[a-z]{2,10}(_[a-z]{2,8})?", fullmatch=True).filter(lambda name: name != "base"),
       reason=st.from_regex(r"[a-z]{2,10}( [a-z]{2,10}){0,3}", fullmatch=True))
def test_a_bare_field_hash_names_its_field(field, reason):
    assume(not reason.startswith(field_words(field).lower()))  # a reason naming its field is kept as it is
    for body in ({field: [reason]}, {"errors": {field: reason}},
                 {"errors": [{"detail": reason, "source": {"pointer": f"/data/attributes/{field}"}}]}):
        message = extract_message(json.dumps(body))
        assert message is not None and message.startswith(field_words(field)) and message.endswith(reason)
