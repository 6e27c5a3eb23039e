"""The ledger of admissions: every badge a desk or a door let in, recorded once, on this machine's disk.

Eventtia's API has no check-in write, so the app remembers admissions itself: `ledger.jsonl` in the state
directory (0600), one JSON line per admission, each with a checksum of its own fields. It is append-only —
nothing is rewritten or removed — and each line is written with one `write` and flushed to the disk before
the admission counts, so a crash (kill -9, a pulled plug) leaves at most one line cut short at the end. The
ledger is checked when it is opened: a line cut short or whose checksum does not match is counted and skipped
(and a cut line is sealed with a newline so the next admission starts on its own line). It holds no token and
is never sent to Eventtia. Several processes on one machine may share it: each reads what the others appended
before it answers. In venue mode (venue/admissions.py) the other machines' admissions are added with
`take_in` — each once, by its id — so every machine's file ends as the union; the earliest admission of a
registration (by time, then id: the same on every machine) is the one verdicts name. At an activity's door
that counts both ways an exit is a line too (kind "exited"); who is inside is who went in last without
leaving (`inside`), so the door's count is its admissions minus its exits.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

LEDGER = "ledger.jsonl"
ADMITTED, READMITTED = "admitted", "re-admitted"  # a supervisor's key let a badge in again
EXITED = "exited"  # scanned out at an activity's door that counts both ways (settings `door_exits`)
KINDS = (ADMITTED, READMITTED, EXITED)
TEXT_LIMIT = 4096  # a field longer than this is cut (a scanner can send anything)


class LedgerError(Exception):
    """The ledger can't be read or written: the sentence says which file and why."""


@dataclass(frozen=True)
class Admission:
    """One badge let in: at `place` (a desk's, or an activity's door), by `machine`, at `at` (epoch seconds)."""

    id: str
    event: str  # the event's URI
    badge: str  # the scanned QR text ("" when let in from a search)
    attendee: str  # the registration id
    place: str
    machine: str
    at: float
    verdict: str  # the verdict's words when it was let in
    kind: str = ADMITTED
    by: str = ""  # for a re-admission: who let them in again
    door: str = ""  # the activity's id when let in at its door ("" at a desk)

    @property
    def readmitted(self) -> bool:
        return self.kind == READMITTED

    @property
    def exit(self) -> bool:
        return self.kind == EXITED

    @property
    def order(self) -> tuple[float, str]:
        """Which of two movements came first: by time, then by id (every machine orders them the same)."""
        return self.at, self.id


FIELDS = tuple(f.name for f in fields(Admission))
EMPTY: Mapping[str, Admission] = MappingProxyType({})


def machine_name() -> str:
    return socket.gethostname() or "this machine"


def checksum(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return f"{zlib.crc32(canonical.encode()):08x}"


def encode(admission: Admission) -> bytes:
    body = asdict(admission)
    return (json.dumps({**body, "check": checksum(body)}, sort_keys=True, separators=(",", ":"),
                       ensure_ascii=True) + "\n").encode()


def decode(line: bytes) -> Admission | None:
    """An admission from one complete line, or None when it is not one (torn, altered, foreign)."""
    try:
        data = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or set(data) != {*FIELDS, "check"}:
        return None
    check = data.pop("check")
    if check != checksum(data) or data["kind"] not in KINDS:
        return None
    if not all(isinstance(data[name], str) for name in FIELDS if name != "at"):
        return None
    if not isinstance(data["at"], (int, float)) or isinstance(data["at"], bool):
        return None
    return Admission(**{**data, "at": float(data["at"])})


def cut(text: str) -> str:
    return text[:TEXT_LIMIT]


class Ledger:
    """This machine's ledger file. `check()` runs at open; `skipped` counts the lines it could not use."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / LEDGER
        self.admissions: list[Admission] = []  # in the order they were written
        self.ids: set[str] = set()
        self.first: dict[tuple[str, str], dict[str, Admission]] = {}  # (event, door) → attendee → the earliest
        self.latest: dict[tuple[str, str], dict[str, Admission]] = {}  # (event, door) → attendee → the last movement
        self.now_inside: dict[tuple[str, str], dict[str, Admission]] = {}  # … → attendee → the entry that let them in
        self.skipped = 0  # lines cut short by a crash or not matching their checksum
        self.offset = 0  # how far the file has been read
        self.problem = ""  # why the ledger can't be read or written, said at start ("" when it can)
        try:
            self.check()
        except LedgerError as error:
            self.problem = str(error)

    def said_at_start(self) -> str:
        """What the desk must know about the ledger when the app starts ("" when all is well)."""
        if self.problem:
            return f"Admissions can't be remembered: {self.problem}."
        if self.skipped:
            lines = f"{self.skipped} line{'s' if self.skipped != 1 else ''}"
            return (f"The ledger of admissions ({self.path}) has {lines} cut short by a crash or altered: "
                    "skipped, every other admission kept.")
        return ""

    def reset(self) -> None:
        self.admissions, self.ids, self.first, self.skipped, self.offset = [], set(), {}, 0, 0
        self.latest, self.now_inside = {}, {}

    def _open(self) -> int:
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as error:
            raise LedgerError(f"the ledger {self.path} can't be opened: {error.strerror or error}") from None
        if os.fstat(descriptor).st_mode & 0o077:
            os.fchmod(descriptor, 0o600)
        return descriptor

    def check(self) -> None:
        """Read the file from where this process left off; seal a line cut short by a crash."""
        descriptor = self._open()
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            self._read(descriptor, seal=True)
        finally:
            os.close(descriptor)

    def _read(self, descriptor: int, *, seal: bool) -> None:
        size = os.fstat(descriptor).st_size
        if size < self.offset:  # replaced by a shorter file: read it all again
            self.reset()
        if size == self.offset:
            return
        data = os.pread(descriptor, size - self.offset, self.offset)
        end = data.rfind(b"\n") + 1
        for line in data[:end].splitlines():
            if line.strip():
                self._take(decode(line))
        self.offset += end
        if end < len(data) and seal:  # a line cut short by a crash: ended here so nothing is glued to it
            os.write(descriptor, b"\n")
            os.fsync(descriptor)
            # Whole but for its newline, it is an admission (read as one from now on): counted now as well.
            self._take(decode(data[end:]))
            self.offset = size + 1

    def _take(self, admission: Admission | None) -> None:
        if admission is None:
            self.skipped += 1
            return
        if admission.id in self.ids:
            return
        self.ids.add(admission.id)
        self.admissions.append(admission)
        where = (admission.event, admission.door)
        latest = self.latest.setdefault(where, {})
        last = latest.get(admission.attendee)
        if last is None or admission.order > last.order:  # merged from another machine, it may be older
            latest[admission.attendee] = admission
            inside = self.now_inside.setdefault(where, {})
            if admission.exit:
                inside.pop(admission.attendee, None)
            else:
                inside[admission.attendee] = admission
        if admission.exit:
            return
        firsts = self.first.setdefault(where, {})
        earlier = firsts.get(admission.attendee)
        if earlier is None or admission.order < earlier.order:
            firsts[admission.attendee] = admission

    def refresh(self) -> None:
        """Take in what other processes on this machine appended since."""
        try:
            size = self.path.stat().st_size
        except OSError:
            size = -1
        if size != self.offset:
            try:
                self.check()
            except LedgerError as error:
                self.problem = str(error)

    def admit(self, *, event: str, attendee: str, place: str, at: float, verdict: str, badge: str = "",
              kind: str = ADMITTED, by: str = "", machine: str | None = None, door: str = "") -> Admission:
        """Record one admission: on the disk (flushed) before it is returned."""
        if kind not in KINDS:
            raise ValueError(f"an admission is {' or '.join(KINDS)}, not {kind!r}")
        admission = Admission(uuid.uuid4().hex, cut(event), cut(badge), cut(attendee), cut(place),
                              cut(machine or machine_name()), float(at), cut(verdict), kind, cut(by), cut(door))
        line = encode(admission)
        descriptor = self._open()
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            self._read(descriptor, seal=True)  # a cut line before ours is sealed first
            try:
                written = os.write(descriptor, line)
                os.fsync(descriptor)
            except OSError as error:
                raise LedgerError(f"the ledger {self.path} can't be written: {error.strerror or error}") from None
            if written != len(line):  # a short write (a full disk): the cut line is sealed and skipped next time
                raise LedgerError(f"the ledger {self.path} took {written} of {len(line)} bytes (is the disk full?)")
            self._read(descriptor, seal=False)
        finally:
            os.close(descriptor)
        return admission

    def take_in(self, admissions: list[Admission]) -> list[Admission]:
        """Add admissions recorded on other machines (venue/admissions.py), each once: those whose id this
        ledger holds already are left out (union by id). One write, flushed, for all of them; the ones added."""
        descriptor = self._open()
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            self._read(descriptor, seal=True)
            new = list({a.id: a for a in admissions if a.id not in self.ids}.values())
            if not new:
                return []
            data = b"".join(encode(a) for a in new)
            try:
                written = os.write(descriptor, data)
                os.fsync(descriptor)
            except OSError as error:
                raise LedgerError(f"the ledger {self.path} can't be written: {error.strerror or error}") from None
            if written != len(data):
                raise LedgerError(f"the ledger {self.path} took {written} of {len(data)} bytes (is the disk full?)")
            self._read(descriptor, seal=False)
        finally:
            os.close(descriptor)
        return new

    def inside(self, event: str, door: str) -> Mapping[str, Admission]:
        """Registration id → the entry that let them in, for those inside the activity's room now: their last
        movement at its door is an entry (a door that counts both ways records exits). The door's count."""
        self.refresh()
        return self.now_inside.get((event, door), EMPTY)

    def first_admission(self, event: str, attendee: str, door: str = "") -> Admission | None:
        """The earliest admission of this registration at this event's desks (at any of them), or at the door
        of the activity `door`."""
        return self.firsts(event, door).get(attendee)

    def firsts(self, event: str, door: str = "") -> Mapping[str, Admission]:
        """Registration id → its earliest admission at this event's desks, or at the door of the activity `door`.
        Kept up to date as admissions are recorded (no copy: a search asks on every keystroke); copy it to keep
        how it was."""
        self.refresh()
        return self.first.get((event, door), EMPTY)

    def of_event(self, event: str, place: str | None = None) -> list[Admission]:
        """This event's admissions, oldest first, at `place` only when given."""
        self.refresh()
        return sorted((a for a in self.admissions if a.event == event and (place is None or a.place == place)),
                      key=lambda a: (a.at, a.id))

    def places(self, event: str) -> list[str]:
        return sorted({a.place for a in self.of_event(event)})

