"""Field checks done before anything is sent: the same rules the API applies, with plain messages."""

from __future__ import annotations

import re
from datetime import datetime

from ..text import is_clean

EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
TELEPHONE = re.compile(r"^\+\d{7,15}$")
WRITE_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) - (\d{1,2}):(\d{2})$")
MAX_TEXT = 255


def label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def check_text(name: str, value: str, required: bool) -> str | None:
    """The message for a bad value, or None when it is fine."""
    if not is_clean(value):  # C0 and line breaks, DEL, C1, a lone surrogate (a paste can carry any of them)
        return f"{label(name)} can't contain control characters or line breaks."
    text = value.strip()
    if required and not text:
        return f"{label(name)} is required."
    if len(text) > MAX_TEXT:
        return f"{label(name)} is too long (at most {MAX_TEXT} characters)."
    if not text:
        return None
    if name == "email" and not EMAIL.match(text):
        return "Email doesn't look like an address (name@example.com)."
    if name == "telephone" and not TELEPHONE.match(text.replace(" ", "")):
        return "Telephone needs + and the country code, digits only: +573001234567."
    if name == "birthdate":
        try:
            datetime.strptime(text, "%d/%m/%Y")
        except ValueError:
            return "Birthdate must be a real date written dd/mm/yyyy, e.g. 27/08/1990."
    return None


def parse_write_date(value: str) -> datetime | None:
    """'dd/mm/yyyy - HH:MM' (the API's request format) as a naive local datetime, or None."""
    match = WRITE_DATE.match(value.strip())
    if not match:
        return None
    day, month, year, hour, minute = map(int, match.groups())
    try:
        return datetime(year, month, day, hour, minute)
    except ValueError:
        return None
