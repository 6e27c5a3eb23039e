"""JSON:API helpers for the sandbox: errors, paging, links, dates in the reference's formats."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request

DEFAULT_PAGE_SIZE = 24
MAX_PAGE_SIZE = 100
MAX_PAGE_NUMBER = 10**12


class ApiError(Exception):
    """`field` and `reason`: the same refusal as a Rails model error ("email", "has already been taken"), for
    the error body shapes the app is tested against (app.Variants.error_shape)."""

    def __init__(self, status: int, message: str, *, field: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.reason = reason


def not_found() -> ApiError:
    return ApiError(404, "ActiveRecord::RecordNotFound")


def iso(epoch: float | None, tz: ZoneInfo) -> str | None:
    """Seconds since the epoch as ISO 8601 with milliseconds and the event's offset."""
    if epoch is None:
        return None
    moment = datetime.fromtimestamp(epoch, tz)
    return moment.isoformat(timespec="milliseconds")


def iso_ms(epoch_ms: int | None, tz: ZoneInfo) -> str | None:
    return None if epoch_ms is None else iso(epoch_ms / 1000, tz)


def local_string(epoch: float, tz: ZoneInfo) -> str:
    """The agenda's slot format: '2023-02-10 09:00:00' in the event's time zone."""
    return datetime.fromtimestamp(epoch, tz).strftime("%Y-%m-%d %H:%M:%S")


WRITE_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*-\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def parse_write_date(value: Any, tz: ZoneInfo, field: str) -> float:
    """Parse 'dd/mm/yyyy - HH:MM[:SS]' (the reference's request format) into epoch seconds."""
    match = WRITE_DATE.match(value) if isinstance(value, str) else None
    if not match:
        raise ApiError(422, f"{field} is invalid: expected a date like 10/12/2020 - 01:00")
    day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz).timestamp()
    except ValueError:
        raise ApiError(422, f"{field} is invalid: {value!r} is not a real date") from None


def parse_since(value: str, tz: ZoneInfo, field: str) -> float:
    """An ISO datetime or a prefix of one ('2019-12', '2019-12-31T14:25'); naive means the event's zone."""
    text = value.strip().replace(" ", "+") if "T" in value else value.strip()
    for candidate in (text, text + "-01" if len(text) == 7 else None, text[:4] + "-01-01" if len(text) == 4 else None):
        if not candidate:
            continue
        try:
            moment = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
        return moment.timestamp()
    raise ApiError(400, f"{field} must be a datetime like 2021-10-31T14:25:46")


def since_condition(request: Request, key: str, tz: ZoneInfo, column: str = "updated_ms") -> tuple[str, int] | None:
    """The SQL condition for an `updated_since`-style parameter (changed at or after it), if given."""
    value = request.query_params.get(key)
    if not value:
        return None
    return f"{column} >= ?", int(parse_since(value, tz, key) * 1000)


def flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def page_params(request: Request) -> tuple[int, int]:
    values = []
    for key, default in (("page[number]", 1), ("page[size]", DEFAULT_PAGE_SIZE)):
        raw = request.query_params.get(key)
        if raw is None or raw == "":
            values.append(default)
            continue
        try:
            number = int(raw)
        except ValueError:
            raise ApiError(400, f"{key} must be a positive integer, got {raw!r}") from None
        if number < 1:
            raise ApiError(400, f"{key} must be a positive integer, got {raw!r}")
        values.append(number)
    number, size = values
    limits = getattr(request.app.state, "limits", None)
    most = limits.max_page_size if limits is not None else MAX_PAGE_SIZE
    variants = getattr(request.app.state, "variants", None)
    if variants is not None and variants.oversize_page_refused and size > most:
        raise ApiError(400, f"page[size] must be at most {most}.", field="page[size]",
                       reason=f"must be at most {most}")
    # Far past the end is still just past the end (an empty page), not an OFFSET SQLite can't hold.
    return min(number, MAX_PAGE_NUMBER), min(size, most)


def page_links(request: Request, number: int, size: int, total_pages: int) -> dict[str, str | None]:
    kept = [(k, v) for k, v in request.query_params.multi_items() if not k.startswith("page[")]
    base = str(request.url.replace(query=""))

    def link(n: int) -> str:
        return base + "?" + urlencode([*kept, ("page[number]", n), ("page[size]", size)])

    last = max(total_pages, 1)
    return {
        "self": link(number),
        "first": link(1),
        "prev": link(number - 1) if number > 1 else None,
        "next": link(number + 1) if number < total_pages else None,
        "last": link(last),
    }


def paged_document(request: Request, data: list[dict[str, Any]], total: int, number: int, size: int,
                   included: list[dict[str, Any]] | None = None, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    variants = getattr(request.app.state, "variants", None)
    if variants is not None and variants.pages_counted_on_asked:  # links and meta on the size asked, not served
        asked = request.query_params.get("page[size]", "")
        size = int(asked) if asked.isdigit() and int(asked) > 0 else size
    total_pages = (total + size - 1) // size
    document: dict[str, Any] = {"data": data}
    if included is not None:
        document["included"] = included
    document["links"] = page_links(request, number, size, total_pages)
    document["meta"] = {"total_pages": total_pages, **(meta or {})}
    return document


def resource(kind: str, ident: int | str, attributes: dict[str, Any], relationships: dict[str, Any] | None = None) -> dict[str, Any]:
    item = {"id": str(ident), "type": kind, "attributes": attributes}
    if relationships is not None:
        item["relationships"] = relationships
    return item


def ref(kind: str, ident: int | str | None) -> dict[str, Any]:
    return {"data": None if ident is None else {"id": str(ident), "type": kind}}


def refs(kind: str, idents: Iterable[object]) -> dict[str, Any]:
    return {"data": [{"id": str(i), "type": kind} for i in idents]}


def includes(request: Request) -> set[str]:
    return {part.strip() for part in request.query_params.get("include", "").split(",") if part.strip()}


def dedupe(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for item in resources:
        key = (item["type"], item["id"])
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out
