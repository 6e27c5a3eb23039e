"""Bad input from a broken network: malformed and partial payloads through the client give a typed error with a
sentence, or a tolerant parse."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, Response

from eventtia_tui.api import (
    Attendee,
    EventtiaClient,
    Invalid,
    RetryPolicy,
    Unavailable,
    Workshop,
)
from eventtia_tui.api.errors import Malformed
from tests.demo_expo import EXPO

pytestmark = pytest.mark.hostile


async def no_sleep(_: float) -> None:
    return None


# (test_api_client.py, test_api_errors_tokens.py and test_api_models.py cover: HTML 502 page, 200 HTML portal,
# status → typed error, garbage models and documents.)


def payload_app() -> FastAPI:
    app = FastAPI()
    attendee = {"id": "7", "type": "attendees", "attributes": {"uuid": "u7", "fields": {}, "status": "confirmed"}}
    documents = {
        "missing-data": {"meta": {"total_pages": 1}},
        "null-data": {"data": None},
        "data-is-a-string": {"data": "attendees"},
        "null-attributes": {"data": {"id": "7", "type": "attendees", "attributes": None}},
        "wrong-types": {"data": {"id": ["7"], "type": 5, "attributes": {"uuid": 7, "fields": [], "status": {"x": 1},
                                                                        "checked_in": "maybe"}}},
        "ok": {"data": attendee},
        "list-of-nulls": {"data": [None, None], "meta": {"total_pages": "two"}},
        "empty-object": {},
        "json-null": None,
    }

    @app.get("/api/v3/doc/{name}")
    async def doc(name: str):
        return JSONResponse(documents[name])

    @app.get("/api/v3/truncated")
    async def truncated():
        return Response(b'{"data": [{"id": "1", "type": "attendees", "attri', media_type="application/json")

    @app.get("/api/v3/html502")
    async def html502():
        return HTMLResponse("<html><body><h1>502 Bad Gateway</h1></body></html>", status_code=502)

    @app.get("/api/v3/error/{status}")
    async def error(status: int):
        return Response(b'{"message": "cut sho', status_code=status, media_type="application/json")

    @app.get("/api/v3/events/{uri}/tickets-stats")
    async def stats(uri: str):
        return JSONResponse({"unexpected": "object"} if uri == "object" else [None, 1, {"name": None}])

    @app.post("/api/v3/events/{uri}/attendees/register")
    async def register(uri: str):
        return JSONResponse({"data": None})

    return app


@pytest.fixture
async def payload_client():
    async with EventtiaClient("http://api.test/api/v3", "token", transport=httpx.ASGITransport(app=payload_app()),
                              retry=RetryPolicy(attempts=1, base_delay=0, sleep=no_sleep)) as api:
        yield api


async def test_a_listing_with_odd_records_parses_tolerantly(payload_client):
    page = await payload_client._list("doc/list-of-nulls", Attendee, None, 1, None)
    assert isinstance(page.items, list)
    assert all(isinstance(item, Attendee) for item in page.items)


@pytest.mark.parametrize("name", ["missing-data", "null-data", "data-is-a-string", "null-attributes", "wrong-types",
                                  "empty-object", "json-null"])
async def test_a_listing_that_is_not_one_is_malformed_never_an_empty_page(payload_client, name):
    # Not the document Eventtia sends for a listing (a middlebox's {}, a single record): it never replaces a
    # cached list with an empty one (issue 14).
    with pytest.raises(Malformed):
        await payload_client._list(f"doc/{name}", Attendee, None, 1, None)


async def test_a_record_with_wrong_types_keeps_what_it_can(payload_client):
    assert (await payload_client._required("GET", "doc/null-attributes", Attendee, "attendees")).id == "7"
    with pytest.raises(Malformed):  # neither the type nor an id Eventtia would send
        await payload_client._required("GET", "doc/wrong-types", Attendee, "attendees")


async def test_a_single_record_missing_is_malformed(payload_client):
    with pytest.raises(Malformed) as caught:
        await payload_client._required("GET", "doc/null-data", Workshop, "workshops")
    assert caught.value.message.endswith(".")
    with pytest.raises(Malformed):  # a write answered without its record is not known to have landed
        await payload_client.register_attendee(EXPO, {"first_name": "A"})


async def test_truncated_json_and_html_502_are_unavailable_with_a_sentence(payload_client):
    for path in ("truncated", "html502"):
        with pytest.raises(Unavailable) as caught:
            await payload_client.request("GET", path)
        assert caught.value.message.endswith(".") and "<" not in caught.value.message


@pytest.mark.parametrize(("status", "kind"), [(400, Invalid), (422, Invalid), (500, Unavailable), (502, Unavailable)])
async def test_truncated_error_bodies_still_give_a_typed_error(payload_client, status, kind):
    with pytest.raises(kind) as caught:
        await payload_client.request("GET", f"error/{status}")
    assert caught.value.status == status and caught.value.message and "cut sho" not in caught.value.message


async def test_tickets_stats_of_the_wrong_shape(payload_client):
    with pytest.raises(Malformed):
        await payload_client.tickets_stats("object")
    stats = await payload_client.tickets_stats("list")
    assert all(stat.name is None or isinstance(stat.name, str) for stat in stats)
