"""Forgiving pydantic field types: a null, missing or wrongly typed attribute becomes a default, never an error.

The API is mostly consistent, but one bad attribute must not cost the whole page of attendees, so every
model field is declared with one of these types instead of a plain `int`, `str`, `datetime`...
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationError, WrapValidator


def _or_default(default: Callable[[], Any]) -> WrapValidator:
    def validate(value: Any, handler: Callable[[Any], Any]) -> Any:
        try:
            return handler(value)
        except ValidationError:
            return default()

    return WrapValidator(validate)


def _none() -> None:
    return None


def to_str(value: Any) -> str | None:
    """Ids arrive as strings in JSON:API documents but as numbers inside attributes; keep both as str."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return None


def to_datetime(value: Any) -> datetime | None:
    """ISO 8601 (with 'Z', milliseconds, or a bare date) or epoch seconds → an aware datetime; else None.

    A naive value is taken as UTC so that every datetime the models hold can be compared with any other.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def to_int(value: Any) -> int | None:
    """Like pydantic's lax int, plus None for anything else (e.g. the '∞' of an unlimited ticket type)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            try:
                number = float(value)
            except ValueError:
                return None
            return int(number) if number.is_integer() else None
    return None


def _to_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _to_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def to_id_list(value: Any) -> list[str]:
    items = [value] if isinstance(value, (str, int)) and not isinstance(value, bool) else _to_list(value)
    return [text for text in map(to_str, items) if text is not None]


def to_int_list(value: Any) -> list[int]:
    """Agenda keys (epoch strings) → ints, sorted and without duplicates; unusable items are dropped."""
    return sorted({number for number in map(to_int, _to_list(value)) if number is not None})


def to_str_list(value: Any) -> list[str]:
    return [item for item in _to_list(value) if isinstance(item, str)]


Str = Annotated[str | None, BeforeValidator(to_str)]
Int = Annotated[int | None, BeforeValidator(to_int)]
Float = Annotated[float | None, _or_default(_none)]
Bool = Annotated[bool | None, _or_default(_none)]
DateTime = Annotated[datetime | None, BeforeValidator(to_datetime)]
Dict = Annotated[dict[str, Any], BeforeValidator(_to_dict)]
IdList = Annotated[list[str], BeforeValidator(to_id_list)]
IntList = Annotated[list[int], BeforeValidator(to_int_list)]
StrList = Annotated[list[str], BeforeValidator(to_str_list)]


def lenient_list(default: Callable[[], Any] = list) -> WrapValidator:
    """For lists of nested models: a malformed list becomes empty rather than failing the parent."""
    return _or_default(default)
