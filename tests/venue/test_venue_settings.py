"""Venue mode's setting (EVENTTIA_SHARED_URL, config file, --shared), that nothing changes without it, and the
app with its Redis away: it starts at once, works on its own, and its header says "venue link down" until
Redis answers."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest
from redis import Redis
from textual.worker import WorkerCancelled

from benchmarks.redis_server import RedisServer
from benchmarks.venue import VENUE_KEY
from eventtia_tui.api.client import EventtiaClient
from eventtia_tui.api.tokens import TokenStore
from eventtia_tui.app import EventtiaApp
from eventtia_tui.config import ConfigError
from eventtia_tui.session import Session, Settings, open_session
from eventtia_tui.venue.mode import Venue
from tests.demo_expo import BASE_URL


@pytest.fixture(autouse=True)
def own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTTIA_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("EVENTTIA_SHARED_URL", raising=False)


def test_the_shared_url_comes_from_the_environment_and_the_flag_wins(monkeypatch):
    assert Settings.from_env().shared_url == ""
    monkeypatch.setenv("EVENTTIA_SHARED_URL", "redis://:secret@10.0.0.5:6379/0")
    assert Settings.from_env().shared_url == "redis://:secret@10.0.0.5:6379/0"
    assert Settings.from_env(shared_url="rediss://venue.lan:6380/1").shared_url == "rediss://venue.lan:6380/1"


def test_the_assumed_fleet_comes_from_the_setting_and_a_machine_that_never_reached_redis_takes_its_share(
        tmp_path, monkeypatch):
    assert Settings.from_env().venue_machines == 8
    monkeypatch.setenv("EVENTTIA_VENUE_MACHINES", "5")
    monkeypatch.setenv("EVENTTIA_SHARED_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    monkeypatch.setenv("EVENTTIA_VENUE_KEY", VENUE_KEY)
    settings = Settings.from_env()
    assert settings.venue_machines == 5
    monkeypatch.setenv("EVENTTIA_VENUE_MACHINES", "0")
    with pytest.raises(ConfigError, match="venue_machines"):
        Settings.from_env()
    settings.cache_dir, settings.data_dir = tmp_path / "cache", tmp_path / "data"
    session = open_session(settings)
    try:
        assert session.venue is not None and session.venue.down_because == "refused"
        assert session.client.budget.local.per_minute == settings.rate_limit // 5
    finally:
        session.venue.link.close()


def test_a_shared_url_that_is_not_redis_is_refused_naming_where_it_came_from(monkeypatch):
    monkeypatch.setenv("EVENTTIA_SHARED_URL", "http://venue.lan:6379")
    with pytest.raises(ConfigError, match="EVENTTIA_SHARED_URL.*redis://"):
        Settings.from_env()


def test_without_the_setting_no_redis_client_is_imported(tmp_path):
    code = ("import sys; from pathlib import Path; from eventtia_tui.session import Settings, open_session; "
            f"s = open_session(Settings(api_url='http://127.0.0.1:9/api/v3', cache_dir=Path({str(tmp_path)!r}), "
            f"data_dir=Path({str(tmp_path)!r}))); "
            "assert s.venue is None and type(s.client.budget).__name__ == 'RequestBudget'; "
            "assert not any(name == 'redis' or name.startswith(('redis.', 'eventtia_tui.venue')) "
            "for name in sys.modules), sorted(n for n in sys.modules if 'redis' in n or 'venue' in n)")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


async def settle(pilot) -> None:
    for _ in range(3):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            continue
        await pilot.pause()


def redis_client(url: str) -> Redis:
    return Redis.from_url(url, decode_responses=True)


async def test_redis_away_the_app_works_on_its_own_and_says_venue_link_down(tmp_path, sandbox_app, clock,
                                                                          fast_retry):
    redis = RedisServer(tmp_path / "redis")  # its port, not started yet
    started = time.perf_counter()
    venue = Venue(redis.url, VENUE_KEY, link_wait=1.0)  # the sync waits a second (90 s in the app), then alone
    assert not venue.connect()
    assert time.perf_counter() - started < 2.0  # an unreachable Redis does not hold the app up
    settings = Settings(api_url=BASE_URL, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                        config_dir=tmp_path / "config", demo=True, shared_url=redis.url)
    client = EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=sandbox_app), retry=fast_retry)
    session = Session(settings, client, TokenStore(tmp_path / "config"), clock=clock, venue=venue)
    app = EventtiaApp(session, event_uri="demo-expo", cursor_blink=False)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            header = app.screen.query_one("#event-header")
            assert "venue link down: refused" in str(header.render())  # why, not only that
            assert app.gateway.is_complete("demo-expo")  # synced on its own, as without venue mode
            redis.start()
            deadline = time.monotonic() + 5
            while not venue.up and time.monotonic() < deadline:
                await pilot.pause(0.1)
            app.screen.refresh_header()
            await pilot.pause()
            assert venue.up and "venue link down" not in str(header.render())
            # Two machines nobody of the venue signed join the roll: set aside, counted in the header.
            ghost = redis_client(redis.url)
            ghost.zadd(venue.link.key("machines"), {"ghost-1": time.time(), "ghost-2": time.time()})
            ghost.close()
            deadline = time.monotonic() + 5
            while venue.link.refusals.count < 2 and time.monotonic() < deadline:
                await pilot.pause(0.1)
            app.screen.refresh_header()
            await pilot.pause()
            assert "⚠ 2 venue entries refused" in str(header.render()) and venue.link.machines_seen == 1
    finally:
        redis.stop()
