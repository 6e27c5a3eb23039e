"""A replay of the API reference: every documented endpoint answers with the reference's literal example.

Nothing else is served: no filtering, no state. A list asked for a page after the first answers the same
document with empty `data` (the end of the list), so a client that pages until an empty page stops. Every
request is recorded, so a test can check it against what the reference documents for that endpoint. A
path the reference does not document answers 404 and is recorded as such.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .reference import Endpoint, endpoint, example, match

PREFIX = "/api/v3"
BASE_URL = "http://replay.test" + PREFIX
ACCOUNT = "email@example.org"  # the reference's own login example
EVENT = "test-event-1"  # the reference's curl examples use this event_uri
JOHN_QR = "288c22|John Doe|johndoe@eventtia.com|Eventtia - Developer|+57123456789"  # List of Attendees example
REGISTER = "/events/:event_uri/attendees/register"


@dataclass
class Sent:
    method: str
    path: str  # without /api/v3
    query: list[tuple[str, str]]
    body: Any
    endpoint: Endpoint | None


class ReferenceReplay:
    def __init__(self) -> None:
        self.sent: list[Sent] = []
        # Attendees cancelled "at another desk": still in the example, so listed with include_archived, but
        # left out of the default listing (the only difference the reference documents).
        self.archived_ids: set[str] = set()
        self.app = Starlette(routes=[Route(PREFIX + "/{rest:path}", self.answer,
                                           methods=["GET", "POST", "PUT", "DELETE", "PATCH"])])

    async def answer(self, request: Request) -> Response:
        path = "/" + request.path_params["rest"]
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        endpoint = match(request.method, path)
        self.sent.append(Sent(request.method, path, list(request.query_params.multi_items()), body, endpoint))
        if endpoint is None:
            return JSONResponse({"message": "ActiveRecord::RecordNotFound"}, status_code=404)
        if endpoint.example is None:  # documented without a response body (cancel): No Content
            return Response(status_code=204)
        document = example(endpoint.method, endpoint.path)
        page = request.query_params.get("page[number]", "1")
        if isinstance(document, dict) and isinstance(document.get("data"), list) and page != "1":
            document["data"] = []
        if endpoint.path == "/events/:event_uri/attendees" and request.query_params.get("include_archived") != "true":
            document["data"] = [item for item in document["data"] if item.get("id") not in self.archived_ids]
            document["meta"]["total_attendees"] = len(document["data"])
        return JSONResponse(document)

    def requests_to(self, method: str, path: str) -> list[Sent]:
        return [s for s in self.sent if s.endpoint is not None and (s.endpoint.method, s.endpoint.path) == (method, path)]


def check_requests(replay: ReferenceReplay) -> None:
    """Every request went to a documented endpoint with only documented parameters, where documented."""
    assert replay.sent
    for sent in replay.sent:
        where = f"{sent.method} {sent.path}"
        assert sent.endpoint is not None, f"{where} is not in the reference"
        assert {name for name, _ in sent.query} <= sent.endpoint.query, where
        if sent.endpoint.path == REGISTER:
            check_register_body(sent.body)
        elif sent.body is not None:
            assert set(sent.body) <= sent.endpoint.body, where


def check_register_body(body: dict) -> None:
    """Shaped as the reference's request example: the attendee's own fields inside "attendee"; country,
    region, city, workshops and purchase items beside it."""
    documented = endpoint("POST", REGISTER)
    example = documented.request_example
    beside = set(example) - {"attendee"}
    assert set(body) - {"attendee"} <= beside
    assert set(body["attendee"]) <= documented.body - beside
