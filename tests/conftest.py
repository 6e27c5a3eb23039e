"""Shared fixtures: the in-process sandbox (real FastAPI + SQLite) reached over httpx's ASGI transport; the
threat markers; the long randomized runs kept for `-m slow` or `--slow`."""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import settings

from eventtia_tui.actions import ActionRunner, AuditLog, Outbox
from eventtia_tui.api.client import EventtiaClient, RetryPolicy
from eventtia_tui.gateway import Gateway, sync_event
from eventtia_tui.sandbox import DEMO_EMAIL, DEMO_PASSWORD, create_app
from eventtia_tui.store.cache import CacheStore
from tests.demo_expo import BASE_URL, DEMO_START

# The suite that gates a landing runs the same examples every time (a random one found on a CI run blocks the
# landing rather than the bug's author); `HYPOTHESIS_PROFILE=explore` searches new examples, and a failure it finds
# is kept as an @example.
settings.register_profile("repeatable", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

FROZEN_NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/Bogota")).timestamp()

# Tests are sorted by the layer they exercise; what a test defends against is a marker (`pytest -m hostile`).
THREATS = {
    "hostile": "data or input made to break the app: markup, control characters, odd bytes, attacks on paths",
    "fault": "a network or server that fails: outages, 503s, late or mangled answers",
    "hardening": "what must survive misuse: expired tokens, damaged or shared caches, state outliving the cache",
    "crash": "the app killed (kill -9) in the middle of a write, a sync or a replay",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", default=False, help="also run the tests marked slow")


def pytest_configure(config: pytest.Config) -> None:
    for name, meaning in THREATS.items():
        config.addinivalue_line("markers", f"{name}: {meaning}")


# A test that runs the whole app (under Pilot, in a pty, or the benchmarks) takes seconds to minutes; a unit test,
# milliseconds. The workers (-n) take tests in collection order: the long ones go first, so the short ones fill
# the end instead of one worker finishing a three-minute test alone.
WHOLE_APP_FIXTURES = {"make_app", "replay_app", "snap_compare"}
WHOLE_APP_FOLDERS = {"app", "benchmarks"}


def runs_the_whole_app(item: pytest.Item) -> bool:
    return bool(WHOLE_APP_FIXTURES & set(getattr(item, "fixturenames", ()))) or item.path.parent.name in WHOLE_APP_FOLDERS


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    long_modules = {item.path for item in items if runs_the_whole_app(item)}
    items.sort(key=lambda item: item.path not in long_modules)  # stable: a module's tests stay together, in order
    if "slow" in (config.getoption("markexpr", default="") or "") or config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow (or --slow)")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)


class TickingClock:
    """A deterministic clock: starts at FROZEN_NOW and moves one millisecond per reading."""

    def __init__(self, start: float = FROZEN_NOW) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 0.001
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def sandbox_app(clock):
    return create_app(None, attendees=1200, seed=42, start_date=DEMO_START, clock=clock)


@pytest.fixture
async def anon(sandbox_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox_app), base_url=BASE_URL) as client:
        yield client


@pytest.fixture
async def token(anon) -> str:
    response = await anon.post("/auth", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    return response.json()["auth_token"]


@pytest.fixture
async def api(sandbox_app, token):
    """An httpx client already signed in as the demo user."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox_app), base_url=BASE_URL,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


@pytest.fixture
def fast_retry():
    async def no_sleep(_: float) -> None:
        return None

    return RetryPolicy(attempts=3, base_delay=0, sleep=no_sleep)


@pytest.fixture
async def client(sandbox_app, token, fast_retry):
    async with EventtiaClient(BASE_URL, token, transport=httpx.ASGITransport(app=sandbox_app),
                              retry=fast_retry) as api_client:
        yield api_client


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "cache"


@pytest.fixture
async def gateway(client, cache_dir, clock):
    store = CacheStore(cache_dir, BASE_URL, DEMO_EMAIL, clock=clock)
    yield Gateway(client, store, clock=clock)
    store.close()


@pytest.fixture
async def synced(gateway):
    await sync_event(gateway, "demo-expo")
    return gateway


@pytest.fixture
def runner(synced, cache_dir):
    return ActionRunner(synced, Outbox(cache_dir, synced.store.scope), AuditLog(cache_dir, DEMO_EMAIL))


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    """The app's data, cache and config directories in tmp_path, and no account from the environment."""
    for name in ("DATA", "CACHE", "CONFIG"):
        monkeypatch.setenv(f"EVENTTIA_{name}_DIR", str(tmp_path / name.lower()))
    monkeypatch.delenv("EVENTTIA_EMAIL", raising=False)
    monkeypatch.delenv("EVENTTIA_PASSWORD", raising=False)
    return tmp_path
