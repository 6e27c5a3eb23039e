"""Typed API errors, each with an HTTP `.status` and a `.message` fit to show to the person at the desk."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import EllipsisType
from typing import Any

from ..text import decode_json

MAX_MESSAGE = 300

# Rails sometimes answers with the exception's class name ("ActiveRecord::RecordNotFound"): not a sentence.
_EXCEPTION_NAME = re.compile(r"^[A-Z]\w*(::[A-Z]\w*)+$")


class ApiError(Exception):
    """Any failure talking to the API.

    `status` is the HTTP status (the class's usual one when not given; None when no response came
    back at all), `detail` keeps the server's raw message when it was replaced by a sentence.
    """

    default_status: int | None = None
    default_message = "The server answered with an unexpected error."

    def __init__(
        self,
        message: str | None = None,
        status: int | None | EllipsisType = ...,
        *,
        detail: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.status = self.default_status if status is ... else status
        self.detail = detail
        self.retry_after = retry_after
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, message={self.message!r})"


class AuthError(ApiError):
    default_status = 401
    default_message = "Your session is not valid or has expired. Please log in again."


class Forbidden(ApiError):
    default_status = 403
    default_message = "Your account does not have access to this."


class NotFound(ApiError):
    default_status = 404
    default_message = "The requested record was not found."


class Invalid(ApiError):
    """400 (malformed request) or 422 (the data was refused): `.message` is the server's reason."""

    default_status = 422
    default_message = "The server did not accept the data that was sent."


class Unavailable(ApiError):
    """The service could not be reached or answered 5xx/429: worth retrying later.

    `may_have_applied` is False only when the request certainly did nothing (it never reached the
    server, or the server said it is unavailable), which is what decides whether a write can be resent.
    """

    default_status: int | None = 503
    default_message = "Eventtia is temporarily unavailable. Please try again shortly."
    retryable = True  # a read is worth asking again at once (after a short backoff)

    def __init__(self, message: str | None = None, status: int | None | EllipsisType = ..., *,
                 may_have_applied: bool = True, **kwargs: Any) -> None:
        super().__init__(message, status, **kwargs)
        self.may_have_applied = may_have_applied


class Malformed(Unavailable):
    """A 2xx answer that is not the document Eventtia sends for that request: a captive portal's page, a
    middlebox's `{}`, a body cut short. Nothing in it is used; a write answered so is not known to have
    landed (it is kept and checked before it is sent again)."""

    default_status = 200
    default_message = ("The answer that came back is not one Eventtia sends (a proxy or captive portal in the way, "
                       "or a cut-off connection).")


class TooSlow(Unavailable):
    """The whole exchange took longer than the client's deadline (a server dripping its answer)."""

    default_status = None
    default_message = "Eventtia is answering too slowly (a bad connection?)."
    retryable = False


class RateLimited(Unavailable):
    default_status = 429
    default_message = "Too many requests to Eventtia; wait a moment and try again."


def says_already(error: ApiError) -> bool:
    """A refusal because what the write asks for is there already ("This registration is already cancelled.",
    "Email has already been taken", "The attendee is already registered in this activity.")."""
    return isinstance(error, Invalid) and "already" in error.message.casefold()


def asks_to_wait(seconds: float) -> str:
    """What a 429's Retry-After asks for, in words: "Eventtia asks to wait 10 min" (a phrase, for the header)."""
    wait = f"{math.ceil(seconds / 60)} min" if seconds >= 90 else f"{math.ceil(seconds)} s"
    return f"Eventtia asks to wait {wait}"


def too_many(seconds: float) -> str:
    """A RateLimited's message for a Retry-After not waited for."""
    return f"{asks_to_wait(seconds)}: too many requests from this account."


def error_for(status: int, body: bytes | str = b"", retry_after: str | None = None) -> ApiError:
    """The typed error for an HTTP error response, with the server's message when it sent a usable one."""
    server_message = extract_message(body)
    message, detail = server_message, None
    if server_message and _EXCEPTION_NAME.match(server_message):
        message, detail = None, server_message
    kwargs: dict[str, Any] = {"detail": detail, "retry_after": parse_retry_after(retry_after)}
    if status == 401:
        return AuthError(message, status, **kwargs)
    if status == 403:
        return Forbidden(message, status, **kwargs)
    if status == 404:
        return NotFound(message, status, **kwargs)
    if status in (400, 422):
        fallback = "The request was not accepted by the server (HTTP 400)." if status == 400 else None
        return Invalid(message or fallback, status, **kwargs)
    if status == 429:
        return RateLimited(message, status, may_have_applied=False, **kwargs)
    if status == 503:
        return Unavailable(message, status, may_have_applied=False, **kwargs)
    if status >= 500:
        fallback = f"Eventtia had a problem handling the request (HTTP {status}). Please try again shortly."
        return Unavailable(message or fallback, status, **kwargs)
    return ApiError(message or f"The server answered with an unexpected status (HTTP {status}).", status, **kwargs)


def extract_message(body: bytes | str) -> str | None:
    """One sentence from a JSON error body, naming the field it is about; None for HTML, empty or truncated
    bodies. Every shape a Rails JSON API answers with: `{"message": …}`, `{"error": …}`, `{"errors": …}` as a
    list of sentences, an object of fields or JSON:API errors (`source.pointer` names the field), and a bare
    field hash (`{"email": ["has already been taken"]}` → "Email has already been taken")."""
    try:
        payload = decode_json(body) if body else None  # its text is shown: no control characters
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(payload, list):  # a bare list of sentences or JSON:API errors
        payload = {"errors": payload}
    if not isinstance(payload, dict):
        return None
    error = payload.get("error")
    if isinstance(error, dict):  # {"error": {"message": …}} or {"error": {"email": [...]}}
        error = _as_text(error.get("message")) or _fields(error)
    message = (_as_text(payload.get("message")) or _as_text(payload.get("error_description"))
               or _as_text(error))
    fields = _as_text(payload.get("errors")) if "errors" in payload else None
    if fields is None and message is None:
        fields = _fields(payload)  # a bare field hash, as `render json: model.errors` sends
    text: str | None
    if message and fields and fields.lower() not in message.lower():
        text = f"{message.rstrip('.:')}: {fields}"  # "Validation failed: Email has already been taken"
    else:
        text = message or fields
    return text[:MAX_MESSAGE] if text else None


# Keys of an error body that are about the answer, never a field of the record.
_NOT_FIELDS = frozenset({"status", "code", "exception", "traceback", "title", "type", "meta", "links", "data",
                         "jsonapi", "success", "request_id"})


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):  # ["...", ...], JSON:API [{"detail": ..., "source": ...}, ...] or [{field: ...}]
        parts = [_error_object(item) if isinstance(item, dict) else _as_text(item) for item in value]
        return "; ".join(part for part in parts if part) or None
    if isinstance(value, dict):  # Rails model errors: {"email": ["has already been taken"]}
        return _fields(value, every_key=True)
    return None


def _error_object(item: dict[str, Any]) -> str | None:
    """A JSON:API error object (its field from `source.pointer` or `source.parameter`), or a field hash."""
    reason = _as_text(item.get("detail")) or _as_text(item.get("title")) or _as_text(item.get("message"))
    if reason is None:
        return _fields(item)
    source = item["source"] if isinstance(item.get("source"), dict) else {}
    field = source.get("pointer") or source.get("parameter") or item.get("field") or item.get("attribute")
    return _sentence(field, reason) if isinstance(field, str) else reason


def _fields(value: dict[str, Any], every_key: bool = False) -> str | None:
    """`{"email": ["has already been taken"], "first_name": "can't be blank"}` → "Email has already been
    taken; First name can't be blank". Without `every_key`, only a hash whose values are all sentences counts
    (a body that is something else says nothing)."""
    parts = []
    for name, reasons in value.items():
        if not every_key and name in _NOT_FIELDS:
            continue
        items = reasons if isinstance(reasons, list) else [reasons]
        if not every_key and (not items or not all(isinstance(item, str) for item in items)):
            return None
        texts = [text for text in map(_as_text, items) if text]
        if texts:
            parts.append(_sentence(str(name), " and ".join(texts)))
    return "; ".join(parts) or None


def field_words(name: str) -> str:
    """A field's name as words, as Rails' humanize: "/data/attributes/first_name" → "First name",
    "attendee.country_id" → "Country", "page[size]" → "Page size"."""
    path = name.replace("[", "_").replace("]", "").strip("./ ")  # page[size] → page_size
    last = re.split(r"[./]+", path)[-1] if path else ""
    words = re.sub(r"_id$", "", last).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _sentence(field: str, reason: str) -> str:
    """"Email" and "has already been taken" → "Email has already been taken" (a reason that already
    names its field, or errors on the record as a whole, `base`, is kept as it is)."""
    words = field_words(field)
    if not words or words.lower() == "base" or reason.lower().startswith(words.lower()):
        return reason[:1].upper() + reason[1:]
    return f"{words} {reason}"


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())
