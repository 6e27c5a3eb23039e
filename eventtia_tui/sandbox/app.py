"""The sandbox's ASGI app factory: a local Eventtia API v3 for the demo, the tests and training."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from . import routes_attendees, routes_b2b, routes_events, routes_workshops
from .context import MAX_BODY_BYTES, TOO_LARGE, Sandbox
from .db import Database
from .jsonapi import MAX_PAGE_SIZE, ApiError
from .seed import seed_demo

API_PREFIX = "/api/v3"
DEMO_TIMEZONE = "America/Bogota"


@dataclass
class Faults:
    """Knobs for fault and performance work; tests may change them while the app runs."""

    latency_ms: int = 0
    fail_rate: float = 0.0
    rng: random.Random = field(default_factory=random.Random)


@dataclass
class Variants:
    """What the reference leaves open, decided the other way (tests/gateway/test_server_variants.py): each flag serves one reading
    the app must survive. Tests may change them while the app runs."""

    pages_counted_on_asked: bool = False  # serve at most max_page_size, but links and total_pages on the size asked
    oversize_page_refused: bool = False  # a page[size] over max_page_size: 400 naming the maximum, not fewer served
    retry_after: bool = True  # a 429 names its wait (Retry-After)
    retry_after_seconds: int | None = None  # the wait a 429 names, whatever the window says
    write_answer: str = ""  # a write that succeeded answers 200 with this instead (WRITE_ANSWERS; "" as it is)
    listing_lags: bool = False  # the attendees listing still shows what was cancelled (a search index behind)
    refuse_next: int = 0  # the next this many requests are answered 429 (a storm), limit or not
    error_shape: str = "message"  # message, error, errors_list, errors_object, jsonapi, field_hash
    total_attendees_extra: int = 0  # meta.total_attendees counts this many the listing does not serve
    total_counts_archived: bool = False  # meta.total_attendees counts the archived and rejected too
    cancel_keeps_updated_at: bool = False  # a cancellation leaves updated_at as it was (no incremental sync sees it)


# What a write the reference shows no answer for (or a proxy) may say instead of the document: nothing proves it.
WRITE_ANSWERS: dict[str, bytes] = {"empty": b"", "{}": b"{}", "message": b'{"message": "OK"}', "true": b"true"}


ERROR_SHAPES = ("message", "error", "errors_list", "errors_object", "jsonapi", "field_hash")


def error_body(shape: str, status: int, message: str, field: str | None, reason: str | None) -> dict[str, Any]:
    """One refusal in one of the error body shapes a Rails JSON API answers with."""
    name, why = field or "base", reason or message
    if shape == "error":
        return {"error": message}
    if shape == "errors_list":
        return {"errors": [message]}
    if shape == "errors_object":
        return {"errors": {name: [why]}}
    if shape == "jsonapi":
        source = {"pointer": f"/data/attributes/{field}"} if field and "[" not in field else {"parameter": field}
        return {"errors": [{"status": str(status), "title": "Invalid request", "detail": why,
                            **({"source": source} if field else {})}]}
    if shape == "field_hash":
        return {name: [why]}
    return {"message": message}


@dataclass
class Limits:
    """The real API's limits: requests a minute per token (0 = none) and the largest page it serves.

    Also counts what it served and refused, for the tests and the benchmarks.
    """

    rate_limit: int = 0
    max_page_size: int = MAX_PAGE_SIZE
    clock: Callable[[], float] = time.time
    window: float = 60.0
    served: int = 0
    refused: int = 0
    paths: deque[str] = field(default_factory=lambda: deque(maxlen=10_000))  # the latest served
    _arrivals: dict[str, deque[float]] = field(default_factory=dict)

    def admit(self, caller: str) -> float | None:
        """None if the request may go ahead, else the seconds until it would be accepted."""
        if not self.rate_limit:
            return None
        now = self.clock()
        arrivals = self._arrivals.setdefault(caller, deque())
        while arrivals and arrivals[0] <= now - self.window:
            arrivals.popleft()
        if len(arrivals) >= self.rate_limit:
            return arrivals[0] + self.window - now
        arrivals.append(now)
        return None


def create_app(
    db_path: str | Path | None = None,
    *,
    attendees: int = 1200,
    seed: int = 42,
    latency_ms: int = 0,
    fail_rate: float = 0.0,
    start_date: date | None = None,
    clock: Callable[[], float] = time.time,
    rate_limit: int = 0,
    max_page_size: int = MAX_PAGE_SIZE,
) -> FastAPI:
    """Build the sandbox. A new or empty database is seeded; an existing one is reused as it is."""
    db = Database(db_path)
    if not db.is_seeded():
        seed_database(db, attendees=attendees, seed_number=seed, start_date=start_date, clock=clock)
    app = FastAPI(title="Eventtia API v3 sandbox", docs_url=None, redoc_url=None)
    app.state.sandbox = Sandbox(db=db, clock=clock)
    app.state.faults = Faults(latency_ms, fail_rate, random.Random(seed))
    app.state.limits = Limits(rate_limit, max(1, min(max_page_size, MAX_PAGE_SIZE)), clock)
    app.state.variants = Variants()
    for module in (routes_events, routes_attendees, routes_workshops, routes_b2b):
        app.include_router(module.router, prefix=API_PREFIX)
    install_handlers(app)
    app.add_middleware(BodyLimit)  # added last: the outermost, so it sees every request first
    return app


class BodyLimit:
    """413 at once for a request that declares a body over MAX_BODY_BYTES (a streamed body without a length
    is cut off as it is read: see context.read_body)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope["headers"]).get(b"content-length", b"")
            if declared.isdigit() and int(declared) > self.limit:
                await JSONResponse({"message": TOO_LARGE}, status_code=413)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def seed_database(db: Database, *, attendees: int, seed_number: int, start_date: date | None,
                  clock: Callable[[], float]) -> None:
    tz = ZoneInfo(DEMO_TIMEZONE)
    seed_demo(db, attendees=attendees, seed=seed_number, start_date=start_date,
              now=datetime.fromtimestamp(clock(), tz), tz=DEMO_TIMEZONE)


def install_handlers(app: FastAPI) -> None:
    @app.middleware("http")
    async def faults(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        limits: Limits = request.app.state.limits
        variants: Variants = request.app.state.variants
        wait = limits.admit(request.headers.get("authorization") or "anonymous")
        if variants.refuse_next > 0:
            variants.refuse_next -= 1
            wait = wait if wait is not None else limits.window
        if wait is not None:
            limits.refused += 1
            seconds = variants.retry_after_seconds if variants.retry_after_seconds is not None else max(1, math.ceil(wait))
            most = f": at most {limits.rate_limit} requests a minute" if limits.rate_limit else ""
            return JSONResponse({"message": f"Rate limit exceeded{most}. Try again later."},
                                status_code=429, headers={"Retry-After": str(seconds)} if variants.retry_after else {})
        limits.served += 1
        limits.paths.append(request.url.path)
        query = request.scope["query_string"]
        if variants.listing_lags and request.url.path.endswith("/attendees") and b"include_archived" not in query:
            request.scope["query_string"] = query + (b"&" if query else b"") + b"include_archived=true"
        knobs: Faults = request.app.state.faults
        if knobs.latency_ms:
            await asyncio.sleep(knobs.latency_ms / 1000)
        if knobs.fail_rate and knobs.rng.random() < knobs.fail_rate:
            return JSONResponse({"message": "Service temporarily unavailable, try again shortly."},
                                status_code=503, headers={"Retry-After": "1"})
        response = await call_next(request)
        if (variants.write_answer and request.method != "GET" and not request.url.path.endswith("/auth")
                and 200 <= response.status_code < 300):
            return Response(WRITE_ANSWERS[variants.write_answer], status_code=200, media_type="application/json")
        return response

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        shape = request.app.state.variants.error_shape
        return JSONResponse(error_body(shape, exc.status, exc.message, exc.field, exc.reason), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse({"message": f"Invalid request: {where} {first.get('msg', '')}".strip()}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = "ActiveRecord::RecordNotFound" if exc.status_code == 404 else str(exc.detail)
        return JSONResponse({"message": message}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"message": "Internal server error."}, status_code=500)
