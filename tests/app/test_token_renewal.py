"""A token near its end is renewed before a long sync (issue 27 item 5): the session knows how long the token in
use has left by its own clock, and the CLI's sync says so when it cannot sign in afresh."""

from __future__ import annotations

from datetime import UTC, datetime

import jwt
import pytest

from eventtia_tui.api import EventtiaClient, TokenStore
from eventtia_tui.session import RENEW_BEFORE_SYNC, Session, Settings

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC).timestamp()


def make_jwt(**claims) -> str:
    return jwt.encode(claims, "a-secret-of-the-server-32-bytes-long", algorithm="HS256")


async def test_a_token_ending_before_a_long_sync_is_said_so(tmp_path):
    settings = Settings(api_url="http://sandbox/api/v3", cache_dir=tmp_path / "cache", data_dir=tmp_path / "data")
    async with EventtiaClient(settings.api_url) as client:
        session = Session(settings, client, TokenStore(tmp_path), clock=lambda: NOW)
        for left, said in ((30 * 86400, False), (RENEW_BEFORE_SYNC + 60, False), (25 * 60, True), (0, True)):
            client.token = make_jwt(exp=int(NOW + left))
            assert session.token_left() == pytest.approx(left, abs=1)
            assert bool(session.ending_before_sync()) is said
        client.token = make_jwt(exp=int(NOW + 1500))
        assert "ends in 25 min" in session.ending_before_sync()
        client.token = make_jwt(sub="no exp")
        assert session.token_left() is None and session.ending_before_sync() == ""

