"""The B2B agenda's grid: one state per (slot key, participant id), built from the cached lists (the type's
agenda, its participants, the conference's meetings and the type's unavailable hours); the agenda pane and a
participant's own agenda draw it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from eventtia_tui.api.models import MEETING_STATUSES, Meeting, Participant, Slot, UnavailableHour
from eventtia_tui.gateway import describe_age

from .formatting import local

# When a participant has several meetings in one slot, the cell shows the one that matters most.
STATUS_PRIORITY = ("accepted", "requested", "expired", "rejected")
COLUMN_WIDTH = 8

# kind -> (cell text, legend label)
CELL_LOOK: dict[str, tuple[str, str]] = {
    "accepted": ("✓ acc", "accepted"),
    "requested": ("? req", "requested"),
    "rejected": ("✗ rej", "rejected"),
    "expired": ("– exp", "expired"),
    "blocked": ("▪ blk", "blocked"),
    "unavailable": ("░" * COLUMN_WIDTH, "unavailable"),
}



@dataclass(frozen=True, slots=True)
class CellState:
    """One participant in one slot: their meeting there (if any), and whether the slot is shut for them."""

    status: str | None = None  # the meeting's status name: requested / accepted / rejected / expired
    meeting_id: str | None = None
    other_id: str | None = None  # the other participant of that meeting
    location: str | None = None
    blocked: bool = False  # in the participant's blocked_slots
    unavailable: bool = False  # overlaps one of the participant type's unavailable hours

    @property
    def kind(self) -> str:
        """What the cell shows: the meeting status first, then blocked, unavailable, or free."""
        if self.status:
            return self.status
        if self.blocked:
            return "blocked"
        if self.unavailable:
            return "unavailable"
        return "free"


@dataclass
class AgendaGrid:
    slots: list[Slot]
    participants: list[Participant]
    cells: dict[tuple[int, str], CellState] = field(default_factory=dict)
    unavailable_keys: set[int] = field(default_factory=set)

    def cell(self, key: int, participant_id: str) -> CellState:
        return self.cells.get((key, participant_id), CellState())

    def counts(self) -> Counter[str]:
        """Meetings per status among this grid's participants (a meeting between two of them counts once)."""
        seen: dict[str, str] = {}
        for cell in self.cells.values():
            if cell.meeting_id and cell.status:
                seen[cell.meeting_id] = cell.status
        return Counter(seen.values())


def overlaps(slot: Slot, hour: UnavailableHour) -> bool:
    if hour.start_date is None or hour.end_date is None:
        return False
    try:
        return slot.start < hour.end_date and hour.start_date < slot.end
    except TypeError:  # a naive date against an aware one: cannot tell, so not unavailable
        return False


def _status_name(meeting: Meeting, statuses: Mapping[str, int]) -> str | None:
    for name, value in statuses.items():
        if value == meeting.status:
            return name
    named = meeting.status_name
    return named or (f"status {meeting.status}" if meeting.status is not None else None)


def _priority(status: str | None) -> int:
    return STATUS_PRIORITY.index(status) if status in STATUS_PRIORITY else len(STATUS_PRIORITY)


def participant_name(participant: Participant) -> str:
    return participant.profile_display_name or participant.profile_contact_name or f"#{participant.id}"


def participant_label(participant: Participant) -> str:
    """'Company (Contact)', or whichever of the two is known."""
    name, contact = participant_name(participant), participant.profile_contact_name
    return f"{name} ({contact})" if contact and contact != name else name


def build_grid(slots: Iterable[Slot], participants: Iterable[Participant], meetings: Iterable[Meeting],
               unavailable_hours: Iterable[UnavailableHour],
               statuses: Mapping[str, int] | None = None) -> AgendaGrid:
    """Every (slot key, participant id) of one participant type with its meeting, blocked and unavailable state.

    Meetings are matched to slots by `slot_id`, or by their start time when the slot id is unknown;
    meetings of other participants (or outside the agenda) are ignored.
    """
    statuses = dict(statuses or MEETING_STATUSES)
    slots = sorted(slots, key=lambda slot: slot.key)
    people = sorted(participants, key=lambda p: (participant_name(p).casefold(), p.id or ""))
    hours = list(unavailable_hours)
    keys = {slot.key for slot in slots}
    by_slot_id = {slot.slot_id: slot.key for slot in slots if slot.slot_id is not None}
    unavailable = {slot.key for slot in slots if any(overlaps(slot, hour) for hour in hours)}
    member_ids = {p.id for p in people if p.id}

    booked: dict[tuple[int, str], Meeting] = {}
    for meeting in meetings:
        key = by_slot_id.get(meeting.slot_id) if meeting.slot_id is not None else None
        if key is None and meeting.start_date is not None:
            epoch = int(meeting.start_date.timestamp())
            key = epoch if epoch in keys else None
        if key is None:
            continue
        for pid in meeting.participant_ids:
            if pid not in member_ids:
                continue
            current = booked.get((key, pid))
            if current is None or (_priority(_status_name(meeting, statuses))
                                   < _priority(_status_name(current, statuses))):
                booked[(key, pid)] = meeting

    grid = AgendaGrid(slots, people, unavailable_keys=unavailable)
    for participant in people:
        pid = participant.id or ""
        blocked = set(participant.blocked_slots)
        for slot in slots:
            booking = booked.get((slot.key, pid))
            others = [other for other in booking.participant_ids if other != pid] if booking else []
            grid.cells[(slot.key, pid)] = CellState(
                status=_status_name(booking, statuses) if booking else None,
                meeting_id=booking.id if booking else None,
                other_id=others[0] if others else None,
                location=(booking.location or "").strip() or None if booking else None,
                blocked=slot.key in blocked,
                unavailable=slot.key in unavailable,
            )
    return grid


def offline_note(now: float, fetched_at: float) -> str:
    return f"Offline copy from {describe_age(now - fetched_at)} — it may be out of date."


def slot_label(slot: Slot, tz: ZoneInfo | None = None) -> str:
    """'Tue 24 09:00'."""
    start = local(slot.start, tz)
    return start.strftime("%a %d %H:%M") if start is not None else ""


def short_name(name: str, width: int = COLUMN_WIDTH) -> str:
    name = " ".join(name.split())
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"
