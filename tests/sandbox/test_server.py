"""Whole-server behaviour: persistence, the fault knobs, and no 500 for bad input."""

import time

import httpx
import pytest

from eventtia_tui.sandbox import create_app
from tests.demo_expo import BASE_URL, DEMO_START


def signed_in(app) -> httpx.AsyncClient:
    app.state.sandbox.db.one("SELECT 1")
    token = app.state.sandbox.issue_token(1, "demo@eventtia.test")
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL,
                             headers={"Authorization": f"Bearer {token}"})


async def test_an_existing_database_is_reused(tmp_path):
    path = tmp_path / "sandbox.sqlite3"
    first = create_app(path, attendees=150, start_date=DEMO_START)
    async with signed_in(first) as client:
        body = {"attendee": {"attendee_type_id": 5001, "first_name": "Persisted", "last_name": "One", "email": "p@one.test"}}
        assert (await client.post("/events/demo-expo/attendees/register", json=body)).status_code == 200
    first.state.sandbox.db.close()
    second = create_app(path, attendees=5000, start_date=DEMO_START)
    async with signed_in(second) as client:
        found = await client.get("/events/demo-expo/attendees/by_email", params={"email": "p@one.test"})
        assert found.status_code == 200
        total = (await client.get("/events/demo-expo/attendees", params={"include_archived": "true"})).json()
        assert total["meta"]["total_attendees"] == 151


async def test_same_seed_gives_the_same_people():
    def people(app):
        db = app.state.sandbox.db
        return [tuple(r) for r in db.all("SELECT uuid, first_name, last_name, email, status FROM attendees ORDER BY id")]

    assert people(create_app(None, attendees=200, seed=7)) == people(create_app(None, attendees=200, seed=7))
    assert people(create_app(None, attendees=200, seed=7)) != people(create_app(None, attendees=200, seed=8))


async def test_fail_rate_answers_503_with_retry_after(sandbox_app, api):
    sandbox_app.state.faults.fail_rate = 1.0
    response = await api.get("/events")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json()["message"]
    sandbox_app.state.faults.fail_rate = 0.0
    assert (await api.get("/events")).status_code == 200


async def test_latency_delays_responses(sandbox_app, api):
    sandbox_app.state.faults.latency_ms = 120
    started = time.perf_counter()
    await api.get("/events/demo-expo/tickets-stats")
    assert time.perf_counter() - started >= 0.12


@pytest.mark.parametrize(("method", "path", "kwargs"), [
    ("GET", "/events/demo-expo/attendees", {"params": {"updated_date_time": "\x00"}}),
    ("GET", "/events/demo-expo/attendees", {"params": {"page[number]": "1e9"}}),
    ("GET", "/events/demo-expo/workshops", {"params": {"date": "soon"}}),
    ("POST", "/events/demo-expo/attendees/register", {"json": {"attendee": {"attendee_type_id": [1]}}}),
    ("POST", "/events/demo-expo/attendees/register", {"json": {"attendee": {"attendee_type_id": 5001, "first_name": {"a": 1}}}}),
    ("POST", "/events/demo-expo/attendees/register", {"json": {"attendee": {"attendee_type_id": 5001, "custom_fields": [1]}}}),
    ("POST", "/events/demo-expo/attendee_workshops", {"content": b"\xff\xfe"}),
    ("PUT", "/events/demo-expo/attendees/12000001/update_activities", {"json": {"workshop_ids": {"x": 1}}}),
    ("GET", "/events/demo-expo/business_conferences/16758/business_conference_participants", {"params": {"participant_type_id": "x"}}),
    ("GET", "/no/such/route", {}),
])
async def test_bad_input_never_gets_a_500(api, method, path, kwargs):
    response = await api.request(method, path, **kwargs)
    assert 400 <= response.status_code < 500, response.text
    assert isinstance(response.json()["message"], str)
