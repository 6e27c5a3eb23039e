"""Screens paint as soon as they are idle (eventtia_tui/textual_private.py), with every change a key made in one frame."""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.message import Message

from eventtia_tui.screens.base import show_loading
from eventtia_tui.screens.event_screen import EventScreen
from eventtia_tui.screens.tables import PlainTable
from tests.screens.pilot import SIZE, open_demo_expo, type_in


async def test_a_keys_letter_and_the_rows_it_found_are_painted_in_the_same_frame(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        screen = app.screen
        assert isinstance(screen, EventScreen)
        frames: list[set[str]] = []
        paint = screen._compositor_refresh  # what every frame goes through, on the timer or when idle

        def recorded() -> None:
            frames.append({widget.id or type(widget).__name__ for widget in screen._dirty_widgets})
            paint()

        screen._compositor_refresh = recorded
        rows = screen.query_one("#attendee-results")
        changed = 0
        for key in "garcia":
            frames.clear()
            before = list(rows.keys)
            await type_in(pilot, key)
            with_box = [frame for frame in frames if "attendee-query" in frame]
            assert with_box, (key, frames)
            if rows.keys != before:  # the box's frame holds the rows too, not the letter over the old rows
                changed += 1
                assert all("attendee-results" in frame for frame in with_box), (key, frames)
        assert changed >= 3
        assert rows.row_count and all("garc" in str(rows.get_row_at(i)).casefold() for i in range(rows.row_count))


SPINNER_DOT = "●"  # what Textual's LoadingIndicator draws


class BusyTable(PlainTable):
    """A table whose queue is held up by one message, as a table just mounted is busy with its first layout."""

    class Hold(Message):
        pass

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.styles.height = 5

    async def on_busy_table_hold(self) -> None:
        await self.release.wait()


async def test_a_spinner_asked_for_before_the_mount_and_cleared_after_it_is_gone():
    """The picker's list kept its spinner over the rows for good, one start in two on a pty: `loading = True`
    set before the table was mounted was applied after the `False` set once it was."""
    app = App()
    async with app.run_test() as pilot:
        table = BusyTable()
        table.post_message(BusyTable.Hold())
        show_loading(table, True)
        await app.screen.mount(table)
        show_loading(table, False)
        table.release.set()
        await pilot.pause()
        assert SPINNER_DOT not in app.export_screenshot()
        show_loading(table, True)
        await pilot.pause()
        assert SPINNER_DOT in app.export_screenshot()  # the spinner itself still shows when asked for
