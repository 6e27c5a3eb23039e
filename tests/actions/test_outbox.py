"""The outbox: writes made offline survive a restart and land exactly once."""

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
