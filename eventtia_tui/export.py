"""Tables that leave the app: attendees, an activity's roster, ticket stats, the B2B agenda and the ledger of
admissions as CSV or JSON.

Plain functions (no Textual, no HTTP): the screens and the `export` command build an `ExportTable` from what
they already hold, then `render` it and write it where an `ExportPlace` allows.

A CSV is opened in a spreadsheet, which runs a cell that starts with = + - or @ as a formula: such a cell is
written with a leading apostrophe, which the spreadsheet shows as text — but not a phone number (a + then only
digits, spaces, dashes, dots and parentheses), which could at most be summed and would be damaged by the
apostrophe. Every string is first cleaned of control characters (shown as harmless stand-ins, as on screen: a
leading tab or CR, which some spreadsheets also honour, is then ␉ or ␍), so a hostile name stays plain text in a
file, a spreadsheet or a terminal. A CSV for Excel starts with a byte order mark: without it Excel reads UTF-8 as
the machine's legacy code page ("BogotÃ¡").
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import Enum
from pathlib import Path
from typing import Any

from platformdirs import user_downloads_dir

from .store.ledger import Admission
from .text import clean_text, dumps_for_terminal, shown
from .verdict import UNAVAILABLE, PersonFacts, Verdict

FORMATS = ("csv", "json")
FORMULA_STARTS = ("=", "+", "-", "@")  # a leading tab or CR is cleaned to ␉ ␍ first
# "+57 300 123 4567", "+1 (555) 010-9999": nothing a spreadsheet can run (no name, so no function, link or DDE).
PHONE = re.compile(r"\+[0-9 ().-]*[0-9][0-9 ().-]*")
EXCEL_BOM = "\ufeff"  # UTF-8's byte order mark: how Excel knows a CSV is UTF-8


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
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        value = parsed
    if value is None:
        return ""
    if tz is not None and value.tzinfo is not None:
        value = value.astimezone(tz)
    return value.isoformat(timespec="seconds")


ATTENDEE_COLUMNS = ["id", "uuid", "first_name", "last_name", "email", "company", "job_title", "telephone",
                    "attendee_type", "status", "verdict", "verdict_level", "paid", "checked_in", "checked_in_date",
                    "qr_code"]


def attendee_table(records: Iterable[Any], type_names: Mapping[str, str], *, title: str,
                   tz: tzinfo | None = None, facts: PersonFacts | None = None) -> ExportTable:
    """Attendee records (the synced copy's, gateway.AttendeeRecord) with their type's name and the verdict the
    desk sees (`facts`: the types' prices; without them an unpaid registration's price is unknown)."""
    facts = facts if facts is not None else PersonFacts(UNAVAILABLE, tz)
    rows = []
    for r in records:
        verdict = facts.verdict(r)
        rows.append([r.id, r.uuid, r.first_name, r.last_name, r.email, r.company, r.job_title, r.telephone,
                     type_names.get(r.type_id, ""), r.status, verdict.words, verdict.level, r.paid, r.checked_in,
                     iso(r.checked_in_at or None, tz), r.qr_code])
    return ExportTable("attendees", title, list(ATTENDEE_COLUMNS), rows)


ROSTER_COLUMNS = ["id", "first_name", "last_name", "email", "company", "status", "verdict", "verdict_level",
                  "checked_in", "qr_code"]


def roster_table(attendees: Iterable[Any], *, title: str, verdicts: Iterable[Verdict | None] = ()) -> ExportTable:
    """An activity's roster (api.models.Attendee with their field names bound), each with its person's verdict
    (`verdicts` in the same order; blank when not given)."""
    attendees, verdicts = list(attendees), list(verdicts)
    verdicts += [None] * (len(attendees) - len(verdicts))
    rows = [[a.id, a.first_name, a.last_name, a.email, a.company, a.status, v.words if v else "", v.level if v else "",
             a.checked_in, a.qr_code] for a, v in zip(attendees, verdicts)]
    return ExportTable("roster", title, list(ROSTER_COLUMNS), rows)


LEDGER_COLUMNS = ["admission_id", "event", "admitted_at", "place", "activity_id", "machine", "registration_id", "name",
                  "badge", "verdict", "kind", "by"]


def ledger_table(admissions: Iterable[Admission], *, title: str, names: Mapping[str, str] | None = None) -> ExportTable:
    """The ledger's admissions (store.ledger.Admission), oldest first, times in UTC (ISO 8601): the same file
    from F5's Ctrl+T and `eventtia-tui ledger` (`activity_id`: the activity whose door let them in, blank at a
    desk). `names`: registration id → name, where this machine knows it."""
    names = names or {}
    rows = [[a.id, a.event, iso(datetime.fromtimestamp(a.at, UTC)), a.place, a.door, a.machine, a.attendee,
             names.get(a.attendee, ""), a.badge, a.verdict, a.kind, a.by]
            for a in sorted(admissions, key=lambda a: (a.at, a.id))]
    return ExportTable("ledger", title, list(LEDGER_COLUMNS), rows)


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
    return "'" + text if text.startswith(FORMULA_STARTS) and not PHONE.fullmatch(text) else text


def to_csv(table: ExportTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(column) for column in table.columns])
    writer.writerows([csv_cell(value) for value in row] for row in table.rows)
    return out.getvalue()


def to_json(table: ExportTable) -> str:
    rows = [{column: plain_value(value) for column, value in zip(table.columns, row)} for row in table.rows]
    return dumps_for_terminal(rows, indent=2) + "\n"


def render(table: ExportTable, fmt: str, *, excel: bool = False) -> str:
    """The file's text (written as UTF-8); `excel`: a CSV that Excel opens with its accents (a BOM first)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (csv or json)")
    if excel and fmt != "csv":
        raise ValueError("the Excel option is for CSV")
    if fmt == "json":
        return to_json(table)
    return EXCEL_BOM + to_csv(table) if excel else to_csv(table)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40] or "export"


def default_name(uri: str, table: ExportTable, fmt: str, now: float) -> str:
    """'demo-expo-attendees-20261130-045210.csv' (the machine's local time)."""
    stamp = datetime.fromtimestamp(now).strftime("%Y%m%d-%H%M%S")
    return f"{slug(uri)}-{slug(table.kind)}-{stamp}.{fmt}"


def with_format(path: Path, fmt: str) -> Path:
    """The path with the format's extension (only when it has the other one, or none)."""
    if path.suffix.lower() in ("", *(f".{other}" for other in FORMATS)):
        return path.with_suffix(f".{fmt}")
    return path


class ExportError(Exception):
    """The file may not or could not be written; the message names the file and why."""


class Existing(Enum):
    NOTHING = "nothing"
    EARLIER_EXPORT = "an earlier export"  # written by this app (the ledger has this very file)
    OTHER_FILE = "another file"  # replaced only after a confirmation naming it


LEDGER_SIZE = 500  # the newest exports remembered as this app's own


@dataclass(frozen=True)
class ExportPlace:
    """Where exports may go: into the export folder (a setting, made when missing) or elsewhere in the user's
    home — never a dotfile or a hidden folder, never through a symbolic link, never `..`, and never over a file
    this app did not export unless the user confirmed that file. Files are created exclusively (O_EXCL,
    O_NOFOLLOW), 0600, whole or not at all. The ledger (in the data dir) lists the files exported here, by
    inode, size and change time, so a file put there since under the same name (or an export edited since)
    is not taken for one."""

    folder: Path
    home: Path
    ledger: Path | None = None

    def target(self, typed: str | Path, base: Path | None = None) -> Path:
        """The file a typed path names (a relative one in `base`, by default the export folder), or
        ExportError saying why it may not be written."""
        text = str(typed).strip()
        if not text:
            raise ExportError("Type the file to write.")
        if not text.isprintable():
            raise ExportError("An export's path cannot hold control or invisible characters.")
        path = Path(text).expanduser()
        if ".." in path.parts:
            raise ExportError(f"{text}: “..” is not allowed in an export's path; type a file name (it goes in "
                              f"{self.folder}) or a full path.")
        if not path.is_absolute():
            path = (base or self.folder) / path
        root = next((root for root in (self.folder, self.home) if path.is_relative_to(root)), None)
        if root is None:
            raise ExportError(f"{path} is outside your home folder and the export folder ({self.folder}): "
                              "exports are written only there.")
        inside = path.relative_to(root).parts
        if not inside:
            raise ExportError(f"{path} is a folder: type a file name.")
        if any(part.startswith(".") for part in inside):
            raise ExportError(f"{path}: hidden files and folders (a name starting with “.”) are not written by "
                              "an export.")
        folder = root
        for part in inside[:-1]:
            folder = folder / part
            if folder.is_symlink():
                raise ExportError(f"{folder} is a symbolic link: an export is never written through one.")
        if path.is_symlink():
            raise ExportError(f"{path} is a symbolic link: an export never replaces one.")
        if path.is_dir():
            raise ExportError(f"{path} is a folder: type a file name.")
        if path.exists() and not path.is_file():
            raise ExportError(f"{path} is not a regular file.")
        if path.parent != self.folder and not path.parent.is_dir():  # only the export folder is made
            raise ExportError(f"There is no folder {path.parent}.")
        return path

    def existing(self, path: Path) -> Existing:
        try:
            info = path.lstat()
        except OSError:
            return Existing.NOTHING
        return Existing.EARLIER_EXPORT if self.exported().get(str(path)) == fingerprint(info) else Existing.OTHER_FILE

    def exported(self) -> dict[str, list[int]]:
        try:
            found = json.loads(self.ledger.read_text(encoding="utf-8")) if self.ledger else {}
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def write(self, path: Path, text: str, *, replace_other: bool = False) -> Path:
        """Write `path` (from `target`): a new file exclusively; over an earlier export; over another file only
        with `replace_other` (the user confirmed that file)."""
        path = self.target(path)
        if self.existing(path) is Existing.OTHER_FILE and not replace_other:
            raise ExportError(f"{path} already exists and is not an export of eventtia-tui: it is not replaced "
                              "(pick another name, or remove it first).")
        try:
            if path.parent == self.folder:
                self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = write_private(path, text.encode("utf-8"), replace=path.exists())
        except OSError as error:
            raise ExportError(f"Could not write {path}: {error.strerror or error}.") from None
        self.remember(path, info)
        return path

    def remember(self, path: Path, info: os.stat_result) -> None:
        if self.ledger is None:
            return
        exported = self.exported()
        exported.pop(str(path), None)
        exported[str(path)] = fingerprint(info)
        kept = dict(list(exported.items())[-LEDGER_SIZE:])
        try:
            self.ledger.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_private(self.ledger, json.dumps(kept).encode("utf-8"), replace=True)
        except OSError:  # the export is written; it is only not known as one next time
            pass


def fingerprint(info: os.stat_result) -> list[int]:
    """The file as written: its inode, and its size and change time (any write, even in place, changes them)."""
    return [info.st_dev, info.st_ino, info.st_size, info.st_ctime_ns]


def write_new(folder: int, name: str, data: bytes) -> None:
    handle = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=folder)
    try:
        with os.fdopen(handle, "wb") as file:
            os.fchmod(file.fileno(), 0o600)
            file.write(data)
    except BaseException:
        os.unlink(name, dir_fd=folder)
        raise


def export_place(export_dir: Path | None, data_dir: Path) -> ExportPlace:
    """The settings' export folder (by default the platform's downloads folder, ~/Downloads) and the home."""
    folder = Path(export_dir or user_downloads_dir()).expanduser().absolute()
    return ExportPlace(folder, Path.home().absolute(), data_dir / "exports.json")


def write_private(path: Path, data: bytes, *, replace: bool) -> os.stat_result:
    """`data` into a new 0600 file beside `path` (O_EXCL, O_NOFOLLOW, in the folder opened without following a
    link), then moved to `path`: renamed over it when `replace`, else linked there, which fails if something
    appeared meanwhile. A rename or a link never writes through a symbolic link at `path`."""
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    temporary = f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=folder)
        try:
            with os.fdopen(handle, "wb") as file:
                os.fchmod(file.fileno(), 0o600)  # whatever the umask
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            if replace:
                os.replace(temporary, path.name, src_dir_fd=folder, dst_dir_fd=folder)
            else:
                try:
                    os.link(temporary, path.name, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False)
                except FileExistsError:
                    raise
                except OSError:  # no hard links here (a FAT stick): the name itself is created exclusively
                    write_new(folder, path.name, data)
        finally:
            try:
                os.unlink(temporary, dir_fd=folder)
            except FileNotFoundError:
                pass
        return os.stat(path.name, dir_fd=folder, follow_symlinks=False)
    finally:
        os.close(folder)
