"""The outbox: writes made offline survive a restart and land exactly once."""

import asyncio

from eventtia_tui.actions import State, add_activity, views
from tests.demo_expo import EXPO, restarted, server_total, stat, walk_in


async def test_offline_writes_queue_survive_a_restart_and_land_once(runner, synced, api, sandbox_app, client,
                                                                   cache_dir, clock):
    total = await server_total(api)
    stats_before = stat(synced)
    open_one = next(w for w in views.cached(synced, "workshops", EXPO) if not w.is_full)
    known = next(r for r in synced.index(EXPO).records.values() if r.status == "confirmed")

    sandbox_app.state.faults.fail_rate = 1.0  # the venue Wi-Fi is down
    first = await runner.run(walk_in())
    second = await runner.run(walk_in(email="second@walkin.test", first_name="Segundo"))
    move = await runner.run(add_activity(EXPO, known.id, known.full_name, open_one.id))
    assert [first.state, second.state, move.state] == [State.QUEUED] * 3
    assert runner.outbox.count() == 3
    queued = synced.index(EXPO).search("zoe.nunez@walkin.test")[0].record
    assert queued.status == "queued (offline)"
    assert stat(synced) == stats_before + 2  # still shown while queued

    later = restarted(client, cache_dir, clock)  # the app was quit and started again
    assert later.outbox.count() == 3
    sandbox_app.state.faults.fail_rate = 0.0  # back online
    report = await later.replay()
    assert (report.sent, report.already_there, report.failed, report.remaining) == (3, 0, [], 0)
    assert await server_total(api) == total + 2
    server_workshops = (await api.get(f"/events/{EXPO}/attendees/{known.id}/workshops")).json()["data"]
    assert open_one.id in [w["id"] for w in server_workshops]
    again = await later.replay()
    assert (again.sent, again.already_there) == (0, 0)
    assert await server_total(api) == total + 2
    emails = (await api.get(f"/events/{EXPO}/attendees", params={"email": "zoe.nunez@walkin.test"})).json()
    assert emails["meta"]["total_attendees"] == 1


async def test_a_write_that_landed_before_the_connection_dropped_is_not_sent_twice(runner, synced, api, sandbox_app):
    sandbox_app.state.faults.fail_rate = 1.0
    assert (await runner.run(walk_in())).state is State.QUEUED
    sandbox_app.state.faults.fail_rate = 0.0
    # It had in fact reached the server (the answer was lost): the same person is there now.
    body = {"attendee": {"attendee_type_id": 5001, "first_name": "Zoë", "last_name": "Núñez", "email": "zoe.nunez@walkin.test"}}
    assert (await api.post(f"/events/{EXPO}/attendees/register", json=body)).status_code == 200
    total = await server_total(api)
    report = await runner.replay()
    assert (report.sent, report.already_there) == (0, 1)
    assert await server_total(api) == total
    record = synced.index(EXPO).search("zoe.nunez@walkin.test")[0].record
    assert record.id.isdigit() and record.status == "confirmed"


async def test_a_queued_write_the_server_refuses_is_kept_as_failed_and_can_be_dropped(runner, synced, sandbox_app):
    sandbox_app.state.faults.fail_rate = 1.0
    assert (await runner.run(walk_in())).state is State.QUEUED
    sandbox_app.state.faults.fail_rate = 0.0
    stale = walk_in(email="typo@walkin.test")
    stale.attendee_type_id = "999999"  # a type deleted on Eventtia while we were offline
    runner.outbox.add(stale)
    report = await runner.replay()
    assert report.sent == 1 and len(report.failed) == 1 and "Attendee type" in report.failed[0]
    items = list(runner.outbox.items())
    assert [(i.state, i.action.action_id) for i in items] == [("failed", stale.action_id)]
    assert runner.outbox.count() == 0  # failed ones wait for the user, they are not retried
    await runner.drop(stale.action_id)
    assert list(runner.outbox.items()) == []
    assert runner.audit.entries()[-1]["outcome"] == "dropped"


async def test_queued_writes_go_out_by_themselves_and_not_with_a_token_eventtia_refused(runner, synced, api,
                                                                                       sandbox_app):
    """ActionRunner.keep_sending (the app runs it): nobody calls replay. Offline it does not try; online it sends
    what waits; with a token Eventtia answered 401 to, it tries once, not on every turn (each try is a request)."""
    total = await server_total(api)
    sandbox_app.state.faults.fail_rate = 1.0
    assert (await runner.run(walk_in())).state is State.QUEUED
    reports: list = []
    sent = asyncio.Event()

    def replayed(report) -> None:
        reports.append(report)
        if report.sent:
            sent.set()

    sending = asyncio.ensure_future(runner.keep_sending(replayed, every=0.05, tick=0.01))
    try:
        await asyncio.sleep(0.2)  # turns while Eventtia is known to be away: none tries
        assert reports == [] and synced.connection.online is False
        sandbox_app.state.faults.fail_rate = 0.0
        await synced.call(synced.client.probe())  # the connection's probe: back
        await asyncio.wait_for(sent.wait(), 60)  # a bound that only ends a hang
        assert await server_total(api) == total + 1 and runner.queued == 0

        token = synced.client.token
        sandbox_app.state.faults.fail_rate = 1.0
        assert (await runner.run(walk_in(email="second@walkin.test", first_name="Segundo"))).state is State.QUEUED
        sandbox_app.state.faults.fail_rate = 0.0
        await synced.call(synced.client.probe())
        synced.client.token = "revoked-elsewhere"
        tries = len(reports)
        await asyncio.sleep(0.5)  # ten turns
        assert len(reports) == tries + 1 and reports[-1].sign_in  # one try, then it waits for a sign-in
        synced.client.token = token  # signed in again
        await asyncio.sleep(0.2)
        assert reports[-1].sent == 1 and await server_total(api) == total + 2
    finally:
        sending.cancel()
        await asyncio.gather(sending, return_exceptions=True)


async def test_the_queued_count_follows_the_outbox_while_eventtia_is_away(runner, synced, sandbox_app):
    """A write another session sent (or dropped) is no longer counted here while this one is offline: the
    header's count, and the connection watch probes faster only while writes wait (it bypasses the venue's
    probe turn then)."""
    sandbox_app.state.faults.fail_rate = 1.0
    action = walk_in()
    assert (await runner.run(action)).state is State.QUEUED and runner.queued == 1
    reports: list = []
    sending = asyncio.ensure_future(runner.keep_sending(reports.append, every=0.05, tick=0.01))
    try:
        runner.outbox.remove(action.action_id)  # sent elsewhere
        for _ in range(500):  # turns of 0.01 s; a bound that only ends a hang
            if runner.queued == 0:
                break
            await asyncio.sleep(0.01)
        assert runner.queued == 0 and synced.connection.online is False
        assert reports == []  # nothing tried while away
    finally:
        sending.cancel()
        await asyncio.gather(sending, return_exceptions=True)
