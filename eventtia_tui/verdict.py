"""The verdict the desk reads from a metre away: one answer for a person, shown the same everywhere.

`verdict_for` is the only place a person's status is decided. The card's banner, the search rows, an
activity's roster rows and door verdict, the recent scans (F5) and the exports all show what it returns
(`PersonFacts.verdict` gathers its inputs for one event). A write held or queued on this machine marks the
record it changes (a cancellation sets a status starting with "cancel", see actions/attendees.py), so the
verdict sees it without asking the runner.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import Enum
from typing import Any

from .store.records import AttendeeRecord, record_from_attendee
from .zones import local

STATUS_WIDTH = 24  # an unknown status shown as the verdict is cut to this many characters
# Least to most serious. "checking" is neutral: a fact the verdict needs is still being fetched.
LEVELS = ("ok", "checking", "warning", "problem")


@dataclass(frozen=True)
class Verdict:
    words: str  # "CONFIRMED", "CANCELLED", "ALREADY CHECKED IN at 09:12", "NOT FOUND" …
    level: str  # one of LEVELS (a problem rings the bell)
    detail: str = ""

    @property
    def problem(self) -> bool:
        return self.level == "problem"

    def as_columns(self) -> dict[str, str]:
        """The verdict as an export's or `find --json`'s columns."""
        return {"verdict": self.words, "verdict_level": self.level}

    @property
    def final(self) -> bool:
        """False while a fact it depends on is still being fetched (the banner says CHECKING…)."""
        return self.level != "checking"


class Unknown(Enum):
    FETCHING = "still being fetched"
    UNAVAILABLE = "could not be fetched"


FETCHING = Unknown.FETCHING  # a fact not known yet (the attendee types are being fetched)
UNAVAILABLE = Unknown.UNAVAILABLE  # a fact this machine could not get (offline with no copy, a type deleted since)

NOT_FOUND_HERE = Verdict("NOT FOUND", "problem", "No attendee on this machine has this badge.")
NOT_FOUND_ANYWHERE = Verdict("NOT FOUND", "problem", "Neither this machine nor Eventtia knows this badge.")
NOT_FOUND_OFFLINE = Verdict("NOT FOUND", "problem", "Not on this machine, and Eventtia can't be reached to check: "
                                                    "ask for an ID, or scan again when the network is back.")


def not_found_held_back(asks: str) -> Verdict:
    """NOT FOUND while Eventtia asks to wait (a 429's Retry-After, `asks`: "Eventtia asks to wait 10 min"): it
    answers, so not "can't be reached"."""
    return Verdict("NOT FOUND", "problem", f"Not on this machine, and {asks} before it is asked again: "
                                           "ask for an ID, or scan again then.")


CHECKING = Verdict("CHECKING…", "checking", "Still fetching this ticket's price: wait a moment before admitting.")


def by_email_only(verdict: Verdict, registrations: int) -> Verdict:
    """A scanned badge whose QR and code match no registration, only its email: an old badge, a family
    member's, one printed elsewhere. Never a green word: the desk checks who this is first."""
    share = f"{registrations} registrations share its email" if registrations > 1 else "one registration has its email"
    return Verdict("MATCHED BY EMAIL ONLY", "problem",
                   f"This badge's QR matches no registration; {share}. Shown: {verdict.words} — check who this is.")


def checked_in_time(record: AttendeeRecord, tz: tzinfo | None) -> datetime | None:
    """`checked_in_date` in the event's time zone (None when none, or not a date)."""
    if not record.checked_in_at:
        return None
    try:
        return local(datetime.fromisoformat(record.checked_in_at), tz)
    except ValueError:
        return None


def verdict_for(record: AttendeeRecord, *, price: float | None | Unknown = FETCHING, tz: tzinfo | None = None,
                admitted_here_at: float | None = None) -> Verdict:
    """What the desk must know first about this attendee: a problem before a warning before ok.

    `price` is the attendee type's price: an unpaid registration is a problem only for a type that costs
    something; None when the type has no price. While it is FETCHING an unpaid registration is CHECKING…,
    and when it is UNAVAILABLE a warning — never a green word. `tz` is the event's time zone (for the
    check-in time). `admitted_here_at` (epoch seconds): this machine's desk already let this person in (the
    API has no check-in write, so a badge handed back over the barrier is otherwise CONFIRMED again).
    """
    status = record.status.casefold()
    if status == "rejected":
        return Verdict("REJECTED", "problem", "This registration was rejected: do not admit.")
    if record.being_cancelled:
        return Verdict("BEING CANCELLED", "problem",
                       "Cancelled here, not yet confirmed by Eventtia (Ctrl+Z may still keep it): do not admit.")
    if record.cancelled:
        return Verdict("CANCELLED", "problem", "This registration was cancelled: do not admit.")
    if not record.paid:
        if price is FETCHING:
            return CHECKING
        if price is UNAVAILABLE:
            return Verdict("NOT PAID — PRICE UNKNOWN", "warning",
                           "Not paid, and this ticket's price can't be fetched here: check whether it costs anything.")
        if price:
            return Verdict("NOT PAID", "problem", "The ticket has not been paid.")
    if record.checked_in:
        checked_in_at = checked_in_time(record, tz)
        at = f" at {checked_in_at:%H:%M}" if checked_in_at is not None else ""
        day = f" on {checked_in_at:%a %d %b at %H:%M}" if checked_in_at is not None else " before"
        return Verdict(f"ALREADY CHECKED IN{at}", "warning", f"This badge was checked in{day}.")
    if admitted_here_at is not None:
        let_in = datetime.fromtimestamp(admitted_here_at, tz)
        return Verdict(f"ALREADY LET IN at {let_in:%H:%M}", "warning",
                       f"This desk let this badge in at {let_in:%H:%M}: make sure it is not being used twice.")
    if status == "confirmed":
        return Verdict("CONFIRMED", "ok", "Registered and confirmed.")
    shown = " ".join(record.status.split())[:STATUS_WIDTH].upper()  # Eventtia's word, on one line
    return Verdict(shown or "UNKNOWN", "warning", "The registration is not confirmed yet.")


def type_prices(attendee_types: Iterable[Any]) -> dict[str, float | None]:
    """Attendee type id → its price (api.models.AttendeeType)."""
    return {str(t.id): t.price for t in attendee_types if t.id}


@dataclass(frozen=True)
class PersonFacts:
    """What one event's verdicts need beyond the record: its types' prices and its time zone.

    `prices` is FETCHING while the attendee types are being fetched, UNAVAILABLE when they could not be."""

    prices: Mapping[str, float | None] | Unknown = FETCHING
    tz: tzinfo | None = None
    admitted_here: Mapping[str, float] = field(default_factory=dict)  # attendee id → when this desk let them in

    def price(self, type_id: str) -> float | None | Unknown:
        if isinstance(self.prices, Unknown):
            return self.prices
        return self.prices.get(type_id, UNAVAILABLE)  # a type deleted since the types were fetched

    def verdict(self, record: AttendeeRecord, *, named_by_email: int = 0) -> Verdict:
        """`named_by_email`: a scanned badge found this record only by its email, among that many registrations."""
        verdict = verdict_for(record, price=self.price(record.type_id), tz=self.tz,
                              admitted_here_at=self.admitted_here.get(record.id))
        return by_email_only(verdict, named_by_email) if named_by_email and verdict.final else verdict


def listed_person(attendee: Any, index: Any, names_by_type: dict[str, dict[str, str]]) -> AttendeeRecord | None:
    """An activity roster's attendee (api.models.Attendee) as this machine knows them: the synced record (it
    carries a cancellation held or queued here), else the roster's own copy."""
    record = index.get(attendee.id) if index is not None and attendee.id else None
    return record if record is not None else record_from_attendee(attendee, names_by_type)


@dataclass(frozen=True)
class ScanEntry:
    """One scan of this session, for the supervisor's list."""

    at: float  # epoch seconds
    scanned: str
    verdict: Verdict
    name: str = ""  # the attendee it found, if any
    where: str = "desk"  # "desk", or the activity whose door checked it
    attendee_id: str = ""

    @property
    def let_in_at_the_desk(self) -> bool:
        """A person's badge at the desk whose verdict let them in (ok, or a warning the desk can wave through)."""
        return bool(self.attendee_id) and self.where == "desk" and self.verdict.level in ("ok", "warning")
