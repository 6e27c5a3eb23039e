"""No byte of data reaches a terminal as a control sequence: text is neutralised where it enters the app.

Every C0 control (U+0000–U+001F) and DEL becomes its Unicode control picture (ESC → ␛, DEL → ␡), so a
name carrying `ESC ] 0 ;` shows as `␛]0;` instead of retitling the window. C1 controls (U+0080–U+009F,
among them the one-byte CSI and OSC) and lone UTF-16 surrogates, which have no picture and could not
even be encoded for the terminal, become U+FFFD. Multi-line text (a description, notes, a bio) keeps
its line feeds and tabs — a CR LF counts as a line feed; single-line text (names, emails, ids) keeps none.

`shown` is the one rule for every string the terminal sees, whatever its source (the API, the config file and
its keys, the environment, the command line, paths, error messages): control characters as above; invisible
format characters (Cf: the bidi overrides and isolates that reorder the rest of a line, zero-width spaces, BOMs)
as a visible U+FFFD, except the joiners (ZWJ, ZWNJ) that emoji and Persian names need; at most
`MARKS_PER_CHARACTER` zero-width characters (combining marks, joiners) after one character; and at most
`width` cells, so one value costs the terminal a bounded number of bytes whatever it holds.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.cells import cell_len, get_character_cell_size

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_UNSAFE_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_UNENCODABLE = re.compile("[\x7f-\x9f\ud800-\udfff]")  # what json.dumps(ensure_ascii=False) lets through
_STAND_INS = {code: 0x2400 + code for code in range(0x20)} | {0x7F: 0x2421}
# In a JSON document, a control character can only be written escaped (\u001b, \n…) or, for DEL and C1,
# as itself (a surrogate only escaped): a body with none of these has nothing to clean (most sync pages).
_JSON_MAY_HOLD_UNSAFE = re.compile(rb"\\(?:u00[0189]|u007[fF]|u[dD][89a-fA-F]|[bfnrt])|\x7f|\xc2[\x80-\x9f]")

LINE_BREAK = "⏎"
ELLIPSIS = "…"
FORMAT_MARK = "\ufffd"  # what an invisible format character (U+202E, U+2066, U+200B, U+FEFF…) shows as
MARKS_PER_CHARACTER = 4  # zero-width characters kept after one character: enough for any script, not for a flood
JOINERS = frozenset("\u200c\u200d")  # Cf, but part of emoji sequences and of Persian and Indic words
_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x85\u2028\u2029]")
# Every Cf character (tests/app/test_one_rule.py checks it against unicodedata) but the joiners.
_FORMAT = re.compile("[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b\u200e\u200f"
                     "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
                     "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")

# Attributes that legitimately hold several lines (the reference's descriptions, notes and bios).
MULTILINE_KEYS = frozenset({"description", "profile_description", "rejection_description", "error_description",
                            "bio", "notes", "address", "address_details", "body", "user_message"})


def _stand_in(match: re.Match[str]) -> str:
    return chr(_STAND_INS.get(ord(match.group()), 0xFFFD))


def clean_text(text: str, *, multiline: bool = False) -> str:
    """The text with every control character replaced by a visible, harmless stand-in."""
    if multiline:
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        pattern = _UNSAFE_MULTILINE
    else:
        pattern = _UNSAFE
    return pattern.sub(_stand_in, text) if pattern.search(text) else text


def shown(value: object, width: int | None = None, *, multiline: bool = False) -> str:
    """`value` as the terminal may show it (the rule above). One line unless `multiline`: line breaks as ⏎, a
    tab as a space. At most `width` cells (the last one '…' when clipped). For display only — never store it."""
    text = "" if value is None else str(value)
    longer = False
    if width is not None:  # no need to look at more than could be shown: a 100,000-mark name costs no more
        budget = (max(width, 0) + 1) * (MARKS_PER_CHARACTER + 1)
        if len(text) > budget:
            text, longer = text[:budget], True
    if not multiline and _BREAKS_OR_TAB.search(text):
        text = _BREAKS.sub(LINE_BREAK, text.replace("\t", " "))
    text = clean_text(text, multiline=multiline)
    if text.isascii() and not longer:  # printable ASCII (and line breaks): one cell a character
        return text if width is None or len(text) <= width else text[:width - 1] + ELLIPSIS if width > 0 else ""
    if _FORMAT.search(text):
        text = _FORMAT.sub(FORMAT_MARK, text)
    return _bounded(text, width, longer)


_BREAKS_OR_TAB = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]")


def _bounded(text: str, width: int | None, longer: bool) -> str:
    """`text` with runs of zero-width characters capped and at most `width` cells (… last if it was clipped).
    Cells are counted as Rich counts them when it writes the screen."""
    kept: list[str] = []
    sizes: list[int] = []
    cells = marks = 0
    for character in text:
        size = 1 if character in "\n\t" else get_character_cell_size(character)
        if size == 0:
            marks += 1
            if marks > MARKS_PER_CHARACTER:
                continue
        else:
            marks = 0
        kept.append(character)
        sizes.append(size)
        cells += size
    result = "".join(kept)
    if width is None or (not longer and cell_len(result) <= width):
        return result
    if width <= 0:
        return ""
    while kept and cells > width - 1:
        kept.pop()
        cells -= sizes.pop()
    result = "".join(kept)
    while result and cell_len(result) > width - 1:  # a joined sequence Rich counts otherwise
        result = result[:-1]
    return result + ELLIPSIS


def acts_or_hides(text: str) -> bool:
    """Whether `text` holds a character the terminal would act on or that is invisible (a control or format
    character): a setting like the API URL holding one is refused, not cleaned."""
    return _UNSAFE.search(text) is not None or _FORMAT.search(text) is not None or not JOINERS.isdisjoint(text)


def is_clean(text: str) -> bool:
    return _UNSAFE.search(text) is None


def clean_json(value: Any, key: str | None = None) -> Any:
    """A decoded JSON value with every string (keys too) cleaned; lists and dicts are rebuilt only if needed."""
    if isinstance(value, str):
        return clean_text(value, multiline=key in MULTILINE_KEYS)
    if isinstance(value, dict):
        if all(map(is_clean, value)):
            for name, item in value.items():
                if isinstance(item, (str, dict, list)):
                    cleaned = clean_json(item, name)
                    if cleaned is not item:
                        value[name] = cleaned
            return value
        return {clean_text(name): clean_json(item, name) for name, item in value.items()}
    if isinstance(value, list):
        for position, item in enumerate(value):
            if isinstance(item, (str, dict, list)):
                cleaned = clean_json(item, key)
                if cleaned is not item:
                    value[position] = cleaned
        return value
    return value


def decode_json(content: bytes | str) -> Any:
    """JSON from the API as clean data. Undecodable bytes become U+FFFD (one bad byte must not cost a page
    of attendees); a document that is not JSON, or nested too deep to decode, raises ValueError."""
    raw = content.encode("utf-8", errors="surrogatepass") if isinstance(content, str) else content
    try:
        value = json.loads(raw.decode("utf-8-sig", errors="replace"))
        return clean_json(value) if _JSON_MAY_HOLD_UNSAFE.search(raw) else value
    except RecursionError:
        raise ValueError("JSON nested too deep") from None


def dumps_for_terminal(value: Any, **options: Any) -> str:
    """json.dumps that keeps non-ASCII text readable but escapes what a terminal would act on (C1, DEL, the
    format characters that reorder or hide text) or could not encode (lone surrogates); C0 is always escaped
    by JSON itself. The data is kept: `json.loads` gives back every character."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return _ESCAPED_IN_JSON.sub(_json_escape, text)


_ESCAPED_IN_JSON = re.compile(f"{_UNENCODABLE.pattern}|{_FORMAT.pattern}|[\u200c\u200d]")


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # JSON writes it as its UTF-16 pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"
