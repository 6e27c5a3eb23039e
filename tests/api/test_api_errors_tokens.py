"""Error mapping from status and body, and the token file."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import jwt
import pytest
import reference_examples as ref

from eventtia_tui.api import (
    ApiError,
    AuthError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    StoredToken,
    TokenFileError,
    TokenStore,
    Unavailable,
    is_expired,
    token_expiry,
)
from eventtia_tui.api.errors import error_for, extract_message, parse_retry_after

HTML = b"<!DOCTYPE html><html><body><h1>We're sorry, but something went wrong.</h1></body></html>"


@pytest.mark.parametrize(("status", "kind"), [(401, AuthError), (403, Forbidden), (404, NotFound),
                                              (400, Invalid), (422, Invalid), (429, RateLimited),
                                              (500, Unavailable), (502, Unavailable), (503, Unavailable),
                                              (409, ApiError), (418, ApiError)])
def test_status_maps_to_a_typed_error_with_a_sentence(status, kind):
    error = error_for(status, HTML)
    assert type(error) is kind and error.status == status
    assert error.message.endswith(".") and "<" not in error.message and "Traceback" not in error.message
    assert str(error) == error.message


def test_server_message_is_kept():
    error = error_for(401, json.dumps(ref.LOGIN_401))
    assert isinstance(error, AuthError) and error.message == "Wrong username or password."
    invalid = error_for(422, b'{"message": "Email has already been taken"}')
    assert isinstance(invalid, Invalid) and invalid.message == "Email has already been taken"


def test_exception_class_names_are_not_shown_as_messages():
    error = error_for(404, json.dumps(ref.NOT_FOUND_404))
    assert error.message == "The requested record was not found."
    assert error.detail == "ActiveRecord::RecordNotFound"


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"message": "  spaced  "}', "spaced"),
    (b'{"error": "Bad page"}', "Bad page"),
    (b'{"errors": ["one", "two"]}', "one; two"),
    (b'{"errors": [{"detail": "Email is invalid"}, {"title": "Name missing"}]}', "Email is invalid; Name missing"),
    (b'{"errors": {"email": ["has already been taken"]}}', "Email has already been taken"),
    (b'{"message": "abc', None),  # truncated
    (b'{"message": 42}', None),
    (b"[1, 2]", None),
    (b"", None),
    (HTML, None),
    (b"\xff\xfe\x00", None),
])
def test_extract_message(body, expected):
    assert extract_message(body) == expected


def test_truncated_body_gives_a_generic_sentence():
    error = error_for(500, b'{"message": "Something bro')
    assert isinstance(error, Unavailable) and error.message.startswith("Eventtia had a problem")
    assert error.may_have_applied  # a 500 may have done part of the work
    assert not error_for(503, b"").may_have_applied


def test_long_messages_are_cut():
    assert len(error_for(422, json.dumps({"message": "x" * 5000})).message) == 300


def test_retry_after():
    assert error_for(503, b"", "7").retry_after == 7.0
    assert parse_retry_after("1.5") == 1.5 and parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = datetime.now(UTC) + timedelta(seconds=120)
    assert 100 < parse_retry_after(format_datetime(later, usegmt=True)) <= 120


# Tokens ------------------------------------------------------------------------------------------------


def make_jwt(**claims) -> str:
    return jwt.encode(claims, "a-secret-of-the-server-32-bytes-long", algorithm="HS256")


def test_token_file_is_0600_and_round_trips(tmp_path):
    store = TokenStore(tmp_path / "config")
    token = make_jwt(sub="demo", exp=int((datetime.now(UTC) + timedelta(days=30)).timestamp()))
    store.save(token, "demo@eventtia.test", "http://127.0.0.1:8765/api/v3")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert json.loads(store.path.read_text()) == {"token": token, "email": "demo@eventtia.test",
                                                  "api_url": "http://127.0.0.1:8765/api/v3"}
    loaded = store.load()
    assert loaded == StoredToken(token, "demo@eventtia.test", "http://127.0.0.1:8765/api/v3")
    assert not loaded.is_expired and token not in repr(loaded)
    assert store.load("http://127.0.0.1:8765/api/v3/") == loaded
    assert store.load("https://connect.eventtia.com/api/v3") is None  # another API's token
    assert [p.name for p in store.directory.iterdir()] == ["token.json"]  # no temporary file left


def test_saving_over_a_world_readable_file_makes_it_private(tmp_path):
    store = TokenStore(tmp_path)
    store.path.write_text("{}")
    os.chmod(store.path, 0o644)
    store.save("t", "a@b.c", "u")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_readable_by_others_is_refused(tmp_path, mode):
    store = TokenStore(tmp_path)
    store.save(make_jwt(sub="x"), "a@b.c", "u")
    os.chmod(store.path, mode)
    with pytest.raises(TokenFileError) as caught:
        store.load()
    assert str(store.path) in str(caught.value) and f"{mode:04o}" in str(caught.value)
    assert "chmod 600" in str(caught.value)


def test_missing_or_corrupt_files_load_as_nothing(tmp_path):
    store = TokenStore(tmp_path)
    assert store.load() is None
    store.save("t", "a@b.c", "u")
    store.path.write_text('{"token": "t", "email": ')
    assert store.load() is None
    store.path.write_text('{"token": 1, "email": "a", "api_url": "u"}')
    assert store.load() is None
    store.clear()
    assert not store.path.exists()
    store.clear()  # clearing twice is fine


def test_default_directory_is_the_platform_config_dir():
    assert TokenStore().path.parent.name == "eventtia-tui" and TokenStore().path.name == "token.json"


def test_save_has_no_way_to_take_a_password():
    with pytest.raises(TypeError):
        TokenStore("/nonexistent").save("t", "a@b.c", "u", password="hunter2")  # type: ignore[call-arg]


def test_expiry_is_read_without_verifying_the_signature():
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    future = make_jwt(exp=int((now + timedelta(days=30)).timestamp()))
    past = make_jwt(exp=int((now - timedelta(seconds=1)).timestamp()))
    soon = make_jwt(exp=int((now + timedelta(seconds=30)).timestamp()))
    assert token_expiry(future) == now + timedelta(days=30)
    assert not is_expired(future, now=now)
    assert is_expired(past, now=now)
    assert is_expired(soon, now=now) and not is_expired(soon, now=now, leeway=0)
    assert not is_expired(make_jwt(sub="no exp"), now=now) and token_expiry(make_jwt(sub="x")) is None
    assert is_expired("not a jwt") and token_expiry("not.a.jwt") is None
    # The reference's sample token has a malformed signature segment, so it is not a usable JWT.
    assert token_expiry(ref.AUTH["auth_token"]) is None and is_expired(ref.AUTH["auth_token"])
