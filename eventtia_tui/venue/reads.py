"""The fixed reads of an event shared by the venue (issue 31 item 1): activities, ticket stats, attendee types
and the B2B data one machine read from Eventtia go into Redis, and the others take them from there while they
are within their lifetime (gateway KINDS), as they take the attendee pages from the feed: eight machines
opening the Activities tab is one request, not eight.

One hash per account and event: field = the read's kind and parts (JSON), value = the sealed JSON of
{kind, parts, at (Redis's clock), value}. Values travel as JSON and are validated into the API's models
(never a pickle); one that is unsigned, forged, of the wrong shape or too large is refused, counted and
set aside, and the read goes to Eventtia as without venue mode. Every call is blocking (the gateway calls
them from a thread) and never raises: a venue that cannot be reached shares nothing."""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..api.models import (
    AttendeeType,
    BusinessConference,
    Meeting,
    Participant,
    ParticipantType,
    TicketStat,
    UnavailableHour,
    Workshop,
)
from ..text import decode_json
from .link import Link, LinkDown
from .seal import Refused

log = logging.getLogger(__name__)
# The reads shared: those every machine makes alike (a sync's related reads, the walk-in form's types).
SHARED: dict[str, TypeAdapter[Any]] = {
    "attendee_types": TypeAdapter(list[AttendeeType]), "tickets_stats": TypeAdapter(list[TicketStat]),
    "workshops": TypeAdapter(list[Workshop]), "conferences": TypeAdapter(list[BusinessConference]),
    "participant_types": TypeAdapter(list[ParticipantType]), "participants": TypeAdapter(list[Participant]),
    "unavailable_hours": TypeAdapter(list[UnavailableHour]), "meetings": TypeAdapter(list[Meeting]),
}
KEEP_SECONDS = 24 * 3600  # an event's hash goes a day after its last read was shared


class VenueReads:
    def __init__(self, link: Link, scope: str) -> None:
        self.link = link
        self.scope = link.scope_hash(scope)
        self.shared = 0  # reads this machine put in Redis
        self.taken = 0  # reads this machine took from Redis instead of asking Eventtia

    def _where(self, kind: str, parts: tuple[str, ...]) -> tuple[str, str]:
        uri = parts[0] if parts else ""
        return self.link.key("reads", self.scope, self.link.scope_hash(uri)), json.dumps([kind, *parts])

    def put(self, kind: str, parts: tuple[str, ...], value: Any) -> None:
        adapter = SHARED.get(kind)
        if adapter is None or not self.link.up:
            return
        key, field = self._where(kind, parts)
        try:
            encoded = adapter.dump_python(value, mode="json")
            now = self.link.run(lambda r: r.time())
            text = json.dumps({"kind": kind, "parts": list(parts), "at": now[0] + now[1] / 1e6, "value": encoded},
                              ensure_ascii=False)
            sealed = self.link.venue_key.seal(f"{key}\0{field}", text)

            def store(r: Any) -> None:
                pipe = r.pipeline(transaction=False)
                pipe.hset(key, field, sealed)
                pipe.expire(key, KEEP_SECONDS)
                pipe.execute()

            self.link.run(store)
            self.shared += 1
        except LinkDown:
            pass
        except (ValidationError, TypeError, ValueError):  # not a value of the read's type: not shared
            log.debug("venue reads: a %s read was not shared", kind)

    def get(self, kind: str, parts: tuple[str, ...], lifetime: float) -> tuple[Any, float] | None:
        adapter = SHARED.get(kind)
        if adapter is None or not self.link.up:
            return None
        key, field = self._where(kind, parts)
        try:
            raw = self.link.run(lambda r: r.hget(key, field))
            if raw is None:
                return None
            now = self.link.run(lambda r: r.time())
        except LinkDown:
            return None
        try:
            value, at = self._opened(adapter, key, field, kind, parts, raw)
        except Refused as refused:
            self.link.refusals.add("reads", refused.reason)
            self._set_aside(key, field, raw)
            return None
        age = now[0] + now[1] / 1e6 - at
        if age < -5.0:
            self.link.refusals.add("reads", "in the future")
            self._set_aside(key, field, raw)
            return None
        if age >= lifetime:
            return None
        self.taken += 1
        return value, max(0.0, age)

    def _opened(self, adapter: TypeAdapter[Any], key: str, field: str, kind: str, parts: tuple[str, ...],
                raw: Any) -> tuple[Any, float]:
        text = self.link.venue_key.open(f"{key}\0{field}", raw)
        try:
            body = decode_json(text)  # cleaned as the API's answers are
        except ValueError:
            raise Refused("not JSON") from None
        if not isinstance(body, dict) or body.get("kind") != kind or body.get("parts") != list(parts) or \
                not isinstance(body.get("at"), (int, float)):
            raise Refused("wrong type")
        try:
            return adapter.validate_python(body.get("value")), float(body["at"])
        except ValidationError:
            raise Refused("wrong type") from None

    def _set_aside(self, key: str, field: str, raw: Any) -> None:
        def drop(r: Any) -> None:
            if r.hget(key, field) == raw:
                r.hdel(key, field)
        try:
            self.link.run(drop)
        except LinkDown:
            pass
