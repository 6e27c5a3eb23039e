"""A 429 asking for ten minutes, at the desk: said as such, the copy still answers, nothing says "offline"."""

from __future__ import annotations

from textual.widgets import Static

from eventtia_tui.screens.scan_verdict import NotFoundScreen
from tests.screens.pilot import SIZE, open_demo_expo, scan_badge, settle

UNKNOWN = "0a0b0c|Ana María Ruiz|ana.ruiz@elsewhere.test|Otra Feria - Buyer|+34600111222"


async def test_a_long_retry_after_is_shown_as_a_wait_not_as_offline(make_app, sandbox_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        sandbox_app.state.variants.retry_after_seconds = 600
        sandbox_app.state.variants.refuse_next = 10**6
        await scan_badge(pilot, UNKNOWN)
        screen = app.screen
        assert isinstance(screen, NotFoundScreen) and screen.verdict.words == "NOT FOUND"
        assert "Eventtia asks to wait 10 min" in screen.verdict.detail and "can't be reached" not in screen.verdict.detail
        await pilot.press("escape")
        await settle(pilot)
        app.screen.refresh_header()
        header = str(app.screen.query_one("#event-header", Static).render())
        assert "Eventtia asks to wait 10 min" in header and "offline" not in header
        assert not app.screen.query_one("#offline-banner", Static).display
