import pytest

from eventtia_tui.api.client import EventtiaClient
from eventtia_tui.api.errors import Unavailable
from eventtia_tui.gateway import Freshness, Gateway, sync_event
from eventtia_tui.sandbox import DEMO_EMAIL, create_app
from eventtia_tui.store.cache import CacheStore
from tests.demo_expo import DEMO_START
from tests.live import LiveSandbox

EXPO = "demo-expo"


async def test_first_read_fetches_then_answers_from_cache(gateway, sandbox_app):
    first = await gateway.workshops(EXPO)
    assert first.freshness is Freshness.FRESH and len(first.value) == 10
    sandbox_app.state.faults.fail_rate = 1.0  # a second fetch would fail: the cache must answer
    second = await gateway.workshops(EXPO)
    assert second.freshness is Freshness.FRESH
    assert [w.id for w in second.value] == [w.id for w in first.value]


async def test_stale_read_answers_at_once_and_refreshes_behind(gateway, clock, api):
    first = await gateway.tickets_stats(EXPO)
    body = {"attendee": {"attendee_type_id": 5001, "first_name": "New", "last_name": "Comer", "email": "n@c.test"}}
    assert (await api.post(f"/events/{EXPO}/attendees/register", json=body)).status_code == 200
    clock.advance(11)  # past the 10 s lifetime of ticket stats
    updates = []
    stale = await gateway.tickets_stats(EXPO, on_update=updates.append)
    assert stale.freshness is Freshness.STALE
    assert stale.value[0].used_seats == first.value[0].used_seats
    await gateway.wait_for_background()
    assert updates and updates[0].freshness is Freshness.FRESH
    assert updates[0].value[0].used_seats == first.value[0].used_seats + 1


async def test_invalidate_makes_the_next_read_refresh(gateway):
    await gateway.workshops(EXPO)
    gateway.invalidate(EXPO, "workshops")
    assert (await gateway.workshops(EXPO)).freshness is Freshness.STALE
    await gateway.wait_for_background()
    assert (await gateway.workshops(EXPO)).freshness is Freshness.FRESH


async def test_nothing_cached_and_unreachable_raises_unavailable(gateway, sandbox_app):
    sandbox_app.state.faults.fail_rate = 1.0
    with pytest.raises(Unavailable):
        await gateway.workshops(EXPO)
    assert gateway.connection.online is False


async def test_sync_pulls_every_attendee(gateway, api):
    progress = []
    report = await sync_event(gateway, EXPO, on_progress=progress.append)
    # The default listing: active registrations (the reference: include_archived "also lists deleted and
    # rejected participants", include_rejected lists rejected ones "as well").
    total = (await api.get(f"/events/{EXPO}/attendees")).json()["meta"]["total_attendees"]
    every = (await api.get(f"/events/{EXPO}/attendees", params={"include_archived": "true"})).json()["meta"]
    assert report.mode == "full" and report.attendees == report.active == total < every["total_attendees"] == 1200
    assert report.workshops == 10 and report.conferences == 1
    assert any(p.stage == "attendees" and p.done == p.total == total for p in progress)
    index = await gateway.attendee_index(EXPO)
    assert len(index) == total


async def test_incremental_sync_picks_up_changes_and_cancellations(gateway, api, clock):
    await sync_event(gateway, EXPO)
    clock.advance(600)
    body = {"attendee": {"attendee_type_id": 5001, "first_name": "Walk", "last_name": "In", "email": "walk@in.test"}}
    new = (await api.post(f"/events/{EXPO}/attendees/register", json=body)).json()["data"]
    victim = (await api.get(f"/events/{EXPO}/attendees", params={"page[size]": 1})).json()["data"][0]
    assert (await api.put(f"/events/{EXPO}/attendees/{victim['id']}/cancel")).status_code == 204
    before = len(await gateway.attendee_index(EXPO))
    report = await sync_event(gateway, EXPO)
    assert report.mode == "incremental"
    assert report.changed == 2 and report.cancelled == 1
    assert (report.attendees, report.active) == (before + 1, before)
    index = await gateway.attendee_index(EXPO)
    assert index.get(new["id"]).email == "walk@in.test"
    assert index.get(victim["id"]).cancelled


async def test_cache_survives_a_new_gateway(gateway, client, cache_dir, clock):
    await sync_event(gateway, EXPO)
    again = Gateway(client, CacheStore(cache_dir, gateway.store.scope.split("|")[0], DEMO_EMAIL, clock=clock), clock=clock)
    index = await again.attendee_index(EXPO)
    assert index is not None and len(index) == len(gateway.index(EXPO)) > 1100
    assert again.synced_at(EXPO) is not None and again.synced_at("lima-food-fair") is None


async def test_scope_separates_accounts(gateway, client, cache_dir, clock):
    await sync_event(gateway, EXPO)
    other = Gateway(client, CacheStore(cache_dir, "http://sandbox/api/v3", "someone@else.test", clock=clock), clock=clock)
    assert await other.attendee_index(EXPO) is None


async def test_with_the_sandbox_stopped_reads_come_from_cache_marked_offline(tmp_path, fast_retry):
    app = create_app(tmp_path / "sandbox.sqlite3", attendees=300, start_date=DEMO_START)
    live = LiveSandbox(app).start()
    try:
        async with EventtiaClient(live.url, retry=fast_retry, timeout=2) as api_client:
            await api_client.login(DEMO_EMAIL, "demo")
            store = CacheStore(tmp_path / "cache", live.url, DEMO_EMAIL)
            gateway = Gateway(api_client, store, lifetimes={"workshops": 0})
            await sync_event(gateway, EXPO)
            live.stop()
            result = await gateway.workshops(EXPO, force=True)
            assert result.freshness is Freshness.OFFLINE and len(result.value) == 10
            assert gateway.connection.online is False
            stale = await gateway.workshops(EXPO)
            assert stale.freshness is Freshness.OFFLINE
            index = await gateway.attendee_index(EXPO)
            assert 280 < len(index) < 300  # the default listing: without the deleted and rejected ones
            live.start()
            assert (await gateway.workshops(EXPO, force=True)).freshness is Freshness.FRESH
            assert gateway.connection.online is True
    finally:
        live.stop()
