"""Activities (workshops), their rosters, and attendee ↔ activity registrations."""

from __future__ import annotations

from datetime import datetime, timedelta
from sqlite3 import Row
from typing import Any

from fastapi import APIRouter, Depends, Request

from . import serializers as ser
from .context import EventContext, as_id, event_context, json_body, path_id
from .jsonapi import ApiError, flag, not_found, page_params, paged_document, since_condition
from .routes_attendees import (
    attendee_resources,
    clean_text,
    current_workshops,
    load_attendee,
    touch_workshops,
    workshop_capacity_check,
)

router = APIRouter(prefix="/events/{event_uri}")


def workshop_resources(ctx: EventContext, rows: list[Row]) -> list[dict[str, Any]]:
    ids = [r["id"] for r in rows]
    used: dict[int, int] = {}
    if ids:
        used = {workshop_id: count for workshop_id, count in ctx.db.all(
            f"SELECT workshop_id, COUNT(*) FROM attendee_workshops WHERE workshop_id IN ({','.join('?' * len(ids))}) "
            "GROUP BY workshop_id", ids)}
    return [ser.workshop(r, ctx.tz, used.get(r["id"], 0)) for r in rows]


EPOCH = datetime(1970, 1, 1)


def epoch_seconds(moment: datetime) -> float:
    """datetime.timestamp() without its OverflowError for the first and last days a datetime can hold."""
    offset = moment.utcoffset() or timedelta(0)  # a time without a zone is read as UTC
    return (moment.replace(tzinfo=None) - EPOCH).total_seconds() - offset.total_seconds()


def parse_day(value: str, ctx: EventContext) -> tuple[float, float]:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(value.strip(), fmt).replace(tzinfo=ctx.tz)
        except ValueError:
            continue
        start = epoch_seconds(day)
        try:
            return start, epoch_seconds(day + timedelta(days=1))
        except OverflowError:  # 9999-12-31 has no next day in datetime, but it is a day (with nothing on it)
            return start, start + 86400
    raise ApiError(400, "date must look like 2023-02-12 or 12/02/2023.")


@router.get("/workshops")
def list_workshops(request: Request, ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    number, size = page_params(request)
    where = ["event_id = ?"]
    params: list[Any] = [ctx.id]
    if name := request.query_params.get("name"):
        where.append("name LIKE ?")
        params.append(f"%{name}%")
    if day := request.query_params.get("date"):
        where.append("start_ts >= ? AND start_ts < ?")
        params += parse_day(day, ctx)
    if since := since_condition(request, "updated_date_time", ctx.tz):
        where.append(since[0])
        params.append(since[1])
    if flag(request, "in_the_future"):
        where.append("start_ts > ?")
        params.append(ctx.sandbox.clock())
    clause = " AND ".join(where)
    total = ctx.db.scalar(f"SELECT COUNT(*) FROM workshops WHERE {clause}", params)
    rows = ctx.db.all(f"SELECT * FROM workshops WHERE {clause} ORDER BY start_ts, id LIMIT ? OFFSET ?",
                      [*params, size, (number - 1) * size])
    return paged_document(request, workshop_resources(ctx, rows), total, number, size)


def load_workshop(ctx: EventContext, workshop_id: int) -> Row:
    return ctx.event_row("workshops", workshop_id)


@router.get("/workshops/{workshop_id}")
def get_workshop(workshop_id: str, ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    return {"data": workshop_resources(ctx, [load_workshop(ctx, path_id(workshop_id))])[0]}


WIRE_TIME = "%d/%m/%Y - %H:%M:%S"  # the reference's "14/08/2020 - 23:00:00", in the event's time zone


def wire_time(value: Any, name: str, ctx: EventContext) -> float:
    if not isinstance(value, str):
        raise ApiError(422, f"{name} must be a datetime like 14/08/2020 - 23:00:00.")
    try:
        return epoch_seconds(datetime.strptime(value.strip(), WIRE_TIME).replace(tzinfo=ctx.tz))
    except (ValueError, OverflowError):
        raise ApiError(422, f"{name} must be a datetime like 14/08/2020 - 23:00:00.") from None


def as_flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise ApiError(422, f"{name} must be true or false.")


def as_availability(value: Any) -> int | None:
    """A number of seats; null (or an empty string) for no limit."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
        raise ApiError(422, "Availability must be a whole number of seats, 0 or more.")
    return value


@router.put("/workshops/{workshop_id}")
def update_workshop(workshop_id: str, body: dict[str, Any] = Depends(json_body),
                    ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    """The reference's Update Activity: the body parameters at the top level, any subset of them."""
    row = load_workshop(ctx, path_id(workshop_id))
    changes: dict[str, Any] = {}
    if "name" in body:
        name = clean_text(body["name"], "Name")
        if not name:
            raise ApiError(422, "Name can't be blank.")
        changes["name"] = name
    for key in ("description", "location"):
        if key in body:
            changes[key] = clean_text(body[key], key.capitalize())
    if "availability" in body:
        changes["capacity"] = as_availability(body["availability"])
    if "show_on_register" in body:
        changes["show_on_register"] = int(as_flag(body["show_on_register"], "Show on register"))
    start = wire_time(body["start_date"], "Start date", ctx) if "start_date" in body else row["start_ts"]
    end = wire_time(body["end_date"], "End date", ctx) if "end_date" in body else row["end_ts"]
    if start is not None and end is not None and end <= start:
        raise ApiError(422, "End date must be after the start date.")
    if "start_date" in body:
        changes["start_ts"] = start
    if "end_date" in body:
        changes["end_ts"] = end
    changes["updated_ms"] = ctx.sandbox.now_ms()
    with ctx.db.transaction() as conn:
        conn.execute(f"UPDATE workshops SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
                     [*changes.values(), row["id"]])
    return {"data": workshop_resources(ctx, [load_workshop(ctx, row["id"])])[0]}


@router.get("/attendees/{attendee_id}/workshops")
def attendee_workshops(attendee_id: str, request: Request, ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    row = load_attendee(ctx, attendee_id)
    number, size = page_params(request)
    ids = current_workshops(ctx, row["id"])
    rows = ctx.db.all(f"SELECT * FROM workshops WHERE id IN ({','.join('?' * len(ids))}) ORDER BY start_ts, id "
                      "LIMIT ? OFFSET ?", [*ids, size, (number - 1) * size]) if ids else []
    return paged_document(request, workshop_resources(ctx, rows), len(ids), number, size)


@router.get("/workshops/{workshop_id}/attendees")
def workshop_attendees(workshop_id: str, request: Request, ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    workshop = load_workshop(ctx, path_id(workshop_id))
    number, size = page_params(request)
    total = ctx.db.scalar("SELECT COUNT(*) FROM attendee_workshops WHERE workshop_id = ?", (workshop["id"],))
    rows = ctx.db.all(
        "SELECT a.* FROM attendees a JOIN attendee_workshops aw ON aw.attendee_id = a.id "
        "WHERE aw.workshop_id = ? ORDER BY a.id LIMIT ? OFFSET ?", (workshop["id"], size, (number - 1) * size))
    data, _ = attendee_resources(ctx, rows, set())
    return paged_document(request, data, total, number, size, meta={"total_attendees": total})


def registration_target(body: dict[str, Any], ctx: EventContext) -> tuple[Row, Row]:
    for key in ("workshop_id", "attendee_id"):
        if body.get(key) in (None, ""):
            raise ApiError(400, f"{key} is required.")
    workshop = load_workshop(ctx, as_id(body["workshop_id"], "workshop_id"))
    attendee = load_attendee(ctx, as_id(body["attendee_id"], "attendee_id"))
    return workshop, attendee


@router.post("/attendee_workshops")
def add_attendee_workshop(body: dict[str, Any] = Depends(json_body), ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    workshop, attendee = registration_target(body, ctx)
    if attendee["archived"]:
        raise ApiError(422, "This registration is cancelled; it can't join activities.")
    now = ctx.sandbox.now_ms()
    with ctx.db.transaction() as conn:
        if conn.execute("SELECT 1 FROM attendee_workshops WHERE attendee_id = ? AND workshop_id = ?",
                        (attendee["id"], workshop["id"])).fetchone():
            raise ApiError(422, "The attendee is already registered in this activity.")
        workshop_capacity_check(ctx, [workshop["id"]], None)
        conn.execute("INSERT INTO attendee_workshops (attendee_id, workshop_id) VALUES (?, ?)",
                     (attendee["id"], workshop["id"]))
        conn.execute("UPDATE attendees SET updated_ms = ? WHERE id = ?", (now, attendee["id"]))
        touch_workshops(conn, [workshop["id"]], now)
    row = ctx.db.written("SELECT * FROM attendee_workshops WHERE attendee_id = ? AND workshop_id = ?",
                         (attendee["id"], workshop["id"]))
    return {"data": ser.attendee_workshop(row, ctx.tz),
            "meta": {"current_attendee_workshops": current_workshops(ctx, attendee["id"])}}


@router.delete("/attendee_workshops")
def remove_attendee_workshop(body: dict[str, Any] = Depends(json_body), ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    workshop, attendee = registration_target(body, ctx)
    row = ctx.db.one("SELECT * FROM attendee_workshops WHERE attendee_id = ? AND workshop_id = ?",
                     (attendee["id"], workshop["id"]))
    if row is None:
        raise not_found()
    now = ctx.sandbox.now_ms()
    with ctx.db.transaction() as conn:
        conn.execute("DELETE FROM attendee_workshops WHERE id = ?", (row["id"],))
        conn.execute("UPDATE attendees SET updated_ms = ? WHERE id = ?", (now, attendee["id"]))
        touch_workshops(conn, [workshop["id"]], now)
    return {"data": ser.attendee_workshop(row, ctx.tz),
            "meta": {"current_attendee_workshops": current_workshops(ctx, attendee["id"])}}
