"""The reference replay (tests/replay/server.py) reached over httpx's ASGI transport, and the app on it."""

from __future__ import annotations

import httpx
import pytest

from eventtia_tui.api.client import EventtiaClient
from eventtia_tui.gateway import Gateway
from eventtia_tui.store.cache import CacheStore
from tests.replay.server import ACCOUNT, BASE_URL, ReferenceReplay


@pytest.fixture
def replay() -> ReferenceReplay:
    return ReferenceReplay()


@pytest.fixture
async def replay_client(replay, fast_retry):
    async with EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=replay.app), retry=fast_retry) as client:
        await client.login(ACCOUNT, "myPassword")
        yield client


@pytest.fixture
async def replay_gateway(replay_client, tmp_path, clock):
    store = CacheStore(tmp_path / "cache", BASE_URL, ACCOUNT, clock=clock)
    yield Gateway(replay_client, store, clock=clock)
    store.close()
