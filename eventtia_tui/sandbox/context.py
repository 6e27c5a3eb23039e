"""Per-request context for the sandbox routes: the database, the signed-in user, the event."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from sqlite3 import Row
from typing import Any, Literal
from zoneinfo import ZoneInfo

import jwt
from fastapi import Depends, Request

from .db import Database
from .jsonapi import ApiError, not_found

TOKEN_DAYS = 30


@dataclass
class Sandbox:
    db: Database
    clock: Callable[[], float] = time.time

    @property
    def secret(self) -> str:
        return self.db.get_meta("secret") or ""

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def issue_token(self, user_id: int, email: str) -> str:
        now = int(self.clock())
        claims = {"sub": str(user_id), "email": email, "class": "User", "iat": now, "exp": now + TOKEN_DAYS * 86400}
        return jwt.encode(claims, self.secret, algorithm="HS256")


@dataclass
class EventContext:
    sandbox: Sandbox
    user_id: int
    row: Any
    tz: ZoneInfo

    @property
    def db(self) -> Database:
        return self.sandbox.db

    @property
    def id(self) -> int:
        ident: int = self.row["id"]
        return ident

    def event_row(self, table: Literal["attendees", "workshops"], ident: int) -> Row:
        """The row of this event's `table` with this id, or the 404 Eventtia answers."""
        row = self.db.one(f"SELECT * FROM {table} WHERE id = ? AND event_id = ?", (ident, self.id))
        if row is None:
            raise not_found()
        return row


def sandbox(request: Request) -> Sandbox:
    found: Sandbox = request.app.state.sandbox
    return found


def current_user(request: Request, sb: Sandbox = Depends(sandbox)) -> int:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "You need to sign in: send 'Authorization: Bearer <token>'.")
    try:
        # Times are checked below against the sandbox's own clock (tests may freeze or advance it), not by
        # pyjwt against the real one: a token issued at an advanced clock would look "not yet valid".
        claims = jwt.decode(token.strip(), sb.secret, algorithms=["HS256"],
                            options={"require": ["exp", "sub"], "verify_exp": False, "verify_iat": False,
                                     "verify_nbf": False})
    except jwt.PyJWTError:
        raise ApiError(401, "Invalid token.") from None
    user_id = db_id(claims["sub"]) if isinstance(claims["sub"], str) else None  # 30 digits: no such user
    if user_id is None or sb.db.one("SELECT id FROM users WHERE id = ?", (user_id,)) is None:
        raise ApiError(401, "Invalid token.")
    if not isinstance(claims["exp"], (int, float)) or claims["exp"] <= sb.clock():
        raise ApiError(401, "Your token has expired. Please sign in again.")
    return user_id


def event_context(event_uri: str, user_id: int = Depends(current_user), sb: Sandbox = Depends(sandbox)) -> EventContext:
    row = sb.db.one("SELECT * FROM events WHERE uri = ?", (event_uri,))
    if row is None:
        raise not_found()
    if row["owner_id"] != user_id:
        raise ApiError(403, "Your token doesn't grant you access to this resource.")
    return EventContext(sb, user_id, row, ZoneInfo(row["timezone"]))


MAX_BODY_DEPTH = 32  # arrays and objects inside each other; the reference's bodies nest three deep at most
MAX_BODY_BYTES = 1 << 20  # 1 MiB; the largest body the reference shows is a registration of a few hundred bytes
TOO_LARGE = f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB."


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object a write sends."""
    raw = await read_body(request)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except RecursionError:
        raise ApiError(400, f"The request body nests deeper than {MAX_BODY_DEPTH} levels.") from None
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    check_json(body)
    return body


async def read_body(request: Request) -> bytes:
    """The body, chunk by chunk, stopped with a 413 once it passes MAX_BODY_BYTES: a streamed body has no
    Content-Length for the app's BodyLimit to refuse beforehand, and must not be held whole in memory."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)


def check_json(body: dict[str, Any]) -> None:
    """400 for what decodes as JSON but no text column can hold: deep nesting, lone UTF-16 surrogates."""
    pending: list[tuple[Any, int]] = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_BODY_DEPTH:
            raise ApiError(400, f"The request body nests deeper than {MAX_BODY_DEPTH} levels.")
        if isinstance(value, dict):
            pending.extend((key, depth) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and not _encodes(value):
            raise ApiError(400, "The request body holds a character that is not valid Unicode (a lone surrogate).")


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


MAX_ID = 2**63 - 1  # SQLite's largest integer: a bigger one can't be stored or even looked up


def db_id(text: str) -> int | None:
    """A row id from ASCII digits that SQLite can hold, or None ('²' passes isdigit() but not int())."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def path_id(value: str) -> int:
    """A row id from the URL's path; anything else is no such record (404), as Eventtia answers."""
    ident = db_id(value)
    if ident is None:
        raise not_found()
    return ident


def as_id(value: Any, field: str) -> int:
    """An integer id from JSON (number or numeric string); anything else is a 400."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, int) and -MAX_ID <= value <= MAX_ID:
        return value
    if isinstance(value, str) and (number := db_id(value)) is not None:
        return number
    raise ApiError(400, f"{field} must be an integer id.")
