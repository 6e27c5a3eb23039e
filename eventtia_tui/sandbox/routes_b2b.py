"""B2B matchmaking: business conferences, participant types, unavailable hours, participants, meetings."""

from __future__ import annotations

import json
from sqlite3 import Connection, Row
from typing import Any

from fastapi import APIRouter, Depends, Request

from . import serializers as ser
from .context import EventContext, as_id, event_context, path_id
from .jsonapi import (
    ApiError,
    dedupe,
    not_found,
    page_params,
    paged_document,
    parse_write_date,
    since_condition,
)
from .routes_attendees import attendee_resources
from .routes_events import attendee_type_resources
from .seed import MEETING_STATUSES

router = APIRouter(prefix="/events/{event_uri}/business_conferences")
CONFERENCE = "/{conference_id}"
PTYPE = CONFERENCE + "/business_conference_participant_types/{participant_type_id}"


def load_conference(ctx: EventContext, conference_id: str) -> Row:
    row = ctx.db.one("SELECT * FROM business_conferences WHERE id = ? AND event_id = ?",
                     (path_id(conference_id), ctx.id))
    if row is None:
        raise not_found()
    return row


def load_participant_type(ctx: EventContext, conference_id: str, participant_type_id: str) -> tuple[Row, Row]:
    conference = load_conference(ctx, conference_id)
    row = ctx.db.one("SELECT * FROM participant_types WHERE id = ? AND conference_id = ?",
                     (path_id(participant_type_id), conference["id"]))
    if row is None:
        raise not_found()
    return conference, row


def slots(ctx: EventContext, conference_id: int) -> list[Row]:
    return ctx.db.all("SELECT * FROM slots WHERE conference_id = ? ORDER BY start_ts", (conference_id,))


def participant_type_resources(ctx: EventContext, conference_id: int) -> list[dict[str, Any]]:
    conference_slots = slots(ctx, conference_id)
    rows = ctx.db.all("SELECT * FROM participant_types WHERE conference_id = ? ORDER BY id", (conference_id,))
    return [ser.participant_type(r, ctx.tz, conference_slots) for r in rows]


@router.get("")
def list_conferences(request: Request, ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    number, size = page_params(request)
    where, params = "event_id = ?", [ctx.id]
    if since := since_condition(request, "updated_since", ctx.tz):
        where += " AND " + since[0]
        params.append(since[1])
    total = ctx.db.scalar(f"SELECT COUNT(*) FROM business_conferences WHERE {where}", params)
    rows = ctx.db.all(f"SELECT * FROM business_conferences WHERE {where} ORDER BY id LIMIT ? OFFSET ?",
                      [*params, size, (number - 1) * size])
    data, included = [], []
    for row in rows:
        types = participant_type_resources(ctx, row["id"])
        totals = {status: count for status, count in ctx.db.all(
            "SELECT status, COUNT(*) FROM meetings WHERE conference_id = ? GROUP BY status", (row["id"],))}
        data.append(ser.business_conference(row, ctx.tz, [int(t["id"]) for t in types], totals))
        included += types
    return paged_document(request, data, total, number, size, included=included)


@router.get(CONFERENCE + "/business_conference_participant_types")
def list_participant_types(conference_id: str, request: Request, ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    conference = load_conference(ctx, conference_id)
    number, size = page_params(request)
    types = participant_type_resources(ctx, conference["id"])
    page = types[(number - 1) * size: number * size]
    type_ids = [t["relationships"]["attendee_types"]["data"][0]["id"] for t in page
                if t["relationships"]["attendee_types"]["data"]]
    attendee_types = ctx.db.all(
        f"SELECT * FROM attendee_types WHERE id IN ({','.join('?' * len(type_ids))}) ORDER BY position", type_ids
    ) if type_ids else []
    type_data, field_data = attendee_type_resources(ctx, attendee_types)
    return paged_document(request, page, len(types), number, size, included=dedupe(type_data + field_data))


def unavailable_dates(ctx: EventContext, conference: Row, request: Request, current: Row | None = None) -> tuple[float, float]:
    """start_date and end_date from the query, where the reference lists them (a body is not read)."""
    values = {}
    for key in ("start_date", "end_date"):
        raw = request.query_params.get(key)
        if raw is None and current is not None:
            values[key] = current[key.replace("_date", "_ts")]
        elif raw is None:
            raise ApiError(422, f"{key} can't be blank.")
        else:
            values[key] = parse_write_date(raw, ctx.tz, key)
    start, end = values["start_date"], values["end_date"]
    if end <= start:
        raise ApiError(422, "end_date must be after start_date.")
    if start < conference["start_ts"] - 86400 or end > conference["end_ts"] + 86400:
        raise ApiError(422, "The unavailable hour must fall within the business conference's days.")
    return start, end


@router.get(PTYPE + "/unavailable_hours")
def list_unavailable_hours(conference_id: str, participant_type_id: str, request: Request,
                           ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    _, ptype = load_participant_type(ctx, conference_id, participant_type_id)
    number, size = page_params(request)
    total = ctx.db.scalar("SELECT COUNT(*) FROM unavailable_hours WHERE participant_type_id = ?", (ptype["id"],))
    rows = ctx.db.all("SELECT * FROM unavailable_hours WHERE participant_type_id = ? ORDER BY start_ts, id "
                      "LIMIT ? OFFSET ?", (ptype["id"], size, (number - 1) * size))
    return paged_document(request, [ser.unavailable_hour(r, ctx.tz) for r in rows], total, number, size)


def touch_type(conn: Connection, ctx: EventContext, ptype_id: int) -> None:
    conn.execute("UPDATE participant_types SET updated_ms = ? WHERE id = ?", (ctx.sandbox.now_ms(), ptype_id))


@router.post(PTYPE + "/unavailable_hours")
def create_unavailable_hour(conference_id: str, participant_type_id: str, request: Request,
                            ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    conference, ptype = load_participant_type(ctx, conference_id, participant_type_id)
    start, end = unavailable_dates(ctx, conference, request)
    with ctx.db.transaction() as conn:
        cursor = conn.execute("INSERT INTO unavailable_hours (participant_type_id, start_ts, end_ts) VALUES (?,?,?)",
                              (ptype["id"], start, end))
        touch_type(conn, ctx, ptype["id"])
    row = ctx.db.written("SELECT * FROM unavailable_hours WHERE id = ?", (cursor.lastrowid,))
    return {"data": ser.unavailable_hour(row, ctx.tz)}


def load_unavailable_hour(ctx: EventContext, ptype: Row, hour_id: str) -> Row:
    row = ctx.db.one("SELECT * FROM unavailable_hours WHERE id = ? AND participant_type_id = ?",
                     (path_id(hour_id), ptype["id"]))
    if row is None:
        raise not_found()
    return row


@router.put(PTYPE + "/unavailable_hours/{hour_id}")
def update_unavailable_hour(conference_id: str, participant_type_id: str, hour_id: str, request: Request,
                            ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    conference, ptype = load_participant_type(ctx, conference_id, participant_type_id)
    row = load_unavailable_hour(ctx, ptype, hour_id)
    start, end = unavailable_dates(ctx, conference, request, current=row)
    with ctx.db.transaction() as conn:
        conn.execute("UPDATE unavailable_hours SET start_ts = ?, end_ts = ? WHERE id = ?", (start, end, row["id"]))
        touch_type(conn, ctx, ptype["id"])
    return {"data": ser.unavailable_hour(ctx.db.written("SELECT * FROM unavailable_hours WHERE id = ?", (row["id"],)),
                                         ctx.tz)}


@router.delete(PTYPE + "/unavailable_hours/{hour_id}")
def delete_unavailable_hour(conference_id: str, participant_type_id: str, hour_id: str,
                            ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    _, ptype = load_participant_type(ctx, conference_id, participant_type_id)
    row = load_unavailable_hour(ctx, ptype, hour_id)
    with ctx.db.transaction() as conn:
        conn.execute("DELETE FROM unavailable_hours WHERE id = ?", (row["id"],))
        touch_type(conn, ctx, ptype["id"])
    return {"data": ser.unavailable_hour(row, ctx.tz)}


def type_names(ctx: EventContext, conference_id: int) -> dict[int, str]:
    return {ident: name for ident, name in ctx.db.all("SELECT id, name FROM participant_types WHERE conference_id = ?",
                                                       (conference_id,))}


def participant_resources(ctx: EventContext, conference_id: int, rows: list[Row]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    names = type_names(ctx, conference_id)
    data = [ser.participant(r, ctx.tz, names.get(r["participant_type_id"], "")) for r in rows]
    attendee_ids = [r["attendee_id"] for r in rows]
    attendees = ctx.db.all(f"SELECT * FROM attendees WHERE id IN ({','.join('?' * len(attendee_ids))}) ORDER BY id",
                           attendee_ids) if attendee_ids else []
    attendee_data, _ = attendee_resources(ctx, attendees, set())
    return data, attendee_data


@router.get(CONFERENCE + "/business_conference_participants")
def list_participants(conference_id: str, request: Request, ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    conference = load_conference(ctx, conference_id)
    number, size = page_params(request)
    where, params = "conference_id = ?", [conference["id"]]
    if type_filter := request.query_params.get("participant_type_id"):
        where += " AND participant_type_id = ?"
        params.append(as_id(type_filter, "participant_type_id"))
    if since := since_condition(request, "updated_since", ctx.tz):
        where += " AND " + since[0]
        params.append(since[1])
    rows = ctx.db.all(f"SELECT * FROM participants WHERE {where} ORDER BY id LIMIT ? OFFSET ?",
                      [*params, size, (number - 1) * size])
    data, included = participant_resources(ctx, conference["id"], rows)
    # As the reference's example: data and included, no links or meta (a client pages until a short page).
    return {"data": data, "included": included}


def meeting_resources(ctx: EventContext, conference_id: int, rows: list[Row]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    slot_rows = {s["id"]: s for s in slots(ctx, conference_id)}
    data = [ser.meeting(r, ctx.tz, slot_rows.get(r["slot_id"])) for r in rows]
    ids = sorted({r["host_id"] for r in rows} | {r["guest_id"] for r in rows})
    people = ctx.db.all(f"SELECT * FROM participants WHERE id IN ({','.join('?' * len(ids))}) ORDER BY id",
                        ids) if ids else []
    names = type_names(ctx, conference_id)
    return data, [ser.participant(p, ctx.tz, names.get(p["participant_type_id"], "")) for p in people]


@router.get(CONFERENCE + "/business_conference_participants/{participant_id}/agenda")
def participant_agenda(conference_id: str, participant_id: str, request: Request,
                       ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    conference = load_conference(ctx, conference_id)
    person = ctx.db.one("SELECT * FROM participants WHERE id = ? AND conference_id = ?",
                        (path_id(participant_id), conference["id"]))
    if person is None:
        raise not_found()
    number, size = page_params(request)
    where = "conference_id = ? AND (host_id = ? OR guest_id = ?)"
    params = (conference["id"], person["id"], person["id"])
    total = ctx.db.scalar(f"SELECT COUNT(*) FROM meetings WHERE {where}", params)
    rows = ctx.db.all("SELECT m.* FROM meetings m JOIN slots s ON s.id = m.slot_id WHERE m.conference_id = ? "
                      "AND (m.host_id = ? OR m.guest_id = ?) ORDER BY s.start_ts, m.id LIMIT ? OFFSET ?",
                      (*params, size, (number - 1) * size))
    data, included = meeting_resources(ctx, conference["id"], rows)
    conference_slots = slots(ctx, conference["id"])
    hours = ctx.db.all("SELECT start_ts, end_ts FROM unavailable_hours WHERE participant_type_id = ?",
                       (person["participant_type_id"],))
    blocked = set(json.loads(person["blocked_slots"]))
    blocked |= {str(int(s["start_ts"])) for s in conference_slots
                if any(s["start_ts"] < h["end_ts"] and s["end_ts"] > h["start_ts"] for h in hours)}
    meta = {"agenda": ser.agenda(conference_slots, ctx.tz), "blocked_slots": sorted(blocked),
            "meeting_statuses": MEETING_STATUSES}
    return paged_document(request, data, total, number, size, included=included, meta=meta)


@router.get(CONFERENCE + "/business_conference_meetings")
def list_meetings(conference_id: str, request: Request, ctx: EventContext = Depends(event_context)) -> dict[str, Any]:
    conference = load_conference(ctx, conference_id)
    number, size = page_params(request)
    total = ctx.db.scalar("SELECT COUNT(*) FROM meetings WHERE conference_id = ?", (conference["id"],))
    rows = ctx.db.all("SELECT * FROM meetings WHERE conference_id = ? ORDER BY id LIMIT ? OFFSET ?",
                      (conference["id"], size, (number - 1) * size))
    data, included = meeting_resources(ctx, conference["id"], rows)
    return paged_document(request, data, total, number, size, included=included,
                          meta={"meeting_statuses": MEETING_STATUSES})
