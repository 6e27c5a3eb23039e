"""Races the randomized run can hit only by luck, made to happen every time."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from eventtia_tui.actions import RegisterAttendee, State
from tests.demo_expo import EXPO, server_total, walk_in

pytestmark = pytest.mark.fault


class LandsLate(RegisterAttendee):
    """A walk-in whose first attempt (answer lost) reaches the server just after the replay's check."""

    kind = "test_register_lands_late"
    landing: ClassVar[Any] = None  # an async callable: the earlier attempt arriving

    async def already_applied(self, client) -> tuple[bool, Any]:
        answer = await super().already_applied(client)
        if LandsLate.landing is not None:
            landing, LandsLate.landing = LandsLate.landing, None
            await landing()
        return answer


async def test_a_write_that_lands_after_the_replays_check_is_not_reported_refused(runner, synced, api, sandbox_app):
    base = walk_in()
    action = LandsLate(EXPO, attendee_type_id=base.attendee_type_id, values=base.values, type_name=base.type_name)
    sandbox_app.state.faults.fail_rate = 1.0
    assert (await runner.run(action)).state is State.QUEUED
    sandbox_app.state.faults.fail_rate = 0.0
    total = await server_total(api)

    async def earlier_attempt_lands() -> None:
        body = {"attendee": {**action.body(), "attendee_type_id": 5001}}
        assert (await api.post(f"/events/{EXPO}/attendees/register", json=body)).status_code == 200

    LandsLate.landing = earlier_attempt_lands
    report = await runner.replay()
    # The resend is refused ("Email has already been taken") because the first attempt is there now:
    # that is the write done, not a failure to show the desk and roll back.
    assert report.failed == [] and (report.sent, report.already_there, report.remaining) == (0, 1, 0)
    assert list(runner.outbox.items()) == []
    assert await server_total(api) == total + 1
    record = synced.index(EXPO).exact("zoe.nunez@walkin.test")
    assert record is not None and record.id.isdigit() and record.status == "confirmed"


async def test_a_resend_refused_for_another_reason_is_still_a_failure(runner, synced, sandbox_app):
    sandbox_app.state.faults.fail_rate = 1.0
    stale = walk_in(email="typo@walkin.test")
    stale.attendee_type_id = "999999"  # refused, and not because it is there already
    assert (await runner.run(stale)).state is State.INVALID  # validated locally first…
    runner.outbox.add(stale)  # …so put it in the outbox as an older version of the app would have
    sandbox_app.state.faults.fail_rate = 0.0
    report = await runner.replay()
    assert len(report.failed) == 1 and "Attendee type" in report.failed[0]
    assert [item.state for item in runner.outbox.items()] == ["failed"]
