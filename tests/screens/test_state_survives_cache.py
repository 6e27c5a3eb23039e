"""Deleting the cache directory (what users and cleaners are told is safe) with a walk-in queued loses nothing:
the outbox and the audit log are in the state directory, and the next start sends the walk-in."""

import shutil

from tests.screens.pilot import EXPO, SIZE, fill, open_demo_expo, open_form, settle


async def test_a_walk_in_queued_before_the_cache_was_deleted_is_sent_at_the_next_start(make_app, sandbox_app, api,
                                                                                       tmp_path):
    async with make_app().run_test(size=SIZE) as pilot:
        await open_form(pilot)
        sandbox_app.state.faults.fail_rate = 1.0  # the venue Wi-Fi is down
        await fill(pilot, email="zoe@walkin.test")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "1 change waiting to send" in str(pilot.app.screen.query_one("#event-header").render())
    state = tmp_path / "data" / "state"
    assert (state / "outbox").is_dir() and "queued" in (state / "audit.jsonl").read_text()

    shutil.rmtree(tmp_path / "cache")  # "the cache is safe to delete"
    sandbox_app.state.faults.fail_rate = 0.0
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        await settle(pilot)
        assert "waiting to send" not in str(pilot.app.screen.query_one("#event-header").render())
    found = await api.get(f"{EXPO}/attendees", params={"email": "zoe@walkin.test"})
    assert found.json()["meta"]["total_attendees"] == 1
    assert not (tmp_path / "cache" / "outbox").exists() and not (tmp_path / "cache" / "audit.jsonl").exists()
