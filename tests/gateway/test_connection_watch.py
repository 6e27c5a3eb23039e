"""The header's connection state follows Eventtia within seconds: a request left unanswered turns it offline
before its deadline, an idle app notices the API going away, and an offline one notices it coming back."""

from __future__ import annotations

import asyncio
import time

import pytest

from eventtia_tui.api import EventtiaClient, RetryPolicy
from eventtia_tui.api.errors import AuthError, TooSlow
from eventtia_tui.gateway import Gateway
from eventtia_tui.gateway import connection as gateway_module
from eventtia_tui.sandbox import DEMO_EMAIL, DEMO_PASSWORD
from eventtia_tui.store.cache import CacheStore
from tests.demo_expo import EXPO
from tests.live import LiveSandbox
from tests.middlebox import Middlebox

pytestmark = pytest.mark.fault

DEADLINE = 4.5  # the client's (10 s in the app): past STALL_SECONDS, short enough for a test


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
def box(sandbox_app):
    middlebox = Middlebox(sandbox_app)
    middlebox.live = LiveSandbox(middlebox).start()
    yield middlebox
    middlebox.live.stop()


@pytest.fixture
async def watched(box, cache_dir, clock):
    async with EventtiaClient(box.live.url, retry=RetryPolicy(attempts=1, sleep=no_sleep), deadline=DEADLINE) as client:
        await client.login(DEMO_EMAIL, DEMO_PASSWORD)
        store = CacheStore(cache_dir, box.live.url, DEMO_EMAIL, clock=clock)
        gateway = Gateway(client, store, clock=clock)
        gateway.changes: list[tuple[float, bool]] = []
        gateway.on_connection = lambda connection: gateway.changes.append((time.monotonic(), connection.online))
        await gateway.call(client.probe())
        gateway.watch_connection()
        yield gateway
        await gateway.stop_watching()
        store.close()


async def offline_after(gateway: Gateway, since: float, limit: float) -> float:
    while gateway.connection.online is not False:
        assert time.monotonic() - since < limit, f"still online after {limit} s"
        await asyncio.sleep(0.05)
    return time.monotonic() - since


async def test_a_dripping_answer_shows_offline_within_seconds_not_at_its_deadline(watched, box):
    box.drip = 0.4
    started = time.monotonic()
    read = asyncio.ensure_future(watched.call(watched.client.get_event(EXPO)))
    took = await offline_after(watched, started, gateway_module.STALL_SECONDS + 1.5)
    assert gateway_module.STALL_SECONDS <= took and not read.done()
    assert "has not answered" in watched.connection.message
    with pytest.raises(TooSlow):
        await read
    assert time.monotonic() - started < DEADLINE + 1.0
    box.off()


async def test_an_idle_app_sees_the_api_go_away_and_come_back(watched, box, monkeypatch):
    monkeypatch.setattr(gateway_module, "PROBE_IDLE", 2.0)  # 10 s in the app; shortened to keep the test fast
    monkeypatch.setattr(gateway_module, "PROBE_OFFLINE", 1.0)  # 5 s in the app
    assert watched.connection.online is True
    port = box.live.port
    box.live.stop()
    gone = time.monotonic()
    await offline_after(watched, gone, gateway_module.PROBE_IDLE + 2.0)
    box.live = LiveSandbox(box, port).start()
    back = time.monotonic()
    while watched.connection.online is not True:
        assert time.monotonic() - back < gateway_module.PROBE_OFFLINE + 2.0
        await asyncio.sleep(0.05)
    assert [online for _, online in watched.changes][-2:] == [False, True]


async def test_probes_stay_within_the_budget_and_wait_while_requests_are_answered(watched, monkeypatch):
    monkeypatch.setattr(gateway_module, "PROBE_IDLE", 0.5)
    probes = 0
    real_probe = watched.client.probe

    async def counted() -> None:
        nonlocal probes
        probes += 1
        await real_probe()

    watched.client.probe = counted
    ends = time.monotonic() + 2.0
    while time.monotonic() < ends:  # the desk keeps asking: no probe is needed
        await watched.call(watched.client.get_event(EXPO))
        await asyncio.sleep(0.1)
    assert probes == 0
    await asyncio.sleep(1.5)  # idle: probes (at most one per PROBE_IDLE)
    assert 1 <= probes <= 1.5 / 0.5 + 1


async def test_every_401_tells_the_app_once_and_the_caller_still_gets_it(gateway, clock):
    told: list[str] = []
    gateway.on_sign_in = told.append
    assert (await gateway.call(gateway.client.get_event(EXPO))).name  # a good token: nothing said
    clock.advance(31 * 86400)  # "expired"
    with pytest.raises(AuthError):
        await gateway.call(gateway.client.get_event(EXPO))
    assert len(told) == 1 and "expired" in told[0] and gateway.connection.online is True  # it answered

    def broken(_: str) -> None:
        raise RuntimeError("the app is quitting")

    gateway.on_sign_in = broken
    with pytest.raises(AuthError):  # asking failed: the 401 is still what the caller sees
        await gateway.call(gateway.client.get_event(EXPO))
