"""Auth, events, ticket stats and attendee types."""

from __future__ import annotations

from sqlite3 import Row
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request

from . import serializers as ser
from .context import (
    EventContext,
    Sandbox,
    current_user,
    event_context,
    json_body,
    sandbox,
)
from .jsonapi import ApiError, dedupe, page_params, paged_document, parse_since, since_condition
from .seed import check_password

router = APIRouter()
COUNTED = "archived = 0 AND status IN ('confirmed', 'pending')"


@router.post("/auth")
def auth(body: dict[str, Any] = Depends(json_body), sb: Sandbox = Depends(sandbox)) -> dict[str, Any]:
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        raise ApiError(400, "Send a JSON body with email and password.")
    row = sb.db.one("SELECT * FROM users WHERE email = ? COLLATE NOCASE", (email.strip(),))
    if row is None or not check_password(password, row["password_hash"]):
        raise ApiError(401, "Wrong username or password.")
    return {"auth_token": sb.issue_token(row["id"], row["email"]), "username": row["name"]}


def owned_events(request: Request, sb: Sandbox, user_id: int, extra_sql: str = "", params: tuple[Any, ...] = ()) -> tuple[list[Row], int, int, int]:
    number, size = page_params(request)
    where = "owner_id = ?" + extra_sql
    total = sb.db.scalar(f"SELECT COUNT(*) FROM events WHERE {where}", (user_id, *params))
    rows = sb.db.all(f"SELECT * FROM events WHERE {where} ORDER BY start_ts LIMIT ? OFFSET ?",
                     (user_id, *params, size, (number - 1) * size))
    return rows, total, number, size


def type_ids(sb: Sandbox, event_id: int) -> list[int]:
    return [r[0] for r in sb.db.all("SELECT id FROM attendee_types WHERE event_id = ? ORDER BY position", (event_id,))]


def total_attendees(sb: Sandbox, event_id: int) -> int:
    count: int = sb.db.scalar(f"SELECT COUNT(*) FROM attendees WHERE event_id = ? AND {COUNTED}", (event_id,))
    return count


@router.get("/events")
def list_events(request: Request, user_id: int = Depends(current_user), sb: Sandbox = Depends(sandbox)) -> dict[str, Any]:
    extra = ""
    params: list[Any] = []
    if name := request.query_params.get("name"):
        extra += " AND name LIKE ?"
        params.append(f"%{name}%")
    if since := since_condition(request, "updated_since", ZoneInfo("UTC")):
        extra += " AND " + since[0]
        params.append(since[1])
    if city := request.query_params.get("city_id"):
        extra += " AND city_id = ?"
        params.append(city)
    rows, total, number, size = owned_events(request, sb, user_id, extra, tuple(params))
    data = [ser.event(r, ZoneInfo(r["timezone"]), type_ids(sb, r["id"]), total_attendees(sb, r["id"])) for r in rows]
    return paged_document(request, data, total, number, size)


@router.get("/events/slim")
def list_events_slim(request: Request, user_id: int = Depends(current_user), sb: Sandbox = Depends(sandbox)) -> dict[str, Any]:
    extra = ""
    params: list[Any] = []
    for key, op in (("start_date_lower_bound", ">="), ("start_date_upper_bound", "<=")):
        if value := request.query_params.get(key):
            extra += f" AND start_ts {op} ?"
            params.append(parse_since(value, ZoneInfo("UTC"), key))
    if city := request.query_params.get("city_id"):
        extra += " AND city_id = ?"
        params.append(city)
    rows, total, number, size = owned_events(request, sb, user_id, extra, tuple(params))
    return paged_document(request, [ser.event_slim(r, ZoneInfo(r["timezone"])) for r in rows], total, number, size)


@router.get("/events/{event_uri}")
def get_event(ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    sb = ctx.sandbox
    return {"data": ser.event(ctx.row, ctx.tz, type_ids(sb, ctx.id), total_attendees(sb, ctx.id))}


def used_by_type(ctx: EventContext) -> dict[int, int]:
    rows = ctx.db.all(f"SELECT type_id, COUNT(*) FROM attendees WHERE event_id = ? AND {COUNTED} GROUP BY type_id",
                      (ctx.id,))
    return {r[0]: r[1] for r in rows}


@router.get("/events/{event_uri}/tickets-stats")
def tickets_stats(ctx: EventContext = Depends(event_context)) -> list[dict[str, Any]]:
    used = used_by_type(ctx)
    rows = ctx.db.all("SELECT * FROM attendee_types WHERE event_id = ? ORDER BY position", (ctx.id,))
    return [{"name": r["name"], "used_seats": used.get(r["id"], 0),
             "seats_limit": "∞" if r["capacity"] is None else r["capacity"]} for r in rows]


def attendee_type_resources(ctx: EventContext, type_rows: list[Row]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Attendee types with their custom fields (the fields go in `included`)."""
    used = used_by_type(ctx)
    ptypes = {r["attendee_type_id"]: r["id"] for r in ctx.db.all(
        "SELECT pt.id, pt.attendee_type_id FROM participant_types pt JOIN business_conferences bc "
        "ON bc.id = pt.conference_id WHERE bc.event_id = ?", (ctx.id,))}
    data: list[dict[str, Any]] = []
    included: list[dict[str, Any]] = []
    for row in type_rows:
        fields = ctx.db.all("SELECT * FROM custom_fields WHERE attendee_type_id = ? ORDER BY position", (row["id"],))
        data.append(ser.attendee_type(row, ctx.tz, [f["id"] for f in fields], used.get(row["id"], 0),
                                      ptypes.get(row["id"])))
        included.extend(ser.custom_field(f, ctx.tz) for f in fields)
    return data, dedupe(included)


@router.get("/events/{event_uri}/attendee_types")
def attendee_types(request: Request, ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    number, size = page_params(request)
    total = ctx.db.scalar("SELECT COUNT(*) FROM attendee_types WHERE event_id = ?", (ctx.id,))
    rows = ctx.db.all("SELECT * FROM attendee_types WHERE event_id = ? ORDER BY position LIMIT ? OFFSET ?",
                      (ctx.id, size, (number - 1) * size))
    data, included = attendee_type_resources(ctx, rows)
    return paged_document(request, data, total, number, size, included=included)
