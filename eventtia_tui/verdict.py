"""The verdict the desk reads from a metre away: one answer for a person, shown the same everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .gateway.records import AttendeeRecord


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


def by_email_only(verdict: Verdict, registrations: int) -> Verdict:
    """A scanned badge whose QR and code match no registration, only its email: an old badge, a family
    member's, one printed elsewhere. Never a green word: the desk checks who this is first."""
    share = f"{registrations} registrations share its email" if registrations > 1 else "one registration has its email"
    return Verdict("MATCHED BY EMAIL ONLY", "problem",
                   f"This badge's QR matches no registration; {share}. Shown: {verdict.words} — check who this is.")


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
