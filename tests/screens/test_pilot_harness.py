"""The harness itself: waiting for an app that stopped on an error fails with that error instead of hanging
(an app that died under a test used to show up as a test that never ended)."""

from __future__ import annotations

import pytest

from tests.screens.pilot import SIZE, settle


async def test_waiting_for_an_app_that_stopped_on_an_error_fails_with_that_error(make_app):
    app = make_app()

    def broken() -> None:
        raise ZeroDivisionError("a handler failed")

    with pytest.raises(ZeroDivisionError):  # run_test hands the app's error on as it closes
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.scan_gate.idle.clear()  # as a gate that will never drain: the wait below cannot end by itself
            app.call_later(broken)
            with pytest.raises(AssertionError, match="stopped on an error") as failed:
                await settle(pilot)
            assert isinstance(failed.value.__cause__, ZeroDivisionError)
