"""The words an attendee is found by, and how a typed query is cut into words.

Accent- and case-insensitive (`fold`). Names, company, the email (its local part's words and its domain,
kept as one "@domain" word) and the telephone (its digits whole and without a country code of one to three
digits, and its groups of three or more digits) — each word ranked by the field it came from.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .records import AttendeeRecord

WORD = re.compile(r"\w+", re.UNICODE)
# A query of digits (and the +, spaces, dashes, dots, slashes and brackets a number is written with) is a telephone.
TELEPHONE_QUERY = re.compile(r"^[+\d\s()./-]+$")
TELEPHONE_TAIL = 6  # the shortest run of a telephone's digits indexed whole
EXACT, PREFIX = 100.0, 90.0
# Rank of the field a word came from → its weight: a word found in the name counts more than the same word
# in the company, the email address or the telephone.
NAME, COMPANY, EMAIL, TELEPHONE = 0, 1, 2, 3
WEIGHTS = (1.0, 0.96, 0.92, 0.9)
FUZZY_CUTOFF = 75.0
FUZZY_FACTOR = 0.85


@lru_cache(maxsize=1 << 12)  # the names on screen and typed; a sync's 200,000 would only fill memory
def fold(value: str) -> str:
    """Case- and accent-insensitive form: 'Müller' → 'muller', 'Weiß' → 'weiss'; other scripts kept."""
    value = value.casefold().replace("ß", "ss").replace("ø", "o").replace("æ", "ae").replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))


def words(value: str) -> list[str]:
    return WORD.findall(fold(value))


def digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def ranked_words(record: AttendeeRecord) -> dict[str, int]:
    """Each word of the record → the rank of the best field it appears in."""
    ranked: dict[str, int] = {}
    number = digits(record.telephone)
    for start in range(min(4, max(0, len(number) - TELEPHONE_TAIL + 1))):
        ranked[number[start:]] = TELEPHONE
    ranked.update(dict.fromkeys((word for word in words(record.telephone) if len(word) >= 3), TELEPHONE))
    local, _, domain = fold(record.email).partition("@")
    ranked.update(dict.fromkeys(WORD.findall(local), EMAIL))
    if domain.strip():
        ranked["@" + domain.strip()] = EMAIL
    ranked.update(dict.fromkeys(words(record.company), COMPANY))
    ranked.update(dict.fromkeys([*words(record.first_name), *words(record.last_name)], NAME))
    ranked.pop("", None)
    return ranked


def query_words(text: str) -> list[str]:
    """The words a typed query is matched by: a telephone is one word of its digits; 'aguilar@mail' is
    'aguilar' and '@mail' (a start of the email's domain)."""
    text = text.replace("|", " ").strip()
    number = digits(text)
    if number and TELEPHONE_QUERY.match(text) and (len(number) >= 4 or not text.isdigit()):
        return [number]
    if "@" in text:
        local, _, domain = text.partition("@")
        domain = fold(domain).strip()
        return words(local) + ([f"@{domain}"] if domain and " " not in domain else words(domain))
    return words(text)


def prefix_score(query: str, length: int) -> float:
    """A shorter completion of what was typed ranks higher: 'ana' is nearer to 'anab' than to 'anastasia'."""
    return PREFIX - min(length - len(query), 10) * 0.1
