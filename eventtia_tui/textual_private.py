"""Every use of Textual's private API, in one place, for the Textual versions it was tested with.

Textual keeps no promise about names that begin with an underscore: a minor release may rename them. The app
needs a few (each below says why), so they are here and nowhere else, and pyproject.toml caps textual below
`TEXTUAL_BELOW`; tests/app/test_textual_private.py fails when the installed textual is at or above that bound, or
when a name used here is gone. Raising the bound means running those tests (and the painting, scan and help
tests) on the new version first.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from importlib.metadata import version
from typing import Any

from textual import events
from textual._parser import ParseTimeout
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.dom import DOMNode
from textual.drivers import linux_driver
from textual.geometry import Size
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input
from textual.widgets._footer import FooterKey

TEXTUAL_AT_LEAST = (8, 0)
TEXTUAL_BELOW = (8, 3)  # the first version not tested: pyproject.toml's `textual>=8.0,<8.3`

BindingChain = list[tuple[DOMNode, Any]]  # (node, its BindingsMap), focused widget first


def textual_version() -> tuple[int, ...]:
    return tuple(int(part) for part in version("textual").split(".")[:3] if part.isdigit())


# The app: which actions run and are shown, and an unexpected error ---------------------------------------------


class GuardedApp(App[Any]):
    """An App that asks `action_shown` before the footer, the help screen or the palette's key list shows an
    action (Textual asks its private `_check_action_state`), and hands an unexpected error to
    `unexpected_error` (Textual's `_handle_exception`)."""

    def parse_action(self, action: str, default_namespace: DOMNode,
                     namespaces: Any = None) -> tuple[DOMNode, str, tuple[object, ...]]:
        """The node an action string runs on, its name and its parameters, as Textual resolves them."""
        target, name, parameters = self._parse_action(action, default_namespace, namespaces)
        return target, name, tuple(parameters)

    def action_shown(self, target: DOMNode, name: str, parameters: tuple[object, ...]) -> bool:
        return True

    def _check_action_state(self, action: str, default_namespace: DOMNode) -> bool | None:
        target, name, parameters = self.parse_action(action, default_namespace)
        if not self.action_shown(target, name, parameters):
            return False
        return super()._check_action_state(action, default_namespace)

    def unexpected_error(self, error: Exception) -> None:
        super()._handle_exception(error)

    def _handle_exception(self, error: Exception) -> None:
        self.unexpected_error(error)


def action_state(app: App[Any], action: str, node: DOMNode) -> bool | None:
    """True: the action runs and is shown; None: shown disabled; False: hidden (as the footer decides)."""
    return app._check_action_state(action, node)


def binding_chains(screen: Screen[Any]) -> tuple[BindingChain, BindingChain]:
    """The bindings that can run on `screen` now: up to a modal screen, and out to the app."""
    return list(screen._modal_binding_chain), list(screen._binding_chain)


def keys_queued(node: MessagePump) -> bool:
    """More keys already waiting in `node`'s message queue (a burst)."""
    queue: Any = node._message_queue
    return any(isinstance(message, events.Key) for message in queue.values)


# Painting: a screen paints as soon as it is idle --------------------------------------------------------------

MIN_GAP = 1 / 120
MAX_WAITS = 8


class PaintsWhenIdle(Screen[Any]):
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


class SteadyInput(Input):
    """An Input whose text never changes its size. Input sets its virtual size (the text's width) on every
    change, and that size is a layout reactive: a whole-screen layout and repaint per key, for a box whose size
    never changes. Here the size is set without one (the box scrolls its text by it, which needs no layout)."""

    def _watch_value(self, value: str) -> None:
        self.set_reactive(Widget.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)


# The Esc key, with a badge scan right behind it ----------------------------------------------------------------

SEQUENCE_GOES_ON = "[O]P_\\\x1b"  # what follows the ESC of a sequence: CSI, SS3, OSC, DCS, APC, ST, another ESC


class EscapeKeyParser(XTermParser):
    """A terminal sends Esc as a lone ESC byte, and escape sequences (arrows, function keys, the terminal's
    answers) begin with one too, so Textual's parser waits up to 100 ms after an ESC for the rest of a sequence.
    A scan begun in that window was read as part of one: the Esc was lost and the scan began with "^" (or alt+
    its first key), so the card stayed and the lookup missed. An ESC that ends one read from the terminal,
    followed by a read that does not go on with a sequence, is the Esc key: a terminal writes a whole sequence
    at once."""

    escape_ended_read = False  # the last read ended on an ESC the parser is waiting to complete

    def feed(self, data: str) -> Iterable[Any]:
        if self.escape_ended_read and data and data[0] not in SEQUENCE_GOES_ON and self._timeout_time is not None:
            self._timeout_time = None
            self._awaiting = self._gen.throw(ParseTimeout())  # as if the wait had run out: the Esc key
        self.escape_ended_read = data.endswith("\x1b")
        yield from super().feed(data)


def use_escape_key_parser() -> None:
    """The terminal driver reads keys with EscapeKeyParser (Textual's driver names its parser class itself)."""
    linux_driver.XTermParser = EscapeKeyParser  # type: ignore[attr-defined]


# The footer: the app's help key on a modal screen -------------------------------------------------------------


def footer_key(key: str, key_display: str, description: str, action: str) -> Widget:
    """A key as Textual's footer draws it (its FooterKey is not exported): AppFooter adds the app's help key on
    a modal screen, whose footer Textual builds from the screen's own keys only."""
    return FooterKey(key, key_display, description, action)
