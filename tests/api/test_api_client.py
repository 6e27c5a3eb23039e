"""EventtiaClient against a tiny real ASGI app (no mocks): error mapping, retries, pagination, bodies."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import httpx
import pytest
import reference_examples as ref
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from eventtia_tui.api import (
    ApiError,
    Attendee,
    AuthError,
    EventtiaClient,
    Forbidden,
    Invalid,
    NotFound,
    Page,
    RateLimited,
    RetryPolicy,
    TicketStat,
    Unavailable,
    write_date,
)
from eventtia_tui.api.client import _path

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl-token-value"
PASSWORD = "correct horse battery staple"
ERROR_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"
ITEMS = 250


class Server:
    """A tiny stand-in for the API, recording what it was sent."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.bodies: list[tuple[str, str, object]] = []
        self.pages: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.app = self._build()

    def count(self, name: str) -> int:
        self.calls[name] = self.calls.get(name, 0) + 1
        return self.calls[name]

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.post("/api/v3/auth")
        async def auth(request: Request):
            body = await request.json()
            if body == {"email": "demo@eventtia.test", "password": PASSWORD}:
                return {"auth_token": TOKEN, "username": "Demo"}
            return JSONResponse(ref.LOGIN_401, status_code=401)

        @app.get("/api/v3/events/{uri}")
        async def event(uri: str, request: Request):
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                return JSONResponse({"message": "Not authenticated"}, status_code=401)
            if uri == "secret":
                return JSONResponse({"message": "You cannot see this event."}, status_code=403)
            if uri != "firsttest":
                return JSONResponse(ref.NOT_FOUND_404, status_code=404)
            return ref.EVENT

        @app.get("/api/v3/events/{uri}/tickets-stats")
        async def stats(uri: str):
            return ref.TICKETS_STATS

        @app.get("/api/v3/status/{code}")
        async def status(code: int):
            return JSONResponse({"message": f"server says {code}"}, status_code=code)

        @app.get("/api/v3/html")
        async def html():
            return HTMLResponse(ERROR_PAGE, status_code=502)

        @app.get("/api/v3/portal")
        async def portal():
            return HTMLResponse("<html>Please accept the Wi-Fi terms</html>", status_code=200)

        @app.get("/api/v3/flaky")
        async def flaky():
            if self.count("flaky") < 3:
                return JSONResponse({"message": "busy"}, status_code=503, headers={"Retry-After": "2"})
            return {"data": [], "meta": {"total_pages": 0}}

        @app.get("/api/v3/down")
        async def down():
            self.count("down")
            return Response(status_code=503)

        @app.get("/api/v3/later")
        async def later():
            self.count("later")
            return JSONResponse({"message": "maintenance"}, status_code=503, headers={"Retry-After": "3600"})

        @app.get("/api/v3/throttled")
        async def throttled():
            if self.count("throttled") == 1:
                return JSONResponse({}, status_code=429, headers={"Retry-After": "1"})
            return {"data": []}

        @app.post("/api/v3/events/{uri}/attendees/register")
        async def register(uri: str, request: Request):
            self.count("register")
            self.bodies.append(("POST", request.url.path, await request.json()))
            return Response(status_code=503)

        @app.api_route("/api/v3/events/{uri}/{rest:path}", methods=["POST", "PUT", "DELETE"])
        async def echo(uri: str, rest: str, request: Request):
            body = await request.json() if await request.body() else None
            self.bodies.append((request.method, request.url.path, body))
            if rest.endswith("/cancel"):
                return Response(status_code=204)
            if "unavailable_hours" in rest:
                return ref.UNAVAILABLE_HOUR_CREATED
            if rest.endswith("update_activities"):
                return ref.ATTENDEE
            return ref.ATTENDEE_WORKSHOP_CREATED

        @app.get("/api/v3/items")
        @app.get("/api/v3/events/{uri}/attendees")
        async def items(request: Request):
            number = int(request.query_params.get("page[number]", 1))
            size = int(request.query_params.get("page[size]", 24))
            self.pages.append(number)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            await asyncio.sleep(0.002 * (number % 3))  # pages finish out of order
            self.in_flight -= 1
            if request.query_params.get("fail") == str(number):
                return JSONResponse(ref.NOT_FOUND_404, status_code=404)
            ids = range((number - 1) * size + 1, min(number * size, ITEMS) + 1)
            data = [{"id": str(i), "type": "attendees", "attributes": {"qr_code": f"u{i}|Name {i}|n{i}@x.org||"}}
                    for i in ids]
            total_pages = -(-ITEMS // size)
            if request.query_params.get("style") == "links":  # no meta, only a next link
                nxt = f"/items?page[number]={number + 1}" if number < total_pages else None
                return {"data": data, "links": {"next": nxt}}
            return {"data": data, "meta": {"total_pages": total_pages, "total_attendees": ITEMS,
                                           "filter": request.query_params.get("include_archived")}}

        return app


@pytest.fixture
def server() -> Server:
    return Server()


class Sleeps(list):
    """Records the retry delays instead of waiting them out."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def client(server, sleeps):
    retry = RetryPolicy(attempts=3, base_delay=0.01, max_delay=10.0, sleep=sleeps)
    async with EventtiaClient("http://api.test/api/v3", transport=httpx.ASGITransport(app=server.app),
                              retry=retry) as api:
        yield api


# Errors ------------------------------------------------------------------------------------------------


async def test_login_keeps_the_token_and_wrong_password_is_an_auth_error(client):
    with pytest.raises(AuthError) as caught:
        await client.login("demo@eventtia.test", "wrong")
    assert caught.value.status == 401 and caught.value.message == "Wrong username or password."
    assert client.token is None
    assert await client.login("demo@eventtia.test", PASSWORD) == TOKEN
    assert client.token == TOKEN and client.username == "Demo"
    event = await client.get_event("firsttest")
    assert event.name == "FirstTest" and event.id == "54321"


async def test_missing_token_is_401(client):
    with pytest.raises(AuthError) as caught:
        await client.get_event("firsttest")
    assert caught.value.status == 401 and caught.value.message == "Not authenticated"


async def test_403_and_404(client):
    client.token = TOKEN
    with pytest.raises(Forbidden) as forbidden:
        await client.get_event("secret")
    assert forbidden.value.status == 403 and forbidden.value.message == "You cannot see this event."
    with pytest.raises(NotFound) as missing:
        await client.get_event("nope")
    assert missing.value.status == 404 and missing.value.message == "The requested record was not found."


@pytest.mark.parametrize(("code", "kind"), [(400, Invalid), (422, Invalid), (409, ApiError), (500, Unavailable)])
async def test_status_codes(client, code, kind):
    with pytest.raises(kind) as caught:
        await client.request("GET", "status/%d" % code)
    assert caught.value.status == code and caught.value.message == f"server says {code}"


async def test_html_error_page_becomes_a_sentence(client, sleeps):
    with pytest.raises(Unavailable) as caught:
        await client.request("GET", "html")
    assert caught.value.status == 502 and "<" not in caught.value.message
    assert caught.value.message.startswith("Eventtia had a problem")
    assert len(sleeps) == 2  # a GET was tried three times


async def test_html_with_200_is_not_taken_for_data(client):
    with pytest.raises(Unavailable) as caught:
        await client.request("GET", "portal")
    assert "not valid JSON" in caught.value.message


async def test_connection_refused_is_unavailable():
    async with EventtiaClient("http://127.0.0.1:9/api/v3", retry=RetryPolicy(attempts=1)) as api:
        with pytest.raises(Unavailable) as caught:
            await api.get_event("x")
    assert caught.value.status is None and caught.value.may_have_applied is False
    assert "Cannot reach" in caught.value.message


class TimingOut(httpx.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)


async def test_timeout_is_unavailable_and_may_have_applied():
    async with EventtiaClient("http://api.test/api/v3", transport=TimingOut(), retry=RetryPolicy(attempts=1)) as api:
        with pytest.raises(Unavailable) as caught:
            await api.register_attendee("demo-expo", {"email": "x@y.z"})
    assert caught.value.may_have_applied and "in time" in caught.value.message


# Retries -----------------------------------------------------------------------------------------------


async def test_get_retries_honouring_retry_after(client, server, sleeps):
    await client.request("GET", "flaky")
    assert server.calls["flaky"] == 3 and sleeps == [2.0, 2.0]


async def test_backoff_grows_exponentially_with_jitter(client, server, sleeps):
    with pytest.raises(Unavailable) as caught:
        await client.request("GET", "down")
    assert server.calls["down"] == 3 and caught.value.status == 503
    first, second = sleeps
    assert 0.01 <= first <= 0.015 and 0.02 <= second <= 0.03


async def test_too_long_retry_after_is_not_waited_for(client, server, sleeps):
    with pytest.raises(Unavailable) as caught:
        await client.request("GET", "later")
    assert server.calls["later"] == 1 and sleeps == [] and caught.value.retry_after == 3600


async def test_rate_limited_is_retried(client, server, sleeps):
    await client.request("GET", "throttled")
    assert server.calls["throttled"] == 2 and sleeps == [1.0]
    assert issubclass(RateLimited, Unavailable)


async def test_writes_are_never_retried(client, server, sleeps):
    with pytest.raises(Unavailable) as caught:
        await client.register_attendee("demo-expo", {"first_name": "Zoë", "email": "zoe@example.org"})
    assert server.calls["register"] == 1 and sleeps == []
    assert caught.value.may_have_applied is False  # a 503 did nothing: safe to resend later
    assert server.bodies == [("POST", "/api/v3/events/demo-expo/attendees/register",
                              {"attendee": {"first_name": "Zoë", "email": "zoe@example.org"}})]


# Pagination --------------------------------------------------------------------------------------------


async def test_get_page_sends_page_params(client, server):
    document = await client.get_page("items", {"include_archived": True}, page=2, size=100)
    assert [r.id for r in document.data][:2] == ["101", "102"] and len(document.data) == 100
    assert document.total_pages == 3 and document.meta["filter"] == "true"


async def test_get_all_fetches_every_page_in_order_with_bounded_concurrency(client, server):
    progress: list[tuple[int, int]] = []
    resources = await client.get_all("items", size=10, concurrency=3,
                                     on_progress=lambda done, total: progress.append((done, total)))
    assert [r.id for r in resources] == [str(i) for i in range(1, ITEMS + 1)]
    assert sorted(server.pages) == list(range(1, 26)) and server.pages[0] == 1
    assert server.max_in_flight <= 3
    assert progress[0] == (1, 25) and progress[-1] == (25, 25) and len(progress) == 25


async def test_get_all_follows_next_links_without_meta(client):
    resources = await client.get_all("items", {"style": "links"}, size=100)
    assert len(resources) == ITEMS and resources[-1].id == str(ITEMS)


async def test_get_all_raises_the_first_failure(client):
    with pytest.raises(NotFound):
        await client.get_all("items", {"fail": 7}, size=10, concurrency=4)


async def test_typed_lists_fetch_one_page_or_all(client, server):
    page = await client.list_attendees("demo-expo", page=2, size=10, include_archived=True)
    assert [a.id for a in page] == [str(i) for i in range(11, 21)] and page.total_pages == 25
    assert page.has_next is False and page.meta["filter"] == "true"  # (this server sends no links)
    assert isinstance(page.items[0], Attendee) and page.items[0].full_name == "Name 11"
    server.pages.clear()
    everything = await client.list_attendees("demo-expo", page=None)
    assert len(everything) == ITEMS == everything.meta["total_attendees"]
    assert sorted(server.pages) == [1, 2, 3]  # every page, at the default size of 100


async def test_collect_merges_pages_into_one_document(client):
    document = await client.collect("items", size=50)
    page = Page.of(document, Attendee)
    assert len(page) == ITEMS and page.items[0].full_name == "Name 1" and page.items[-1].email == "n250@x.org"
    assert page.meta["total_attendees"] == ITEMS and page.total_pages == 5  # page 1's meta


# Request bodies ----------------------------------------------------------------------------------------


async def test_write_bodies(client, server):
    link = await client.add_attendee_workshop("demo-expo", "1234567", "123456")
    assert link.workshop_id == "123456" and link.attendee_id == "1234567"
    await client.remove_attendee_workshop("demo-expo", "1234567", "123456")
    updated = await client.update_activities("demo-expo", "12", ["3", "4", "5"])
    assert isinstance(updated, Attendee) and updated.id == "12344656"
    assert await client.cancel_attendee("demo-expo", "12") is None  # 204, no body
    hour = await client.create_unavailable_hour("demo-expo", "1", "2", datetime(2023, 2, 11, 9, 0),
                                                datetime(2023, 2, 11, 11, 0))
    assert hour.id == "1234"
    await client.delete_unavailable_hour("demo-expo", "1", "2", "1234")
    assert server.bodies == [
        ("POST", "/api/v3/events/demo-expo/attendee_workshops", {"workshop_id": 123456, "attendee_id": 1234567}),
        ("DELETE", "/api/v3/events/demo-expo/attendee_workshops", {"workshop_id": 123456, "attendee_id": 1234567}),
        ("PUT", "/api/v3/events/demo-expo/attendees/12/update_activities", {"workshop_ids": "3,4,5"}),
        ("PUT", "/api/v3/events/demo-expo/attendees/12/cancel", None),
        # The reference lists start_date and end_date as query parameters (see test_replay_api too).
        ("POST", "/api/v3/events/demo-expo/business_conferences/1/business_conference_participant_types/2/"
                 "unavailable_hours", None),
        ("DELETE", "/api/v3/events/demo-expo/business_conferences/1/business_conference_participant_types/2/"
                   "unavailable_hours/1234", None),
    ]


def test_write_date_format():
    assert write_date(datetime(2020, 12, 10, 1, 0)) == "10/12/2020 - 01:00"
    assert write_date(datetime(2020, 8, 14, 23, 0, 5), seconds=True) == "14/08/2020 - 23:00:05"


def test_path_segments_are_escaped():
    assert _path("events", "../a b", "attendees", "7") == "events/..%2Fa%20b/attendees/7"


async def test_tickets_stats_are_models(client):
    stats = await client.tickets_stats("firsttest")
    assert [type(s) for s in stats] == [TicketStat, TicketStat] and stats[1].unlimited


async def test_secrets_are_never_logged_or_shown(client, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as caught:
        await client.login("demo@eventtia.test", PASSWORD + "x")
    await client.login("demo@eventtia.test", PASSWORD)
    await client.get_event("firsttest")
    with pytest.raises(Unavailable):
        await client.request("GET", "down")
    assert caplog.records  # something was logged...
    for secret in (TOKEN, PASSWORD):  # ...but no secret
        assert secret not in caplog.text and secret not in repr(client) and secret not in str(caught.value)
