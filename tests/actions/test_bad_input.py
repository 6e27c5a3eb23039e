"""Bad input everywhere a person can type it: never a crash.

- The registration form and the unavailable-hour form (hypothesis): any unicode, huge strings, control
  characters, pasted newlines → either plain inline errors and nothing sent, or a request the sandbox
  accepts. The search box and the scanner (`AttendeeIndex.search` / `exact`): anything → a short list.
- The sandbox's own bad input (never a 500) is in tests/sandbox/test_schema_bad_input.py, the client's
  (malformed and partial payloads) in tests/api/test_payload_bad_input.py.

Each property builds its sandbox and synced gateway once per test, not once per example. The numbers of
inputs tried are printed (-s -n 0 to see them).
"""

from __future__ import annotations

import asyncio
import math
import string
from datetime import datetime, timedelta

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventtia_tui.actions import ActionRunner, AuditLog, Outbox, RegisterAttendee, State, UnavailableHourAction, views
from eventtia_tui.actions.validation import check_text, parse_write_date
from eventtia_tui.api import (
    Attendee,
    EventtiaClient,
    RetryPolicy,
    UnavailableHour,
)
from eventtia_tui.gateway import Gateway, sync_event
from eventtia_tui.sandbox import API_PREFIX, DEMO_EMAIL, DEMO_PASSWORD, create_app
from eventtia_tui.store.cache import CacheStore
from eventtia_tui.store.index import AttendeeIndex, Match
from eventtia_tui.store.records import AttendeeRecord
from tests.demo_expo import DEMO_START, EXPO

pytestmark = pytest.mark.hostile

BASE = "http://sandbox" + API_PREFIX
PROPERTY = settings(deadline=None, derandomize=True, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


async def no_sleep(_: float) -> None:
    return None


class World:
    """One event loop, one in-process sandbox, one synced gateway and runner, for all examples of a test."""

    def __init__(self, cache_dir) -> None:
        self.loop = asyncio.new_event_loop()
        self.app = create_app(None, attendees=200, seed=3, start_date=DEMO_START)
        self.cache_dir = cache_dir
        self.tried = 0
        self.run(self._start())

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    async def _start(self) -> None:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as anon:
            auth = await anon.post("/auth", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
            self.token = auth.json()["auth_token"]
        self.api = httpx.AsyncClient(transport=transport, base_url=BASE,
                                     headers={"Authorization": f"Bearer {self.token}"})
        self.client = EventtiaClient(BASE, self.token, transport=transport,
                                     retry=RetryPolicy(attempts=1, base_delay=0, sleep=no_sleep))
        self.store = CacheStore(self.cache_dir, BASE, DEMO_EMAIL)
        self.gateway = Gateway(self.client, self.store)
        await sync_event(self.gateway, EXPO)
        self.runner = ActionRunner(self.gateway, Outbox(self.cache_dir, self.store.scope),
                                   AuditLog(self.cache_dir, DEMO_EMAIL))

    async def total(self) -> int:
        answer = await self.api.get(f"/events/{EXPO}/attendees", params={"include_archived": "true", "page[size]": 1})
        return answer.json()["meta"]["total_attendees"]

    def close(self) -> None:
        async def stop() -> None:
            await self.gateway.wait_for_background()
            await self.client.aclose()
            await self.api.aclose()

        self.run(stop())
        self.store.close()
        self.loop.close()


@pytest.fixture
def world(tmp_path):
    built = World(tmp_path / "cache")
    yield built
    built.close()


# What a person can type ------------------------------------------------------------------------------

CONTROL = st.characters(codec="utf-8", categories=["Cc"])
NASTY = st.sampled_from(["\n", "\r\n", "\t", "\x00", "\x7f", "\u2028", "\u200b", "\ufeff", "\u202e", "\U0001f600",
                         "é", "ñ", "李", "ß", "İ", "ﬁ", "٣", "²", "'", '"', "\\", "%", "_", "<script>", "|", "@", ",",
                         " ", "\u00a0"])
ANY_TEXT = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(st.characters(codec="utf-8"), NASTY), max_size=60).map("".join),
    st.lists(st.text(max_size=20), min_size=2, max_size=4).map("\n".join),  # a pasted block
    st.builds(lambda part, count: part * count, st.text(min_size=1, max_size=3), st.integers(85, 400)),  # too long
    st.builds(lambda a, c, b: a + c + b, st.text(max_size=10), CONTROL, st.text(max_size=10)),
)
NAME = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "M", "Zs", "Pd"]), min_size=1, max_size=40)
EMAIL_PART = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N"], include_characters="._+-"),
                     min_size=1, max_size=20)
EMAIL = st.builds(lambda local, domain, tld: f"{local}@{domain}.{tld}", EMAIL_PART, EMAIL_PART,
                  st.sampled_from(["com", "co", "test", "org", "东京"]))
PHONE = st.builds(lambda digits: "+" + digits, st.text(alphabet=string.digits, min_size=7, max_size=15))
BIRTHDATE = st.dates(min_value=datetime(1900, 1, 1).date(), max_value=datetime(2020, 12, 31).date()).map(
    lambda day: day.strftime("%d/%m/%Y"))


def maybe(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Mostly plausible, sometimes anything, sometimes left empty or padded with spaces and a newline."""
    return st.one_of(valid, valid.map(lambda v: f"  {v} "), ANY_TEXT, st.just(""))


PLAUSIBLE = {"first_name": NAME, "last_name": NAME, "email": EMAIL, "company": NAME | st.just(""),
             "telephone": PHONE | st.just(""), "job_title": NAME | st.just(""), "birthdate": BIRTHDATE | st.just("")}
FORM_TEXT = {"first_name": maybe(NAME), "last_name": maybe(NAME), "email": maybe(EMAIL), "company": maybe(NAME),
             "telephone": maybe(PHONE), "job_title": maybe(NAME), "birthdate": maybe(BIRTHDATE),
             "talk_title": ANY_TEXT}


def test_registration_form_any_input_is_an_inline_error_or_accepted(world):
    types = {t.id: t for t in views.cached(world.gateway, "attendee_types", EXPO)}
    outcomes: dict[str, int] = {}

    @settings(PROPERTY, max_examples=150)
    @given(data=st.data(), type_id=st.sampled_from(sorted(types)))
    def check(data, type_id):
        values: dict[str, str] = {}
        fields = [f for f in types[type_id].custom_fields if f.name and f.name != "city_id"]  # the form has no city list
        mode = data.draw(st.sampled_from(["plausible", "one field bad", "anything"]), label="mode")
        bad = data.draw(st.sampled_from([f.name for f in fields]), label="bad field") if mode == "one field bad" else None
        for custom_field in fields:
            name = custom_field.name
            choices = custom_field.values if isinstance(custom_field.values, list) else None
            if choices:  # a Select in the form: one of its choices, or blank
                values[name] = data.draw(st.sampled_from(["", *map(str, choices)]), label=name)
            elif mode == "anything" or name == bad:
                values[name] = data.draw(FORM_TEXT.get(name, ANY_TEXT), label=name)
            else:
                values[name] = data.draw(PLAUSIBLE.get(name, NAME), label=name)
        action = RegisterAttendee(EXPO, attendee_type_id=type_id, values=values, type_name=types[type_id].name)
        before = world.run(world.total())
        outcome = world.run(world.runner.run(action))
        world.tried += 1
        outcomes[outcome.state.value] = outcomes.get(outcome.state.value, 0) + 1
        assert outcome.state in (State.INVALID, State.DONE), (outcome, values)
        if outcome.state is State.INVALID:
            assert outcome.errors and all(isinstance(m, str) and m.strip() and "\n" not in m
                                          for m in outcome.errors.values())
            assert set(outcome.errors) <= {*values, "attendee_type_id", "workshops"}
            assert world.run(world.total()) == before  # nothing was sent
        else:
            assert world.run(world.total()) == before + 1
            registered = outcome.value
            assert isinstance(registered, Attendee) and registered.email == action.email

    check()
    print(f"\n[bad input] registration form: {world.tried} inputs tried, outcomes {outcomes}")
    assert outcomes.get("done", 0) >= 10 and outcomes.get("invalid", 0) >= 50  # both sides were really exercised


@settings(PROPERTY, max_examples=300)
@given(name=st.sampled_from(["first_name", "email", "telephone", "birthdate", "company"]), value=ANY_TEXT,
       required=st.booleans())
def test_check_text_never_raises_and_answers_in_one_line(name, value, required):
    message = check_text(name, value, required)
    assert message is None or (message.strip() and "\n" not in message)
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        assert message is not None
    if required and not value.strip():
        assert message is not None


WRITE_DATE_LIKE = st.builds(
    lambda d, m, y, hh, mm, pad: f"{pad}{d}/{m}/{y} - {hh}:{mm}{pad}",
    st.integers(0, 40), st.integers(0, 14), st.integers(0, 10000), st.integers(0, 30), st.integers(0, 99),
    st.sampled_from(["", " ", "\n", "\t"]))


@settings(PROPERTY, max_examples=300)
@given(value=st.one_of(WRITE_DATE_LIKE, ANY_TEXT))
def test_parse_write_date_is_a_real_date_or_none(value):
    parsed = parse_write_date(value)
    assert parsed is None or isinstance(parsed, datetime)


def test_unavailable_hour_form_any_input_is_an_inline_error_or_accepted(world):
    conference = views.cached(world.gateway, "conferences", EXPO)[0]
    ptype = world.run(world.gateway.participant_types(EXPO, conference.id)).value[0]
    first = conference.start_date.astimezone(conference.start_date.tzinfo)
    hours_path = (f"/events/{EXPO}/business_conferences/{conference.id}/business_conference_participant_types/"
                  f"{ptype.id}/unavailable_hours")
    in_days = st.builds(lambda minutes: (first + timedelta(minutes=minutes)).strftime("%d/%m/%Y - %H:%M"),
                        st.integers(-3 * 1440, 4 * 1440))
    moment = st.one_of(in_days, WRITE_DATE_LIKE, ANY_TEXT, in_days.map(lambda v: v.replace(" - ", "-")))
    outcomes: dict[str, int] = {}
    tried = 0

    async def count() -> int:
        return (await world.api.get(hours_path, params={"page[size]": 1})).json()["meta"]["total_pages"]

    @settings(PROPERTY, max_examples=120)
    @given(data=st.data())
    def check(data):
        if data.draw(st.booleans(), label="plausible"):
            begin = data.draw(st.integers(-1440, 2 * 1440), label="start minute")
            length = data.draw(st.integers(-60, 600), label="minutes")
            start, end = ((first + timedelta(minutes=m)).strftime("%d/%m/%Y - %H:%M") for m in (begin, begin + length))
        else:
            start, end = data.draw(moment, label="start"), data.draw(moment, label="end")
        nonlocal tried
        tried += 1
        action = UnavailableHourAction(EXPO, conference_id=conference.id, participant_type_id=ptype.id,
                                       start=start, end=end, type_name=ptype.name or "")
        before = world.run(count())
        outcome = world.run(world.runner.run(action))
        outcomes[outcome.state.value] = outcomes.get(outcome.state.value, 0) + 1
        assert outcome.state in (State.INVALID, State.DONE), (outcome, start, end)
        if outcome.state is State.INVALID:
            assert outcome.errors and all(m.strip() and "\n" not in m for m in outcome.errors.values())
            assert world.run(count()) == before
        else:
            assert isinstance(outcome.value, UnavailableHour) and outcome.value.id

    check()
    print(f"\n[bad input] unavailable-hour form: {tried} inputs tried, outcomes {outcomes}")
    assert outcomes.get("done", 0) >= 5 and outcomes.get("invalid", 0) >= 50


# The search box and the scanner ------------------------------------------------------------------------

QUERY = st.one_of(
    ANY_TEXT,
    st.lists(st.one_of(st.characters(codec="utf-8"), NASTY), min_size=1, max_size=200).map("".join),
    st.lists(st.text(max_size=30), min_size=1, max_size=6).map("|".join),  # QR-shaped
    st.builds(lambda part, count: part * count, st.text(min_size=1, max_size=8), st.integers(1000, 20000)),  # a paste
)


def test_search_box_any_input_gives_a_short_list(world):
    index = world.gateway.index(EXPO)
    empty = AttendeeIndex()
    known = sorted(index.records.values(), key=lambda r: r.id)[:50]
    tried = 0

    @settings(PROPERTY, max_examples=300)
    @given(query=QUERY, limit=st.sampled_from([1, 10, 50]), include_cancelled=st.booleans())
    def check(query, limit, include_cancelled):
        nonlocal tried
        tried += 1
        for target in (index, empty):
            matches = target.search(query, limit=limit, include_cancelled=include_cancelled)
            assert isinstance(matches, list) and len(matches) <= limit
            assert all(isinstance(m, Match) and isinstance(m.record, AttendeeRecord) and math.isfinite(m.score)
                       for m in matches)
            assert len({m.record.id for m in matches}) == len(matches)
            if not include_cancelled:
                assert not any(m.record.cancelled for m in matches)
            found = target.exact(query)
            assert found is None or isinstance(found, AttendeeRecord)

    @settings(PROPERTY, max_examples=100)
    @given(number=st.integers(0, len(known) - 1), pad=st.sampled_from(["", " ", "\n", "\t ", "\r\n"]),
           upper=st.booleans(), what=st.sampled_from(["email", "uuid", "qr"]))
    def scanned(number, pad, upper, what):
        nonlocal tried
        tried += 1
        record = known[number]
        text = {"email": record.email, "uuid": record.uuid, "qr": record.qr_code}[what]
        query = pad + (text.upper() if upper else text) + pad
        assert index.exact(query) == record
        assert index.search(query)[0].record == record

    check()
    scanned()
    print(f"\n[bad input] search box and scanner: {tried} inputs tried over {len(index)} attendees")
