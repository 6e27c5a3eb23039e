"""A screen that paints as soon as it is idle, instead of on Textual's next timer tick.

Textual paints a screen from its update timer, whose ticks sit on a fixed 60 Hz grid and which, after any
frame, skips ahead one to two periods: a key handled right after another frame (the cursor's blink, the
clock in the header, a sync's progress) waited 17–33 ms for its own, measured in a pty. Here a screen with
something to paint does it the moment its messages are handled, unless it painted less than `MIN_GAP`
ago (a burst of changes, such as a scanner's keys or a sync's pages, is still drawn at most that often:
the timer takes those).

A widget asked to repaint tells the screen from its own message queue, a moment later: while a widget on
screen still has that news to send, the screen waits for it (at most `MAX_WAITS` turns), so the rows a key
changed come in the same frame as the key's letter in the box, not one frame after.
"""

from __future__ import annotations

import time

from textual import events
from textual.screen import Screen

MIN_GAP = 1 / 120
MAX_WAITS = 8


class PaintsWhenIdle(Screen):
    last_painted = 0.0
    waits = 0

    def needs_paint(self) -> bool:
        return bool(self._layout_required or self._scroll_required or self._repaint_required
                    or self._dirty_widgets)

    def news_coming(self) -> bool:
        """A widget on screen has asked for a repaint and not yet told this screen."""
        return any(widget._repaint_required or widget._layout_required
                   for widget in self._compositor.visible_widgets)

    async def _on_idle(self, event: events.Idle) -> None:
        if self.is_current and not self.app._batch_count and not self._recompose_required and self.needs_paint():
            if self.waits < MAX_WAITS and self.news_coming():
                self.waits += 1
                event.prevent_default()
                self.call_later(self.check_idle)
                return
            self.waits = 0
            if time.monotonic() - self.last_painted >= MIN_GAP:
                event.prevent_default()
                self._on_timer_update()
                return
        await super()._on_idle(event)

    def _on_timer_update(self) -> None:
        self.last_painted = time.monotonic()
        super()._on_timer_update()
