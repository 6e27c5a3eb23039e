"""The saved login: the JWT with the account and API it belongs to, in a 0600 file. Never the password."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from platformdirs import user_config_dir

APP_NAME = "eventtia-tui"
TOKEN_FILE = "token.json"


class TokenFileError(Exception):
    """The token file exists but must not be used; the message says why and what to do."""


def _claims(token: str) -> dict[str, Any] | None:
    # Unverified on purpose: only the server can check the signature; the client just reads `exp`.
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None


def token_expiry(token: str) -> datetime | None:
    """The JWT's `exp` as an aware datetime, or None when it has none (or is not a JWT)."""
    exp = (_claims(token) or {}).get("exp")
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(exp, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def seconds_left(token: str, now: float) -> float | None:
    """Seconds until the token's exp at `now` (epoch seconds; negative once past), None when it has none."""
    expiry = token_expiry(token)
    return None if expiry is None else expiry.timestamp() - now


def is_expired(token: str, *, now: datetime | None = None, leeway: float = 60.0) -> bool:
    """True when the token's exp has passed (or is within `leeway` seconds) or the token is not a JWT.

    A well-formed JWT without `exp` never expires as far as the client can tell.
    """
    if _claims(token) is None:
        return True
    expiry = token_expiry(token)
    if expiry is None:
        return False
    return (now or datetime.now(UTC)).timestamp() + leeway >= expiry.timestamp()


@dataclass(frozen=True)
class StoredToken:
    token: str = field(repr=False)
    email: str
    api_url: str

    @property
    def is_expired(self) -> bool:
        return is_expired(self.token)


class TokenStore:
    """One token file, by default `<user config dir>/eventtia-tui/token.json`."""

    def __init__(self, directory: str | Path | None = None, filename: str = TOKEN_FILE) -> None:
        self.directory = Path(directory) if directory is not None else Path(user_config_dir(APP_NAME))
        self.path = self.directory / filename

    def save(self, token: str, email: str, api_url: str) -> StoredToken:
        stored = StoredToken(token=token, email=email, api_url=api_url)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        try:
            if hasattr(os, "fchmod"):  # a leftover temporary file keeps its old mode through O_CREAT
                os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(asdict(stored), handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return stored

    def load(self, api_url: str | None = None) -> StoredToken | None:
        """The saved token (for `api_url`, when given), or None when there is none or it is unreadable.

        Raises TokenFileError when the file can be read by other users: the token may have leaked.
        """
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return None
        if os.name == "posix" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            mode = stat.S_IMODE(info.st_mode)
            raise TokenFileError(
                f"Refusing to use the saved login in {self.path}: other users can read it (mode {mode:04o}). "
                f"Delete the file and log in again (or run: chmod 600 '{self.path}')."
            )
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("token", "email", "api_url")):
            return None
        stored = StoredToken(token=raw["token"], email=raw["email"], api_url=raw["api_url"])
        if api_url is not None and stored.api_url.rstrip("/") != api_url.rstrip("/"):
            return None
        return stored

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
