"""Tables that leave the app: attendees, an activity's roster, ticket stats and the B2B agenda as CSV or JSON.

Plain functions (no Textual, no HTTP): the screens and the `export` command build an `ExportTable` from what
they already hold, then `render` it and `write_export` it.

A CSV is opened in a spreadsheet, which runs a cell that starts with = + - or @ as a formula: such a cell is
written with a leading apostrophe, which the spreadsheet shows as text. Every string is first cleaned of
control characters (shown as harmless stand-ins, as on screen: a leading tab or CR, which some spreadsheets
also honour, is then ␉ or ␍), so a hostile name stays plain text in a file, a spreadsheet or a terminal.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from .text import clean_text, dumps_for_terminal, shown

FORMATS = ("csv", "json")
FORMULA_STARTS = ("=", "+", "-", "@")  # a leading tab or CR is cleaned to ␉ ␍ first


@dataclass
class ExportTable:
    """What an export holds: `kind` names the file ("attendees", "roster", "tickets", "agenda")."""

    kind: str
    title: str  # for people: "Demo Expo — attendees matching “ana”"
    columns: list[str]
    rows: list[list[Any]]

    def __len__(self) -> int:
        return len(self.rows)


# Building the tables -----------------------------------------------------------------------------------


def iso(value: datetime | str | None, tz: tzinfo | None = None) -> str:
    """A date as ISO 8601 in the event's time zone (a string from the cache is parsed first)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value is None:
        return ""
    if tz is not None and value.tzinfo is not None:
        value = value.astimezone(tz)
    return value.isoformat(timespec="seconds")


ATTENDEE_COLUMNS = ["id", "uuid", "first_name", "last_name", "email", "company", "job_title", "telephone",
                    "attendee_type", "status", "paid", "checked_in", "checked_in_date", "qr_code"]


def attendee_table(records: Iterable[Any], type_names: Mapping[str, str], *, title: str,
                   tz: tzinfo | None = None) -> ExportTable:
    """Attendee records (the synced copy's, gateway.AttendeeRecord) with their type's name."""
    rows = [[r.id, r.uuid, r.first_name, r.last_name, r.email, r.company, r.job_title, r.telephone,
             type_names.get(r.type_id, ""), r.status, r.paid, r.checked_in, iso(r.checked_in_at or None, tz),
             r.qr_code] for r in records]
    return ExportTable("attendees", title, list(ATTENDEE_COLUMNS), rows)


ROSTER_COLUMNS = ["id", "first_name", "last_name", "email", "company", "status", "checked_in", "qr_code"]


def roster_table(attendees: Iterable[Any], *, title: str) -> ExportTable:
    """An activity's roster (api.models.Attendee with their field names bound)."""
    rows = [[a.id, a.first_name, a.last_name, a.email, a.company, a.status, a.checked_in, a.qr_code]
            for a in attendees]
    return ExportTable("roster", title, list(ROSTER_COLUMNS), rows)


TICKET_COLUMNS = ["attendee_type", "used_seats", "seats_limit", "seats_left", "checked_in"]


def tickets_table(stats: Iterable[Any], checked_in: Mapping[str, int] | None = None, *, title: str) -> ExportTable:
    """Tickets-stats rows; `checked_in` by the row's name, from the synced copy (blank when not synced)."""
    rows = []
    for stat in stats:
        arrived = (checked_in or {}).get(stat.name or "")
        rows.append([stat.name, stat.used_seats, stat.seats_limit, stat.seats_left,
                     "" if arrived is None else arrived])
    return ExportTable("tickets", title, list(TICKET_COLUMNS), rows)


AGENDA_COLUMNS = ["start", "end", "status", "participant", "with", "location", "meeting_id"]


def agenda_table(meetings: Iterable[Any], names: Mapping[str, str], *, title: str,
                 tz: tzinfo | None = None, only: set[str] | None = None) -> ExportTable:
    """B2B meetings in time order, one row each; `only`: keep the meetings of these participant ids
    (one participant type's grid), and name one of them first."""
    rows = []
    for meeting in sorted(meetings, key=lambda m: (m.start_date is None, m.start_date or datetime.min, m.id or "")):
        ids = list(meeting.participant_ids)
        if only is not None:
            if not any(pid in only for pid in ids):
                continue
            ids.sort(key=lambda pid: pid not in only)
        first, *others = ids or [""]
        rows.append([iso(meeting.start_date, tz), iso(meeting.end_date, tz),
                     meeting.status_name or ("" if meeting.status is None else str(meeting.status)),
                     names.get(first, first), "; ".join(names.get(pid, pid) for pid in others),
                     meeting.location or "", meeting.id])
    return ExportTable("agenda", title, list(AGENDA_COLUMNS), rows)


# Writing them ------------------------------------------------------------------------------------------


def plain_value(value: Any) -> Any:
    """A JSON-ready value: strings cleaned of control characters, None/bool/numbers as they are."""
    if isinstance(value, str):
        return clean_text(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return clean_text(str(value))


def csv_cell(value: Any) -> str:
    """One CSV cell: text a spreadsheet shows as text (never runs as a formula), no control characters."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)  # a negative number is a number, not a formula
    text = shown(clean_text(str(value)))  # the display rule: a bidi override shows, it cannot reverse a row
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(table: ExportTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(column) for column in table.columns])
    writer.writerows([csv_cell(value) for value in row] for row in table.rows)
    return out.getvalue()


def to_json(table: ExportTable) -> str:
    rows = [{column: plain_value(value) for column, value in zip(table.columns, row)} for row in table.rows]
    return dumps_for_terminal(rows, indent=2) + "\n"


def render(table: ExportTable, fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (csv or json)")
    return to_csv(table) if fmt == "csv" else to_json(table)


def exports_dir(cache_dir: Path) -> Path:
    """Where exports go unless a path is given: beside the cache directory, never inside it (a cache may be
    emptied at any time)."""
    return cache_dir.with_name(f"{cache_dir.name}-exports")


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40] or "export"


def default_path(cache_dir: Path, uri: str, table: ExportTable, fmt: str, now: float) -> Path:
    """'<cache>-exports/demo-expo-attendees-20261130-0452.csv' (the machine's local time)."""
    stamp = datetime.fromtimestamp(now).strftime("%Y%m%d-%H%M%S")
    return exports_dir(cache_dir) / f"{slug(uri)}-{slug(table.kind)}-{stamp}.{fmt}"


def with_format(path: Path, fmt: str) -> Path:
    """The path with the format's extension (only when it has the other one, or none)."""
    if path.suffix.lower() in ("", *(f".{other}" for other in FORMATS)):
        return path.with_suffix(f".{fmt}")
    return path


class ExportError(Exception):
    """The file could not be written; the message names the file and why."""


def write_export(path: Path, text: str, *, make_parents: bool = False) -> Path:
    """Write the whole file or nothing (a temporary file renamed over it). It holds attendees' data: 0600.
    Only the default folder is created; a typed path whose folder does not exist is an error."""
    path = path.expanduser()
    if path.is_dir():
        raise ExportError(f"{path} is a folder: type a file name.")
    folder = path.parent
    try:
        if make_parents:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        elif not folder.is_dir():
            raise ExportError(f"There is no folder {folder}.")
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
                file.write(text)
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise ExportError(f"Could not write {path}: {error.strerror or error}.") from None
    return path
