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

from .store.ledger import Admission
from .store.records import AttendeeRecord, record_from_attendee
from .text import shown
from .zones import local

READMIT_KEY = "Ctrl+A"  # the card's Admit key, a supervisor's re-admission on ALREADY ADMITTED (attendee_card.py)
PLACE_SHOWN = 40  # a place in a verdict, at most this many cells
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
CONFIRMING = Verdict("CHECKING…", "checking", "Asking Eventtia whether this registration still stands: wait a moment "
                                             "before admitting.")


def with_source(verdict: Verdict, source: str) -> Verdict:
    """A scan's verdict saying where it comes from, when the desk should know (gateway/reconcile.py's
    `Checks.from_copy`: from this machine's copy, and why Eventtia was not asked; or Eventtia's answer just now)."""
    if not source or not verdict.final:
        return verdict
    return Verdict(verdict.words, verdict.level, f"{verdict.detail} {source}".strip())


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


class Payment(Enum):
    """Where a registration stands on payment, as the card's "Paid" line says it."""

    PAID = "yes"
    CHECKING = "no — checking whether this ticket costs anything…"
    PRICE_UNKNOWN = "no — this ticket's price can't be fetched here"
    OWED = "no"
    FREE = "not needed (free ticket)"


def payment_of(record: AttendeeRecord, price: float | None | Unknown) -> Payment:
    """The one payment rule (the verdict's and the card's): unpaid is owed only for a ticket that costs something."""
    if record.paid:
        return Payment.PAID
    if price is FETCHING:
        return Payment.CHECKING
    if price is UNAVAILABLE:
        return Payment.PRICE_UNKNOWN
    return Payment.OWED if price else Payment.FREE


def verdict_for(record: AttendeeRecord, *, price: float | None | Unknown = FETCHING, tz: tzinfo | None = None,
                admitted: Admission | None = None) -> Verdict:
    """What the desk must know first about this attendee: a problem before a warning before ok.

    `price` is the attendee type's price: an unpaid registration is a problem only for a type that costs
    something; None when the type has no price. While it is FETCHING an unpaid registration is CHECKING…,
    and when it is UNAVAILABLE a warning — never a green word. `tz` is the event's time zone (for the
    check-in time). `admitted`: the ledger's first admission of this registration at this event (the API has no
    check-in write, so a badge handed back over the barrier would otherwise be CONFIRMED again).
    """
    status = record.status.casefold()
    if status == "rejected":
        return Verdict("REJECTED", "problem", "This registration was rejected: do not admit.")
    if record.being_cancelled:
        return Verdict("BEING CANCELLED", "problem",
                       "Cancelled here, not yet confirmed by Eventtia (Ctrl+Z may still keep it): do not admit.")
    if record.cancelled:
        return Verdict("CANCELLED", "problem", "This registration was cancelled: do not admit.")
    if admitted is not None:  # a problem whatever the price: let in once already
        return already_admitted(admitted, tz)
    payment = payment_of(record, price)
    if payment is Payment.CHECKING:
        return CHECKING
    if payment is Payment.PRICE_UNKNOWN:
        return Verdict("NOT PAID — PRICE UNKNOWN", "warning",
                       "Not paid, and this ticket's price can't be fetched here: check whether it costs anything.")
    if payment is Payment.OWED:
        return Verdict("NOT PAID", "problem", "The ticket has not been paid.")
    if record.checked_in:
        checked_in_at = checked_in_time(record, tz)
        at = f" at {checked_in_at:%H:%M}" if checked_in_at is not None else ""
        day = f" on {checked_in_at:%a %d %b at %H:%M}" if checked_in_at is not None else " before"
        return Verdict(f"ALREADY CHECKED IN{at}", "warning", f"This badge was checked in{day}.")
    if status == "confirmed":
        return Verdict("CONFIRMED", "ok", "Registered and confirmed.")
    shown = " ".join(record.status.split())[:STATUS_WIDTH].upper()  # Eventtia's word, on one line
    return Verdict(shown or "UNKNOWN", "warning", "The registration is not confirmed yet.")


def already_admitted(admitted: Admission, tz: tzinfo | None = None) -> Verdict:
    """A badge the ledger says was let in already: a problem (the bell), until a supervisor re-admits it (the
    card that re-admitted it passes that re-admission: RE-ADMITTED)."""
    at = datetime.fromtimestamp(admitted.at, tz)
    place = shown(admitted.place, PLACE_SHOWN) or "?"
    if admitted.readmitted:
        return Verdict(f"RE-ADMITTED at {at:%H:%M}, {place}", "ok",
                       f"Let in again by a {shown(admitted.by, 60) or 'supervisor'}: recorded as a re-admission.")
    return Verdict(f"ALREADY ADMITTED at {at:%H:%M}, {place}", "problem",
                   f"Admitted at {at:%a %d %b %H:%M} at {place} ({shown(admitted.machine, 40)}): the badge may be "
                   f"in use twice. A supervisor re-admits with {READMIT_KEY}.")


def already_inside(admitted: Admission, name: str, tz: tzinfo | None = None) -> Verdict:
    """At an activity's door: this registration was let in at this door already."""
    at = datetime.fromtimestamp(admitted.at, tz)
    return Verdict(f"ALREADY INSIDE — {shown(name, 40)}", "problem",
                   f"Let in at this door at {at:%H:%M} ({shown(admitted.machine, 40)}): the badge may be in use twice.")


def left_the_room(left: Admission, name: str, inside: int, capacity: int | None, tz: tzinfo | None = None) -> Verdict:
    """At an activity's door that counts both ways, scanning out: recorded as an exit."""
    at = datetime.fromtimestamp(left.at, tz)
    of = f" of {capacity:,}" if capacity is not None else ""
    return Verdict(f"EXIT — {shown(name, 40)}", "ok", f"Left at {at:%H:%M}: {inside:,}{of} inside now.")


def not_inside(name: str) -> Verdict:
    """Scanning out at an activity's door a badge that this door did not let in (or that left already)."""
    return Verdict(f"NOT INSIDE — {shown(name, 40)}", "warning",
                   "Not let in at this door (or scanned out already): no exit recorded.")


def room_full(name: str, inside: int, capacity: int) -> Verdict:
    """At an activity's door: on the list, but the room holds as many as it may (the ledger's count)."""
    return Verdict(f"ROOM FULL — {shown(name, 40)}", "problem",
                   f"{inside:,} of {capacity:,} let in at this door already: the room is full.")


def admits_on_scan(verdict: Verdict, admit_on: str) -> bool:
    """The admission rule: with admit_on "confirmed" a scan whose verdict is ok (CONFIRMED at a desk, ON THE
    LIST at an activity's door) admits the person (the ledger records it); with "key" only the desk's Admit key
    does."""
    return admit_on == "confirmed" and verdict.level == "ok"


def type_prices(attendee_types: Iterable[Any]) -> dict[str, float | None]:
    """Attendee type id → its price (api.models.AttendeeType)."""
    return {str(t.id): t.price for t in attendee_types if t.id}


@dataclass(frozen=True)
class PersonFacts:
    """What one event's verdicts need beyond the record: its types' prices and its time zone.

    `prices` is FETCHING while the attendee types are being fetched, UNAVAILABLE when they could not be."""

    prices: Mapping[str, float | None] | Unknown = FETCHING
    tz: tzinfo | None = None
    admitted: Mapping[str, Admission] = field(default_factory=dict)  # attendee id → the ledger's first admission

    def price(self, type_id: str) -> float | None | Unknown:
        if isinstance(self.prices, Unknown):
            return self.prices
        return self.prices.get(type_id, UNAVAILABLE)  # a type deleted since the types were fetched

    def payment(self, record: AttendeeRecord) -> str:
        """The card's "Paid" line, by the rule the verdict uses (`payment_of`): an unpaid free ticket is not "no"."""
        return payment_of(record, self.price(record.type_id)).value

    def verdict(self, record: AttendeeRecord, *, named_by_email: int = 0) -> Verdict:
        """`named_by_email`: a scanned badge found this record only by its email, among that many registrations."""
        verdict = verdict_for(record, price=self.price(record.type_id), tz=self.tz,
                              admitted=self.admitted.get(record.id))
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
