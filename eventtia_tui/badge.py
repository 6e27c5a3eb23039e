"""Badge scans: how a keyboard-wedge scanner's input is told apart from a person typing, and the verdict
the desk reads from a metre away.

A scanner types the badge's QR string about 2–5 ms a key, then Enter. Over SSH on venue Wi-Fi those keys
arrive in clumps (several keys in one read, a pause, the next clump); a person's keys arrive one at a
time, 50 ms or more apart, and even a laggy link rarely lumps more than two or three of them together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .gateway.records import AttendeeRecord

CLUMP_GAP = 0.030  # keys closer than this arrived together: a scanner's burst, or a network clump
PHRASE_GAP = 0.5  # clumps closer than this are one input (a scan the network cut into pieces)
MIN_SCAN = 6  # printable characters before Enter for a burst to count as a scan
KEY_ISOLATION = 0.25  # longer than a round trip on venue Wi-Fi: a scan's first key sent alone is not alone


def clumps(times: list[float], gap: float = CLUMP_GAP) -> list[int]:
    """The sizes of the runs of key times that are each within `gap` (CLUMP_GAP) of the one before."""
    sizes: list[int] = []
    for position, moment in enumerate(times):
        if position and moment - times[position - 1] <= gap:
            sizes[-1] += 1
        else:
            sizes.append(1)
    return sizes


def scanned_suffix(times: list[float], gap: float = CLUMP_GAP, min_scan: int = MIN_SCAN) -> int:
    """How many of the last keys (typed before an Enter) came from a scanner: 0 when a person typed them.

    Walking back from the Enter, clumps of two or more keys are the scanner's; the first single key
    (a person's) ends the scan. Fewer than `min_scan` keys is not a scan.
    """
    count = 0
    for size in reversed(clumps(times, gap)):
        if size < 2:
            break
        count += size
    return count if count >= min_scan else 0


def looks_like_badge(text: str) -> bool:
    """An Eventtia QR string: `code|First Last|email|Company - Job|phone` (the reference's qr_code)."""
    parts = text.strip().split("|")
    return len(parts) >= 3 and bool(parts[0].strip()) and " " not in parts[0].strip()


@dataclass(frozen=True)
class Verdict:
    words: str  # "CONFIRMED", "CANCELLED", "ALREADY CHECKED IN at 09:12", "NOT FOUND" …
    level: str  # "ok", "warning" or "problem" (a problem rings the bell)
    detail: str = ""

    @property
    def problem(self) -> bool:
        return self.level == "problem"


NOT_FOUND_HERE = Verdict("NOT FOUND", "problem", "No attendee on this machine has this badge.")
NOT_FOUND_ANYWHERE = Verdict("NOT FOUND", "problem", "Neither this machine nor Eventtia knows this badge.")
NOT_FOUND_OFFLINE = Verdict("NOT FOUND", "problem", "Not on this machine, and Eventtia can't be reached to check: "
                                                    "ask for an ID, or scan again when the network is back.")


def verdict_for(record: AttendeeRecord, *, price: float | None = None,
                checked_in_at: datetime | None = None) -> Verdict:
    """What the desk must know first about this attendee, most serious first.

    `price` is the attendee type's price (None when unknown): an unpaid registration is only a problem
    for a type that costs something. `checked_in_at` is `checked_in_date` in the event's time zone.
    """
    status = record.status.casefold()
    if status == "rejected":
        return Verdict("REJECTED", "problem", "This registration was rejected: do not admit.")
    if record.cancelled and status.startswith("cancel") and status != "cancelled":
        return Verdict("BEING CANCELLED", "problem",
                       "Cancelled here, not yet confirmed by Eventtia (Ctrl+Z may still keep it): do not admit.")
    if record.cancelled:
        return Verdict("CANCELLED", "problem", "This registration was cancelled: do not admit.")
    if not record.paid and price:
        return Verdict("NOT PAID", "problem", "The ticket has not been paid.")
    if record.checked_in:
        at = f" at {checked_in_at:%H:%M}" if checked_in_at is not None else ""
        day = f" on {checked_in_at:%a %d %b at %H:%M}" if checked_in_at is not None else " before"
        return Verdict(f"ALREADY CHECKED IN{at}", "warning", f"This badge was checked in{day}.")
    if status == "confirmed":
        return Verdict("CONFIRMED", "ok", "Registered and confirmed.")
    return Verdict(status.upper() or "UNKNOWN", "warning", "The registration is not confirmed yet.")


@dataclass(frozen=True)
class ScanEntry:
    """One scan of this session, for the supervisor's list."""

    at: float  # epoch seconds
    scanned: str
    verdict: Verdict
    name: str = ""  # the attendee it found, if any
    where: str = "desk"  # "desk", or the activity whose door checked it
