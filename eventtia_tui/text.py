"""No byte of data reaches a terminal as a control sequence: text is neutralised where it enters the app.

Every C0 control (U+0000–U+001F) and DEL becomes its Unicode control picture (ESC → ␛, DEL → ␡), so a
name carrying `ESC ] 0 ;` shows as `␛]0;` instead of retitling the window. C1 controls (U+0080–U+009F,
among them the one-byte CSI and OSC) and lone UTF-16 surrogates, which have no picture and could not
even be encoded for the terminal, become U+FFFD. Multi-line text (a description, notes, a bio) keeps
its line feeds and tabs — a CR LF counts as a line feed; single-line text (names, emails, ids) keeps none.
"""

from __future__ import annotations

import json
import re
from typing import Any

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_UNSAFE_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_UNENCODABLE = re.compile("[\x7f-\x9f\ud800-\udfff]")  # what json.dumps(ensure_ascii=False) lets through
_STAND_INS = {code: 0x2400 + code for code in range(0x20)} | {0x7F: 0x2421}
# In a JSON document, a control character can only be written escaped (\u001b, \n…) or, for DEL and C1,
# as itself (a surrogate only escaped): a body with none of these has nothing to clean (most sync pages).
_JSON_MAY_HOLD_UNSAFE = re.compile(rb"\\(?:u00[0189]|u007[fF]|u[dD][89a-fA-F]|[bfnrt])|\x7f|\xc2[\x80-\x9f]")

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
    """json.dumps that keeps non-ASCII text readable but escapes what a terminal would act on (C1, DEL)
    or could not encode (lone surrogates); C0 is always escaped by JSON itself."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return _UNENCODABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
