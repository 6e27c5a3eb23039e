"""A badge: the QR text printed on it (`code|First Last|email|Company - Job|phone` in the reference), or only
its code. The one place that parses, normalises and compares QR text: lookups, the index, the card and the
scan log all go through `Badge`.

The QR text is the badge's identity. Its first part is not always the attendee's uuid (4 of the reference's 6
examples differ), and an email is neither unique nor permanent, so a scan is matched first to the registration
whose `qr_code` is the same text, then by its code, and by its email only as a last resort.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

HEX_CODE = re.compile(r"[0-9A-Fa-f]+(?:-[0-9A-Fa-f]+)*")  # 6 hex digits, or a uuid's dashed groups
EMAIL = re.compile(r"[^\s@|]+@[^\s@|]+\.[^\s@|]+")
QR_PARTS = 5  # code, name, email, company and job, telephone

# How a registration was found for a badge, best first.
BY_QR = "qr"  # its qr_code is the scanned text
BY_CODE = "code"  # its qr_code's first part, or its uuid, is the badge's code
BY_EMAIL = "email"  # only its email is the badge's (or the typed) email


def code_of(value: str) -> str:
    """A badge code as compared: scanners change the case of letters (caps lock, layouts), so a hex code is
    lowercased; any other code is kept as printed."""
    value = value.strip()
    return value.lower() if HEX_CODE.fullmatch(value) else value


def normalise(scanned: str) -> str:
    """What a scanner may have changed undone: surrounding whitespace (a trailing CR, LF or Tab suffix among
    it) and the case of a hex code. The rest is kept verbatim."""
    text = scanned.strip()
    head, bar, rest = text.partition("|")
    return code_of(head) + bar + rest if HEX_CODE.fullmatch(head) else text


class Registration(Protocol):
    @property
    def qr_code(self) -> str | None: ...
    @property
    def uuid(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...


R = TypeVar("R", bound=Registration)


def split_name(name: str) -> tuple[str, str]:
    """A full name as first and last name, the one rule of a badge's name and a searched name (Ctrl+N): the last
    word is the last name, the words before it the first name ("Ana María Ruiz": "Ana María", "Ruiz"); one word
    comes back as ("", word), for the caller to place."""
    first, _, last = " ".join(name.split()).rpartition(" ")
    return first, last


@dataclass(frozen=True, slots=True)
class BadgeMatch(Generic[R]):
    """The registrations a badge names, and how: `by` is BY_QR, BY_CODE, BY_EMAIL, or "" (nobody)."""

    by: str
    found: tuple[R, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.found)

    @property
    def first(self) -> R | None:
        return self.found[0] if self.found else None

    @property
    def by_the_badge(self) -> bool:
        """Named by the badge itself (its QR or its code), not only by an email it holds."""
        return self.by in (BY_QR, BY_CODE)


@dataclass(frozen=True, slots=True)
class Badge:
    """A scan (or a typed uuid or email), normalised: two badges are equal when their texts are."""

    text: str

    @classmethod
    def parse(cls, scanned: str) -> Badge:
        return cls(normalise(scanned))

    @classmethod
    def of(cls, code: str, name: str, email: str, company: str = "", job_title: str = "",
           telephone: str = "") -> Badge:
        """The QR text these parts make (what the properties below read back)."""
        work = f"{company} - {job_title}" if job_title else company
        return cls.parse("|".join((code, name, email, work, telephone)))

    @property
    def parts(self) -> tuple[str, ...]:
        """The QR's parts, stripped, padded to five (a text without bars is all first part)."""
        parts = [part.strip() for part in self.text.split("|")]
        return tuple(parts + [""] * (QR_PARTS - len(parts)))

    @property
    def is_qr(self) -> bool:
        """Shaped like an Eventtia QR: `code|First Last|email…` (a code-only badge is not: only a scanner's
        timing or a match tells it from a typed word)."""
        parts = self.text.split("|")
        return len(parts) >= 3 and bool(parts[0].strip()) and " " not in parts[0].strip()

    @property
    def is_email(self) -> bool:
        return EMAIL.fullmatch(self.text) is not None

    @property
    def code(self) -> str:
        """The badge's code: a QR's first part, or the whole text when it is one word (a code-only badge, or a
        typed uuid); "" for anything else."""
        first = self.parts[0]
        if not first or self.is_email or any(c.isspace() for c in first) or (not self.is_qr and "|" in self.text):
            return ""
        return code_of(first)

    @property
    def email(self) -> str:
        """The email the badge carries (or a typed address); "" when none."""
        if self.is_qr:
            return self.parts[2] if EMAIL.fullmatch(self.parts[2]) else ""
        return self.text if self.is_email else ""

    @property
    def name(self) -> str:
        return self.parts[1] if self.is_qr else ""

    @property
    def first_name(self) -> str:
        """The name's first words (the last word is the last name); a one-word name is a first name."""
        first, last = split_name(self.parts[1])
        return first or last

    @property
    def last_name(self) -> str:
        first, last = split_name(self.parts[1])
        return last if first else ""

    @property
    def company(self) -> str:
        company, separator, job = self.parts[3].rpartition(" - ")
        return company.strip() if separator else job.strip()

    @property
    def job_title(self) -> str:
        _, separator, job = self.parts[3].rpartition(" - ")
        return job.strip() if separator else ""

    @property
    def telephone(self) -> str:
        return self.parts[4]

    def walk_in(self) -> dict[str, str]:
        """A registration form's values from the badge's own name and email (a badge from elsewhere)."""
        if not self.is_qr:
            return {}
        values = {"first_name": self.first_name, "last_name": self.last_name, "email": self.email,
                  "company": self.company, "job_title": self.job_title, "telephone": self.telephone}
        return {name: value for name, value in values.items() if value}

    def matches(self, qr_code: str | None) -> bool:
        """Whether a registration's `qr_code` is this badge's text (a blank one is nobody's)."""
        return bool(self.text) and Badge.parse(qr_code or "") == self

    def rank(self, registration: Registration) -> tuple[int, str] | None:
        """How well a registration fits this badge (lower is better), and how; None: not this badge."""
        qr = registration.qr_code or ""
        if self.matches(qr):
            return 0, BY_QR
        if self.code:
            if Badge.parse(qr).code == self.code:
                return 1, BY_CODE
            if code_of(registration.uuid or "") == self.code:
                return 2, BY_CODE
        if self.email and (registration.email or "").strip().casefold() == self.email.casefold():
            return 3, BY_EMAIL
        return None

    def resolve(self, candidates: Iterable[R]) -> BadgeMatch[R]:
        """The registrations this badge names, all of the best kind of match, in the candidates' order (pass
        them active first, newest first)."""
        ranked = [(fit, candidate) for candidate in candidates if (fit := self.rank(candidate)) is not None]
        if not ranked:
            return BadgeMatch("")
        best = min(fit[0] for fit, _ in ranked)
        return BadgeMatch(next(by for (rank, by), _ in ranked if rank == best),
                          tuple(candidate for (rank, _), candidate in ranked if rank == best))


def looks_like_badge(text: str) -> bool:
    """An Eventtia QR string: `code|First Last|email|Company - Job|phone` (the reference's qr_code)."""
    return Badge.parse(text).is_qr
