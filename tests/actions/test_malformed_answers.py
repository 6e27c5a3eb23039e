"""A malformed answer is not a success, and a slow one has a deadline: real HTTP on a loopback port, with a
middlebox in front of the sandbox that answers `200 {}`, a captive portal's HTML, a body cut short, or
drips the real answer one byte at a time."""

from __future__ import annotations

import time

import pytest

from eventtia_tui.actions import ActionRunner, AuditLog, CancelAttendee, Outbox, State, add_activity, views
from eventtia_tui.api import EventtiaClient, RetryPolicy
from eventtia_tui.api.errors import Malformed, TooSlow
from eventtia_tui.gateway import Gateway, sync_event
from eventtia_tui.sandbox import DEMO_EMAIL, DEMO_PASSWORD
from eventtia_tui.store.cache import CacheStore
from tests.demo_expo import EXPO, walk_in
from tests.live import LiveSandbox
from tests.middlebox import CUT_SHORT, EMPTY_OBJECT, PORTAL, Middlebox, reads

pytestmark = pytest.mark.fault

DEADLINE = 1.5


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
def middlebox(sandbox_app):
    box = Middlebox(sandbox_app)
    live = LiveSandbox(box).start()
    box.url = live.url
    yield box
    live.stop()


@pytest.fixture
async def wired(middlebox, cache_dir, clock):
    async with EventtiaClient(middlebox.url, retry=RetryPolicy(attempts=2, base_delay=0, sleep=no_sleep),
                              deadline=DEADLINE) as client:
        await client.login(DEMO_EMAIL, DEMO_PASSWORD)
        store = CacheStore(cache_dir, middlebox.url, DEMO_EMAIL, clock=clock)
        gateway = Gateway(client, store, clock=clock)
        await sync_event(gateway, EXPO)
        await gateway.workshops(EXPO)
        await gateway.tickets_stats(EXPO)
        await gateway.event(EXPO)
        await gateway.attendee_types(EXPO)
        yield ActionRunner(gateway, Outbox(cache_dir, store.scope), AuditLog(cache_dir, DEMO_EMAIL))
        store.close()


def outcomes(runner: ActionRunner) -> list[str]:
    return [entry["outcome"] for entry in runner.audit.entries()]


async def still_registered(api, attendee) -> bool:
    """Cancelling archives: the default listing leaves the attendee out (the reference gives no other sign)."""
    listed = (await api.get(f"/events/{EXPO}/attendees", params={"email": attendee.email, "page[size]": 100})).json()
    return attendee.id in {found["id"] for found in listed["data"]}


async def test_a_cancel_answered_with_an_empty_object_is_queued_not_done_and_lands_on_replay(wired, middlebox, api):
    someone = next(r for r in wired.gateway.index(EXPO).records.values() if r.status == "confirmed" and r.email)
    middlebox.answer(EMPTY_OBJECT)  # the request never reached Eventtia
    outcome = await wired.run(CancelAttendee(EXPO, attendee_id=someone.id, name=someone.full_name))
    assert outcome.state is State.QUEUED
    assert "done" not in outcomes(wired)
    assert await still_registered(api, someone)
    assert wired.gateway.index(EXPO).get(someone.id).status == "cancel queued (offline)"
    middlebox.off()
    report = await wired.replay()
    assert (report.sent, report.already_there, report.remaining) == (1, 0, 0)
    assert not await still_registered(api, someone)
    assert wired.gateway.index(EXPO).get(someone.id).cancelled
    assert outcomes(wired)[-1] == "done"


@pytest.mark.parametrize(("body", "html"), [(PORTAL, True), (CUT_SHORT, False), (EMPTY_OBJECT, False)])
async def test_a_walk_in_whose_answer_was_mangled_after_it_landed_is_registered_once(wired, middlebox, api,
                                                                                    body, html):
    middlebox.answer(body, forward=True, html=html)  # it landed; the answer was replaced on the way back
    outcome = await wired.run(walk_in())  # a 2xx that proves nothing: read back at once (issue 27 item 2)
    assert outcome.state is State.DONE and outcomes(wired) == ["sending", "done"]
    middlebox.off()
    report = await wired.replay()
    assert (report.sent, report.already_there, report.failed, report.remaining) == (0, 0, [], 0)
    found = (await api.get(f"/events/{EXPO}/attendees", params={"email": "zoe.nunez@walkin.test"})).json()["data"]
    assert len(found) == 1
    assert wired.gateway.index(EXPO).exact("zoe.nunez@walkin.test").id == found[0]["id"]


async def test_an_activity_add_answered_with_html_is_not_done(wired, middlebox, api):
    attendee = next(r for r in wired.gateway.index(EXPO).records.values() if r.status == "confirmed")
    current = views.attendee_workshop_ids(wired.gateway, EXPO, attendee.id) or []
    workshop = next(w for w in views.cached(wired.gateway, "workshops", EXPO)
                    if not w.is_full and w.id not in current)
    middlebox.answer(PORTAL, html=True)
    outcome = await wired.run(add_activity(EXPO, attendee.id, attendee.full_name, workshop.id, current))
    assert outcome.state is State.QUEUED and "done" not in outcomes(wired)
    middlebox.off()
    assert (await wired.replay()).sent == 1
    joined = (await api.get(f"/events/{EXPO}/attendees/{attendee.id}/workshops")).json()["data"]
    assert workshop.id in {w["id"] for w in joined}


@pytest.mark.parametrize("body", [EMPTY_OBJECT, PORTAL, CUT_SHORT, b'{"data": {"id": "1"}}', b'{"data": null}'])
async def test_a_malformed_read_never_replaces_good_cached_data(wired, middlebox, body):
    gateway = wired.gateway
    workshops = views.cached(gateway, "workshops", EXPO)
    stats = views.cached(gateway, "tickets_stats", EXPO)
    assert workshops and stats
    middlebox.answer(body, reads, html=body == PORTAL)
    for read in (gateway.workshops, gateway.tickets_stats, gateway.event, gateway.attendee_types):
        result = await read(EXPO, force=True)
        assert result.offline and result.value  # the last good copy, marked offline
    assert views.cached(gateway, "workshops", EXPO) == workshops
    assert views.cached(gateway, "tickets_stats", EXPO) == stats
    assert gateway.connection.online is False  # the header does not say "online · synced"
    with pytest.raises(Malformed):
        await gateway.client.get_attendee(EXPO, next(iter(gateway.index(EXPO).records)))


async def test_a_dripping_server_holds_neither_a_read_nor_a_write_past_the_deadline(wired, middlebox, api):
    middlebox.drip = 0.4
    gateway = wired.gateway
    started = time.monotonic()
    with pytest.raises(TooSlow):
        await gateway.call(gateway.client.get_event(EXPO))
    assert time.monotonic() - started < DEADLINE + 1.0  # not retried: one deadline, then offline
    assert gateway.connection.online is False
    started = time.monotonic()
    outcome = await wired.run(walk_in(email="drip@walkin.test"))
    assert outcome.state is State.QUEUED and time.monotonic() - started < DEADLINE + 1.0
    middlebox.off()
    report = await wired.replay()
    assert report.remaining == 0 and report.sent + report.already_there == 1
    found = (await api.get(f"/events/{EXPO}/attendees", params={"email": "drip@walkin.test"})).json()["data"]
    assert len(found) == 1
