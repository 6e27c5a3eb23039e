"""Hostile requests to the sandbox (issue 14): never a 500, a 413 for a body over 1 MiB, every error a
`{"message": ...}`. The reference's own input rules (400 malformed, 422 refused) are unchanged."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import quote

import httpx
import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventtia_tui.sandbox import API_PREFIX, create_app
from eventtia_tui.sandbox.context import MAX_BODY_BYTES, MAX_BODY_DEPTH
from tests.demo_expo import DEMO_START

pytestmark = pytest.mark.hostile

PROPERTY = settings(deadline=None, derandomize=True, database=None, max_examples=150,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
EXPO = "/events/demo-expo"


class Server:
    """One in-process sandbox for the module (its seeded ids looked up, not guessed), signed in."""

    def __init__(self) -> None:
        self.app = create_app(None, attendees=150, seed=42, start_date=DEMO_START)
        db = self.app.state.sandbox.db
        self.token = self.app.state.sandbox.issue_token(1, "demo@eventtia.test")
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app, raise_app_exceptions=False),
                                      base_url="http://sandbox" + API_PREFIX,
                                      headers={"Authorization": f"Bearer {self.token}"})
        self.attendee = db.scalar("SELECT min(id) FROM attendees WHERE event_id = 1001")
        self.conference = db.scalar("SELECT min(id) FROM business_conferences")
        self.ptype = db.scalar("SELECT min(id) FROM participant_types WHERE conference_id = ?", (self.conference,))
        self.hour = db.scalar("SELECT min(id) FROM unavailable_hours WHERE participant_type_id = ?", (self.ptype,))
        hours = f"{EXPO}/business_conferences/{self.conference}/business_conference_participant_types/{self.ptype}"
        self.writes = [
            ("POST", "/auth"),
            ("POST", f"{EXPO}/attendees/register"),
            ("PUT", f"{EXPO}/attendees/{self.attendee}/update_activities"),
            ("POST", f"{EXPO}/attendee_workshops"),
            ("DELETE", f"{EXPO}/attendee_workshops"),
            ("POST", f"{hours}/unavailable_hours"),
            ("PUT", f"{hours}/unavailable_hours/{self.hour}"),
        ]
        self.json_writes = self.writes[:5]  # the unavailable hours take their dates in the query
        self.reads = [
            "/events", "/events/slim", f"{EXPO}/attendees", f"{EXPO}/attendees/by_email", f"{EXPO}/workshops",
            f"{EXPO}/attendees/{self.attendee}/workshops", f"{EXPO}/business_conferences",
            f"{EXPO}/business_conferences/{self.conference}/business_conference_participants",
            f"{EXPO}/business_conferences/{self.conference}/business_conference_meetings",
        ]

    def send(self, method: str, path: str, content: bytes | None = None, query: str = "", **kwargs):
        headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
        response = self.loop.run_until_complete(
            self.http.request(method, path + (f"?{query}" if query else ""), content=content, headers=headers))
        assert response.status_code < 500, (method, path, query, content and content[:200], response.text)
        if response.status_code >= 400:
            assert isinstance(response.json()["message"], str)
        return response

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@pytest.fixture(scope="module")
def server():
    running = Server()
    yield running
    running.close()


@pytest.mark.parametrize("depth", [MAX_BODY_DEPTH + 1, 1_000, 100_000])
def test_json_nested_deep_is_a_400_on_every_write(server, depth):
    for nested in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        for method, path in server.json_writes:
            body = f'{{"attendee": {nested}}}'.encode()
            response = server.send(method, path, body)
            assert response.status_code == 400, (path, response.text)
            assert "nests deeper" in response.json()["message"]


def test_a_lone_surrogate_in_a_body_is_a_400(server):
    for method, path in server.json_writes:
        for body in (b'{"email": "\\ud800", "password": "x"}', b'{"attendee": {"first_name": "\\udfff"}}',
                     b'{"workshop_ids": "\\ud800", "workshop_id": "\\ud800", "start_date": "\\ud800"}',
                     b'{"\\ud800": 1}'):
            response = server.send(method, path, body)
            assert response.status_code == 400, (path, body, response.text)


def test_a_lone_surrogate_in_a_query_is_not_a_500(server):
    for method, path in [("GET", path) for path in server.reads] + server.writes:
        for value in ("%ED%A0%80", "%5Cud800", "\\ud800", "%00", "%FF"):
            server.send(method, path, query=f"first_name={value}&email={value}&name={value}&date={value}"
                                            f"&updated_date_time={value}&updated_since={value}"
                                            f"&start_date={value}&end_date={value}")


@pytest.mark.parametrize("day", ["9999-12-31", "31/12/9999", "0001-01-01", "01/01/0001"])
def test_the_first_and_last_days_a_date_can_be_are_empty_days(server, day):
    response = server.send("GET", f"{EXPO}/workshops", query=f"date={quote(day)}")
    assert response.status_code == 200 and response.json()["data"] == []


@pytest.mark.parametrize("subject", ["1" * 30, "9" * 19, "-1", "1e3", "٣"])
def test_a_validly_signed_token_with_a_subject_no_user_has_is_a_401(server, subject):
    claims = {"sub": subject, "email": "x@y.test", "iat": int(time.time()), "exp": int(time.time()) + 3600}
    token = jwt.encode(claims, server.app.state.sandbox.secret, algorithm="HS256")
    response = server.send("GET", "/events", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.json()["message"] == "Invalid token."


def test_a_body_over_the_limit_is_a_413_before_it_is_read(server):
    for method, path in server.writes:
        response = server.send(method, path, b" " * (MAX_BODY_BYTES + 1))
        assert response.status_code == 413
        assert "larger than 1024 KiB" in response.json()["message"]


def test_a_streamed_body_over_the_limit_is_cut_off(server):
    async def chunks():
        for _ in range(64):  # 4 MiB on offer, without a Content-Length
            yield b" " * 65536

    for method, path in server.json_writes:
        response = server.send(method, path, chunks())
        assert response.status_code == 413


def test_a_body_just_under_the_limit_gets_the_usual_answer(server):
    padding = " " * (MAX_BODY_BYTES - 200)
    body = f'{{"attendee": {{"attendee_type_id": 5001}}{padding}}}'.encode()
    assert len(body) <= MAX_BODY_BYTES
    response = server.send("POST", f"{EXPO}/attendees/register", body)
    assert response.status_code == 422  # the reference's rule: the missing names are refused, not the size


# Any JSON, with the values the real bodies hold drawn often, and the keys the routes read.
KEYS = ["attendee", "attendee_type_id", "first_name", "last_name", "email", "company", "telephone",
        "workshop_id", "attendee_id", "workshop_ids", "start_date", "end_date", "password", "custom_fields",
        "birthdate", "city_id"]
leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**18, max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from(["\ud800", "\x1b]0;t\x07", "5001", "1,2,3", "31/12/9999 - 23:59", "00/00/0000 - 25:61",
                     "10/12/2026 - 10:00", "a@b.test", "", " ", "9" * 40, "[/]"]))
json_values = st.recursive(leaves, lambda children: st.lists(children, max_size=3)
                           | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=4),
                           max_leaves=12)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), json_values, max_size=5),
    st.fixed_dictionaries({"attendee": st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)}),
    json_values)


@PROPERTY
@given(st.data(), bodies)
def test_any_json_body_on_any_write_is_never_a_500(server, data, body):
    method, path = data.draw(st.sampled_from(server.writes))
    server.send(method, path, json.dumps(body).encode())


@PROPERTY
@given(st.data(), st.binary(max_size=200))
def test_any_bytes_on_any_write_are_never_a_500(server, data, body):
    method, path = data.draw(st.sampled_from(server.writes))
    server.send(method, path, body)


QUERY_KEYS = ["start_date", "end_date", "page[number]", "page[size]", "include", "include_archived", "first_name", "email", "name",
              "date", "updated_date_time", "updated_since", "created_date_time", "in_the_future",
              "participant_type_id", "only_confirmed"]


@PROPERTY
@given(st.data(), st.lists(st.tuples(st.sampled_from(QUERY_KEYS) | st.text(max_size=5),
                                     st.text(max_size=30) | leaves.map(str)), max_size=4))
def test_any_query_string_anywhere_is_never_a_500(server, data, pairs):
    method, path = data.draw(st.sampled_from([("GET", path) for path in server.reads] + server.writes))
    query = "&".join(f"{quote(key.encode('utf-8', 'surrogatepass'))}={quote(value.encode('utf-8', 'surrogatepass'))}"
                     for key, value in pairs)
    server.send(method, path, query=query)
