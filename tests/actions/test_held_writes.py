"""Writes held for an undo window: kept (nothing sent), released (sent once), or interrupted by the app
dying inside the window (the next start finds it on disk and sends it, after checking)."""

from eventtia_tui.actions import State
from eventtia_tui.actions.attendees import HELD_CANCEL
from tests.demo_expo import EXPO, cancel, is_active, restarted, someone


async def test_kept_inside_the_window_nothing_is_sent_and_nothing_waits(runner, synced, api):
    record = someone(synced)
    action = cancel(record)
    assert (await runner.hold(action, 60)).state is State.HELD
    assert synced.index(EXPO).get(record.id).status == HELD_CANCEL
    assert list(runner.outbox.items()) == []  # on disk, but this live process is the one holding it
    assert await runner.take_back(action.action_id) is action
    assert synced.index(EXPO).get(record.id).status == "confirmed"
    assert runner.outbox.index.get(f"{runner.outbox.scope}|{action.action_id}") is None
    assert await is_active(api, record)


async def test_released_after_the_window_it_is_sent_once(runner, synced, api):
    record = someone(synced)
    action = cancel(record)
    await runner.hold(action, 60)
    outcome = await runner.send_held(action.action_id)
    assert outcome.state is State.DONE and not await is_active(api, record)
    assert await runner.send_held(action.action_id) is None and await runner.take_back(action.action_id) is None
    assert len(runner.outbox.index) == 0


async def test_the_app_dying_inside_the_window_leaves_it_on_disk_for_the_next_start(runner, synced, api, client,
                                                                                     cache_dir, clock):
    record = someone(synced)
    action = cancel(record)
    await runner.hold(action, 60)
    runner.outbox.unclaim(action.action_id)  # what the process's end does: nobody is sending it any more
    later = restarted(client, cache_dir, clock)
    assert later.outbox.count() == 1
    report = await later.replay()
    assert (report.sent, report.failed) == (1, [])
    assert not await is_active(api, record)
    assert later.outbox.count() == 0
