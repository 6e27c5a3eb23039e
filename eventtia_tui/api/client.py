"""`EventtiaClient`: one httpx.AsyncClient speaking the Eventtia API v3 (or the sandbox).

Reads retry on `Unavailable` with exponential backoff and jitter, honouring Retry-After; writes are
never retried here (the action layer decides, using `Unavailable.may_have_applied`). The token and the
password are never logged and never part of an error.

Every exchange has an overall deadline (a server dripping its answer byte by byte never trips a read
timeout), and every answer must have the shape the reference shows for it: anything else (a middlebox's
`200 {}`, a captive portal's HTML, a body cut short) is `Malformed`, which is `Unavailable` — a read keeps
its cached copy, a write is not known to have landed.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, TypeVar, overload
from urllib.parse import quote

import httpx

from ..text import decode_json
from .budget import LANE, Lane, RequestBudget
from .errors import ApiError, Invalid, Malformed, RateLimited, TooSlow, Unavailable, error_for, too_many
from .jsonapi import Document, Page, Resource
from .models import (
    ApiModel,
    Attendee,
    AttendeeType,
    AttendeeWorkshop,
    BusinessConference,
    Event,
    Meeting,
    Participant,
    ParticipantAgenda,
    ParticipantType,
    TicketStat,
    UnavailableHour,
    Workshop,
)
from .paging import PageSizes, total_items

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://connect.eventtia.com/api/v3"
DEFAULT_PAGE_SIZE = 24
MAX_PAGE_SIZE = 100
USER_AGENT = "eventtia-tui/0.1"
RATE_LIMIT_ATTEMPTS = 4  # a 429 is waited out and resent this many times at most
# The longest Retry-After each lane waits out; a longer one is reported at once ("Eventtia asks to wait 10 min"):
# the desk's lookups are served from the copy and its writes queued meanwhile, a sync stops and says so.
PATIENCE: dict[Lane, float] = {"interactive": 10.0, "background": 120.0}
DEADLINE = 10.0  # seconds for one whole exchange (connect, send, the full answer), whatever the timeouts
TIMEOUT = httpx.Timeout(8.0, connect=4.0)  # per phase: an unreachable host is known to be so in 4 s

M = TypeVar("M", bound=ApiModel)
_EXCHANGES = itertools.count()
ATTENDEE_WORKSHOPS = "attendee_workshops"
UNAVAILABLE_HOURS = "business_conference_participant_type_unavailable_hours"
REGISTER_BESIDE = ("country_id", "region_id", "city_id", "workshops", "purchase_items")  # beside "attendee"
Progress = Callable[[int, int], None]
Params = Mapping[str, Any]


@dataclass(frozen=True)
class RetryPolicy:
    """How reads are retried. Tests pass `base_delay=0` or their own `sleep` to stay fast."""

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 10.0
    jitter: float = 0.5
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry number `attempt`, or None when the server asks for too long a wait."""
        if retry_after is not None:
            return retry_after if retry_after <= self.max_delay else None
        backoff = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return backoff * (1 + self.jitter * random.random())


NO_RETRY = RetryPolicy(attempts=1)


def write_date(moment: datetime, *, seconds: bool = False) -> str:
    """The request date format of the reference, `dd/mm/yyyy - HH:MM[:SS]`, as wall-clock time.

    The server reads it in the event's time zone: convert an aware datetime to that zone first.
    """
    return moment.strftime("%d/%m/%Y - %H:%M:%S" if seconds else "%d/%m/%Y - %H:%M")


class EventtiaClient:
    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        token: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout = TIMEOUT,
        deadline: float = DEADLINE,
        retry: RetryPolicy = RetryPolicy(),
        budget: RequestBudget | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.retry = retry
        self.deadline = deadline
        self.answered_at = 0.0  # time.monotonic() of the last HTTP answer of any status (0: none yet)
        self._exchanges: dict[int, float] = {}  # exchanges on the wire (past the budget) → when they started
        self.budget = budget or RequestBudget(0)
        self.username: str | None = None
        self.paging = PageSizes(MAX_PAGE_SIZE)  # what this server serves a page, as learned
        self._transport, self._timeout = transport, timeout
        self._connection: httpx.AsyncClient | None = None  # made by the first request (`_http`)
        self._closed = False

    @property
    def _http(self) -> httpx.AsyncClient:
        """httpx's client, made at the first request: making one loads the certificates TLS checks against
        (40–60 ms on a busy 2-core host), which the app's start-up → searchable does not need."""
        if self._connection is None:
            if self._closed:
                raise RuntimeError("Cannot send a request, as the client has been closed.")  # as httpx says
            self._connection = httpx.AsyncClient(
                base_url=self.base_url + "/",
                transport=self._transport,
                timeout=self._timeout,
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            )
        return self._connection

    @_http.setter
    def _http(self, connection: httpx.AsyncClient) -> None:
        self._connection = connection

    def __repr__(self) -> str:
        return f"EventtiaClient({self.base_url!r}, logged_in={self.token is not None})"

    async def __aenter__(self) -> EventtiaClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._closed = True
        if self._connection is not None:
            await self._connection.aclose()

    # Transport ---------------------------------------------------------------------------------------

    async def request(self, method: str, path: str, *, params: Params | None = None, json: Any = None,
                      decode: bool = True) -> Any:
        """Send one request and return the decoded JSON body (None when empty); GETs are retried.
        `decode=False`: the body's bytes, as they came (a big sync's pages are decoded in another process).

        A 429 did nothing on the server, so any request is resent after its Retry-After.
        """
        attempts = max(1, self.retry.attempts) if method == "GET" else 1
        attempt = limited = 0
        while True:
            attempt += 1
            try:
                return await self._send(method, path, params, json, decode)
            except RateLimited as error:
                limited += 1
                wait = self._rate_limited(error, LANE.get(), last=limited >= RATE_LIMIT_ATTEMPTS)
                log.info("%s %s refused for the rate limit; resent in %.1fs", method, path, wait)
                attempt -= 1
                if not self.budget.enabled:
                    await self.retry.sleep(wait)  # else acquire() waits it out
            except Unavailable as error:
                retry = attempt < attempts and error.retryable
                delay = self.retry.delay(attempt, error.retry_after) if retry else None
                if delay is None:
                    raise
                log.info("%s %s unavailable (%s); retry %d in %.2fs", method, path, error.status, attempt, delay)
                await self.retry.sleep(delay)

    def _rate_limited(self, error: RateLimited, lane: Lane, last: bool) -> float:
        """The seconds to hold `lane` back after a 429 (raises it when not worth waiting for). With Retry-After,
        every lane waits what the server asked, and a lane asked to wait past its PATIENCE gets the error at
        once; without it, only this lane backs off (from a second, doubling, with jitter)."""
        if error.retry_after is None:
            wait = self.budget.back_off(lane)
            if last:
                raise error
            return wait
        wait = error.retry_after
        self.budget.pause(wait)
        if wait > PATIENCE[lane]:
            raise RateLimited(too_many(wait), error.status, may_have_applied=False, retry_after=wait) from None
        if last:
            raise error
        return wait

    async def _send(self, method: str, path: str, params: Params | None, body: Any, decode: bool = True) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        query = _query(params or {})
        self.budget.use_token(self.token)
        lane = LANE.get()
        if (held := self.budget.paused_for()) > PATIENCE[lane]:  # not sent: the server would refuse it
            raise RateLimited(too_many(held), 429, may_have_applied=False, retry_after=held)
        ticket = await self.budget.acquire()
        started = time.perf_counter()
        exchange = next(_EXCHANGES)
        self._exchanges[exchange] = time.monotonic()
        try:
            async with asyncio.timeout(self.deadline):
                response = await self._http.request(
                    method, path.lstrip("/"), params=query, headers=headers,
                    **({"json": body} if body is not None else {}),
                )
        except TimeoutError:
            raise TooSlow(f"Eventtia did not finish answering within {self.deadline:g} s (a bad connection?).",
                          None) from None
        except httpx.TimeoutException as error:
            # A connect timeout never reached the server; a read timeout may have changed something.
            raise Unavailable(
                "Eventtia did not answer in time. Check the network and try again.", None,
                may_have_applied=not isinstance(error, (httpx.ConnectTimeout, httpx.PoolTimeout)),
            ) from None
        except httpx.ConnectError:
            raise Unavailable("Cannot reach the Eventtia server. Check the network connection.", None,
                              may_have_applied=False) from None
        except httpx.TransportError:
            raise Unavailable("The connection to Eventtia was interrupted. Please try again.", None) from None
        finally:
            self._exchanges.pop(exchange, None)
            self.budget.release(ticket)
        self.answered_at = time.monotonic()
        if response.status_code != 429:
            self.budget.accepted(lane)
        log.debug("%s %s -> %d in %.0f ms", method, path, response.status_code,
                  (time.perf_counter() - started) * 1000)
        if not response.is_success:
            raise error_for(response.status_code, response.content, response.headers.get("Retry-After"))
        if response.status_code == 204:
            return None
        if not decode:
            return response.content
        try:
            payload = decode_json(response.content)  # control characters neutralised here, once
        except ValueError:
            # A captive portal or proxy page, or a body cut short: not something we can use.
            raise Malformed("The server sent a response that is not valid JSON (a proxy or captive portal?).",
                            response.status_code) from None
        if method == "GET" and not (isinstance(payload, list) or isinstance(payload, dict)
                                    and isinstance(payload.get("data"), (list, dict))):
            raise Malformed(status=response.status_code)  # every read answers a JSON:API document (or a list)
        return payload

    def waiting_for(self) -> float:
        """Seconds the oldest request on the wire has gone unanswered (0 when none is): waiting for a
        budget slot does not count, only for Eventtia."""
        return time.monotonic() - min(self._exchanges.values()) if self._exchanges else 0.0

    async def probe(self) -> None:
        """The cheapest authenticated request: one event of the account's first page."""
        await self.request("GET", "events", params={"page[number]": 1, "page[size]": 1})

    # Pagination --------------------------------------------------------------------------------------

    async def page(self, path: str, params: Params | None, number: int, size: int, *, decode: bool = True) -> Any:
        """One page of a listing, asked at `size` or the smaller size the server is known to serve; a refusal
        that names the page size is asked again at the size it names (see paging.PageSizes)."""
        while True:
            asked = self.paging.ask(size)
            try:
                return await self.request("GET", path, params={**(params or {}), "page[number]": number,
                                                               "page[size]": asked}, decode=decode)
            except Invalid as error:
                smaller = self.paging.refused(error, asked)
                if smaller is None:
                    raise
                log.info("GET %s refused page[size]=%d; asked again at %d", path, asked, smaller)

    async def get_page(self, path: str, params: Params | None = None, page: int = 1,
                       size: int = DEFAULT_PAGE_SIZE) -> Document:
        payload = await self.page(path, params, page, size)
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
            raise Malformed()  # a listing is a document whose data is a list (empty past the end)
        return Document.parse(payload)

    async def collect(self, path: str, params: Params | None = None, *, size: int = MAX_PAGE_SIZE,
                      concurrency: int = 6, on_progress: Progress | None = None) -> Document:
        """Every page of a listing merged into one document (data in page order, included merged).

        Page 1's `total_pages` says how many can be fetched at once (at most `concurrency` at a time); then,
        whatever `links` and `meta` said, pages are read one by one until a short or empty one.
        """
        first = await self.get_page(path, params, 1, size)
        total = max(first.total_pages or 1, 1)
        if on_progress:
            on_progress(1, total)
        done = 1
        gate = asyncio.Semaphore(max(1, concurrency))

        async def fetch(number: int) -> Document:
            nonlocal done
            async with gate:
                document = await self.get_page(path, params, number, size)
            done += 1
            if on_progress:
                on_progress(done, max(total, done))
            return document

        pages = [first, *await gather_or_cancel([fetch(number) for number in range(2, total + 1)])]
        while self.paging.goes_on(self.paging.ask(size), [len(page.data) for page in pages], total_items(first.meta)):
            pages.append(await fetch(len(pages) + 1))
        return Document.merge(pages)

    async def get_all(self, path: str, params: Params | None = None, size: int = MAX_PAGE_SIZE,
                      concurrency: int = 6, on_progress: Progress | None = None) -> list[Resource]:
        """The resources of every page, in page order."""
        document = await self.collect(path, params, size=size, concurrency=concurrency, on_progress=on_progress)
        return document.data

    async def _list(self, path: str, model: type[M], params: Params | None, page: int | None,
                    size: int | None, on_progress: Progress | None = None) -> Page[M]:
        """page=None fetches every page (size defaults to 100 then, else to the API's 24)."""
        if page is None:
            document = await self.collect(path, params, size=size or MAX_PAGE_SIZE, on_progress=on_progress)
        else:
            document = await self.get_page(path, params, page, size or DEFAULT_PAGE_SIZE)
        return Page.of(document, model)

    @overload
    async def _required(self, method: str, path: str, model: type[M], kind: str, ident: str | None = None, *,
                        params: Params | None = None, json: Any = None, empty_ok: Literal[False] = False) -> M: ...

    @overload
    async def _required(self, method: str, path: str, model: type[M], kind: str, ident: str | None = None, *,
                        params: Params | None = None, json: Any = None, empty_ok: bool) -> M | None: ...

    async def _required(self, method: str, path: str, model: type[M], kind: str, ident: str | None = None, *,
                        params: Params | None = None, json: Any = None, empty_ok: bool = False) -> M | None:
        """The one `kind` resource (with id `ident` when given) the reference shows as the answer, or
        `Malformed`. `empty_ok`: a 204 No Content is a confirmation too (None)."""
        payload = await self.request(method, path, params=params, json=json)
        if payload is None and empty_ok:
            return None
        data = payload.get("data") if isinstance(payload, dict) else None
        if (not isinstance(data, dict) or data.get("type") != kind or not data.get("id")
                or (ident is not None and str(data.get("id")) != str(ident))):
            raise Malformed()
        found = Document.parse(payload).model(model)
        if found is None:
            raise Malformed()
        return found

    # Auth --------------------------------------------------------------------------------------------

    async def login(self, email: str, password: str) -> str:
        """POST /auth; keeps and returns the JWT."""
        payload = await self.request("POST", "auth", json={"email": email, "password": password})
        token = payload.get("auth_token") if isinstance(payload, dict) else None
        if not isinstance(token, str) or not token:
            raise ApiError("The server did not return a login token.", 200)
        self.token = token
        self.username = payload.get("username") if isinstance(payload.get("username"), str) else None
        return token

    # Events ------------------------------------------------------------------------------------------

    async def list_events(self, page: int | None = 1, size: int | None = None, **filters: Any) -> Page[Event]:
        return await self._list("events", Event, filters, page, size)

    async def get_event(self, uri: str) -> Event:
        return await self._required("GET", _path("events", uri), Event, "events")

    async def tickets_stats(self, uri: str) -> list[TicketStat]:
        rows = await self.request("GET", _path("events", uri, "tickets-stats"))
        if not isinstance(rows, list):
            raise Malformed()  # the reference answers a bare list
        return [TicketStat.model_validate(row) for row in rows]

    # Attendee types and attendees --------------------------------------------------------------------

    async def attendee_types(self, uri: str, page: int | None = None,
                             size: int | None = None) -> Page[AttendeeType]:
        """All attendee types (with their custom fields) unless a page is asked for."""
        return await self._list(_path("events", uri, "attendee_types"), AttendeeType, None, page, size)

    async def list_attendees(self, uri: str, page: int | None = 1, size: int | None = None, *,
                             on_progress: Progress | None = None, **filters: Any) -> Page[Attendee]:
        """Filters: include, include_archived, include_rejected, only_confirmed, first_name, last_name,
        email, company, created_date_time, updated_date_time (datetimes are sent as ISO 8601)."""
        return await self._list(_path("events", uri, "attendees"), Attendee, filters, page, size, on_progress)

    async def get_attendee(self, uri: str, attendee_id: str, include: str | Sequence[str] | None = None) -> Attendee:
        return await self._required("GET", _path("events", uri, "attendees", attendee_id), Attendee, "attendees",
                                    params={"include": include})

    async def attendee_by_email(self, uri: str, email: str,
                                include: str | Sequence[str] | None = None) -> Attendee:
        return await self._required("GET", _path("events", uri, "attendees", "by_email"), Attendee, "attendees",
                                    params={"email": email, "include": include})

    async def register_attendee(self, uri: str, attendee: Mapping[str, Any]) -> Attendee:
        # As the reference's request example: country, region, city, workshops and purchase items go
        # beside "attendee", the rest inside it.
        body = {"attendee": {k: v for k, v in attendee.items() if k not in REGISTER_BESIDE}}
        body.update((k, v) for k, v in attendee.items() if k in REGISTER_BESIDE)
        return await self._required("POST", _path("events", uri, "attendees", "register"), Attendee, "attendees",
                                    json=body)

    async def cancel_attendee(self, uri: str, attendee_id: str) -> Attendee | None:
        """Archives the attendee. The reference shows no answer: a 204 (None) or the attendee is a
        confirmation, anything else (`200 {}`) is `Malformed`."""
        return await self._required("PUT", _path("events", uri, "attendees", attendee_id, "cancel"), Attendee,
                                    "attendees", attendee_id, empty_ok=True)

    # Activities --------------------------------------------------------------------------------------

    async def list_workshops(self, uri: str, page: int | None = 1, size: int | None = None,
                             **filters: Any) -> Page[Workshop]:
        """Filters: include, name, date, updated_date_time, in_the_future."""
        return await self._list(_path("events", uri, "workshops"), Workshop, filters, page, size)

    async def get_workshop(self, uri: str, workshop_id: str) -> Workshop:
        return await self._required("GET", _path("events", uri, "workshops", workshop_id), Workshop, "workshops")

    async def update_workshop(self, uri: str, workshop_id: str, changes: Mapping[str, Any]) -> Workshop:
        """PUT the changed body parameters only (name, location, start_date and end_date as
        "14/08/2020 - 23:00:00", availability, show_on_register, …). The reference's answer example carries
        another id than its request, so the answer's id is not checked against `workshop_id`."""
        return await self._required("PUT", _path("events", uri, "workshops", workshop_id), Workshop, "workshops",
                                    json=dict(changes))

    async def workshop_attendees(self, uri: str, workshop_id: str, page: int | None = 1, size: int | None = None,
                                 *, on_progress: Progress | None = None, **filters: Any) -> Page[Attendee]:
        path = _path("events", uri, "workshops", workshop_id, "attendees")
        return await self._list(path, Attendee, filters, page, size, on_progress)

    async def attendee_workshops(self, uri: str, attendee_id: str, page: int | None = None,
                                 size: int | None = None, **filters: Any) -> Page[Workshop]:
        """The activities an attendee is registered to (every page unless one is asked for)."""
        path = _path("events", uri, "attendees", attendee_id, "workshops")
        return await self._list(path, Workshop, filters, page, size)

    async def add_attendee_workshop(self, uri: str, attendee_id: str, workshop_id: str) -> AttendeeWorkshop:
        body = {"workshop_id": _wire_id(workshop_id), "attendee_id": _wire_id(attendee_id)}
        return await self._required("POST", _path("events", uri, "attendee_workshops"), AttendeeWorkshop,
                                    ATTENDEE_WORKSHOPS, json=body)

    async def remove_attendee_workshop(self, uri: str, attendee_id: str,
                                       workshop_id: str) -> AttendeeWorkshop | None:
        body = {"workshop_id": _wire_id(workshop_id), "attendee_id": _wire_id(attendee_id)}
        return await self._required("DELETE", _path("events", uri, "attendee_workshops"), AttendeeWorkshop,
                                    ATTENDEE_WORKSHOPS, json=body, empty_ok=True)

    async def update_activities(self, uri: str, attendee_id: str, workshop_ids: Iterable[str]) -> Attendee | None:
        """Leaves the attendee registered to exactly `workshop_ids` (a full list: two desks changing one
        attendee at once overwrite each other; the actions send single adds and removes instead)."""
        body = {"workshop_ids": ",".join(str(ident) for ident in workshop_ids)}
        return await self._required("PUT", _path("events", uri, "attendees", attendee_id, "update_activities"),
                                    Attendee, "attendees", json=body, empty_ok=True)

    # Business conferences ----------------------------------------------------------------------------

    async def business_conferences(self, uri: str, page: int | None = None, size: int | None = None,
                                   **filters: Any) -> Page[BusinessConference]:
        return await self._list(_path("events", uri, "business_conferences"), BusinessConference, filters, page, size)

    async def participant_types(self, uri: str, conference_id: str, page: int | None = None,
                                size: int | None = None) -> Page[ParticipantType]:
        path = _conference(uri, conference_id, "business_conference_participant_types")
        return await self._list(path, ParticipantType, None, page, size)

    async def unavailable_hours(self, uri: str, conference_id: str, participant_type_id: str,
                                page: int | None = None, size: int | None = None) -> Page[UnavailableHour]:
        return await self._list(_hours(uri, conference_id, participant_type_id), UnavailableHour, None, page, size)

    async def create_unavailable_hour(self, uri: str, conference_id: str, participant_type_id: str,
                                      start: datetime | str, end: datetime | str) -> UnavailableHour:
        return await self._required("POST", _hours(uri, conference_id, participant_type_id), UnavailableHour,
                                    UNAVAILABLE_HOURS, params=_hour_body(start, end))

    async def update_unavailable_hour(self, uri: str, conference_id: str, participant_type_id: str, hour_id: str,
                                      start: datetime | str, end: datetime | str) -> UnavailableHour:
        return await self._required("PUT", _hours(uri, conference_id, participant_type_id, hour_id),
                                    UnavailableHour, UNAVAILABLE_HOURS, params=_hour_body(start, end))

    async def delete_unavailable_hour(self, uri: str, conference_id: str, participant_type_id: str,
                                      hour_id: str) -> UnavailableHour | None:
        return await self._required("DELETE", _hours(uri, conference_id, participant_type_id, hour_id),
                                    UnavailableHour, UNAVAILABLE_HOURS, empty_ok=True)

    async def participants(self, uri: str, conference_id: str, participant_type_id: str | None = None,
                           page: int | None = None, size: int | None = None,
                           **filters: Any) -> Page[Participant]:
        """Participants with their attendees (every page unless one is asked for). Filters: updated_since."""
        params = {"participant_type_id": participant_type_id, **filters}
        path = _conference(uri, conference_id, "business_conference_participants")
        return await self._list(path, Participant, params, page, size)

    async def participant_agenda(self, uri: str, conference_id: str, participant_id: str) -> ParticipantAgenda:
        path = _conference(uri, conference_id, "business_conference_participants", participant_id, "agenda")
        return ParticipantAgenda.from_document(await self.collect(path))

    async def meetings(self, uri: str, conference_id: str, page: int | None = None,
                       size: int | None = None) -> Page[Meeting]:
        path = _conference(uri, conference_id, "business_conference_meetings")
        return await self._list(path, Meeting, None, page, size)


T = TypeVar("T")


async def gather_or_cancel(awaitables: Sequence[Awaitable[T]]) -> list[T]:
    """gather(), but the first failure cancels the rest and is raised as itself (not an ExceptionGroup)."""
    tasks = [asyncio.ensure_future(awaitable) for awaitable in awaitables]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _path(*segments: str) -> str:
    return "/".join(quote(str(segment), safe="") for segment in segments)


def _conference(uri: str, conference_id: str, *rest: str) -> str:
    return _path("events", uri, "business_conferences", conference_id, *rest)


def _hours(uri: str, conference_id: str, participant_type_id: str, *rest: str) -> str:
    return _conference(uri, conference_id, "business_conference_participant_types", participant_type_id,
                       "unavailable_hours", *rest)


def _hour_body(start: datetime | str, end: datetime | str) -> dict[str, str]:
    return {"start_date": start if isinstance(start, str) else write_date(start),
            "end_date": end if isinstance(end, str) else write_date(end)}


def _wire_id(ident: str | int) -> int | str:
    """The API documents integer ids in request bodies; models keep them as str."""
    text = str(ident)
    return int(text) if text.isdigit() else text


def _query(params: Params) -> dict[str, str]:
    """Query values as the API expects them: booleans as true/false, lists comma-joined, None dropped."""
    query: dict[str, str] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            query[name] = "true" if value else "false"
        elif isinstance(value, (datetime, date)):
            query[name] = value.isoformat()
        elif isinstance(value, (list, tuple, set, frozenset)):
            query[name] = ",".join(str(item) for item in value)
        else:
            query[name] = str(value)
    return query
