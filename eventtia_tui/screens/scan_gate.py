"""The scanner gate: every key on an event's screens passes here first (EventtiaApp.on_event).

A badge scan is recognised wherever it lands — by its timing (keys in bursts, see eventtia_tui.scanner)
ended by its suffix (Enter, CR+LF, Tab) or, with none, by a pause — and handed to the event screen as one
lookup; its letters never reach a binding, a form field, a filter or a file name.

- Where the focus is a text box, keys go straight in (no delay for a person typing). When a suffix or the
  pause ends a burst, the box gets back the text it had before the burst and the burst becomes the scan.
- Anywhere else a letter is a command (C cancels, D removes…), so printable keys are held back until
  it is clear a person typed them: a key alone, with no other within the screen's `KEY_ISOLATION`
  (0.35 s, longer than a slow link holds back the rest of a burst; longer on a confirmation). Keys that
  arrived together are never commands: a burst of a scan's length is a scan, anything shorter is dropped
  with a message.
- Keys are delivered in order, each to the focus the one before it left: Tab moves the focus at once,
  and after Enter or Esc — or any other non-letter key with more keys right behind it — the next keys wait
  until it has been handled.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from textual import events
from textual.app import App
from textual.widgets import Input

from eventtia_tui.config import ScannerSettings
from eventtia_tui.scanner import SUFFIX_KEYS, clumps, scan_length
from eventtia_tui.textual_private import keys_queued

from .base import OwnScreen, event_place
from .event_picker import EventPickerScreen
from .event_screen import EventScreen

MAX_PHRASE = 1024  # keys remembered for the current burst (a scan is well under this)
SETTLE_TIMEOUT = 0.5  # never hold the keys after an Enter longer than this


@dataclass
class Typed:
    key: events.Key
    held: bool  # not delivered (yet)
    before: tuple[Input, str] | None  # the text box it went into, and that box's text just before


def printable(event: events.Key) -> bool:
    return bool(event.is_printable and event.character and len(event.character) == 1)


class ScanGate:
    def __init__(self, app: App, timings: ScannerSettings | None = None) -> None:
        self.app = app
        self.timings = timings or ScannerSettings()  # the config file's [scanner]
        self.phrase: list[Typed] = []  # printable keys since the last pause of PHRASE_GAP
        self.last_time = 0.0
        self.scan_ended_at = float("-inf")  # the time of the last scan's suffix (a CR+LF's LF is dropped)
        self.generation = 0  # bumped by every key: a timer set before it is stale
        self.waiting: list[events.Key] = []  # keys that came while an Enter was being handled
        self.settling = False
        self.settle_task: asyncio.Task | None = None
        self.idle = asyncio.Event()
        self.idle.set()

    def event_screen(self) -> EventScreen | None:
        """The event screen, when an event's screens are showing (not the login or the event picker)."""
        place = event_place(self.app)
        return place if isinstance(place, EventScreen) else None

    def scan_screen(self):
        """Who answers a scan: the event screen, or the event picker (which asks to open an event first) —
        also under the palette or help shown over it, where the scan's Enter would run a command."""
        screen = self.event_screen()
        if screen is not None:
            return screen
        for below in reversed(self.app.screen_stack):
            if isinstance(below, EventPickerScreen):
                return below
            if isinstance(below, OwnScreen) and below.COVERS_EVENT:  # the sign-in: keys in order, no scans
                return None
        return None

    def active(self) -> bool:
        return bool(self.app.screen_stack)

    async def key(self, event: events.Key) -> None:
        if self.settling:
            self.waiting.append(event)
            return
        if self.scan_screen() is None:  # the login: no scans, but keys in order (a password manager's burst)
            self.phrase.clear()
            await self.in_order(event)
            return
        self.generation += 1
        gap = event.time - self.last_time
        self.last_time = event.time
        if event.key in SUFFIX_KEYS and 0 <= event.time - self.scan_ended_at <= self.timings.clump_gap:
            self.scan_ended_at = event.time
            return  # the LF of a CR+LF (or a second suffix) that came with the scan's end
        if gap > self.timings.quiet_end and self.phrase and self.in_burst() and await self.scan_ended(None):
            self.waiting.append(event)  # the burst before this quiet was a whole scan: this key comes after it
            return
        if gap > self.timings.phrase_gap and self.phrase:
            await self.settle_phrase()
        if printable(event):
            await self.add(event)
        elif event.key in SUFFIX_KEYS and self.phrase and await self.scan_ended(event):
            return
        else:
            await self.settle_phrase()
            await self.in_order(event)

    async def in_order(self, event: events.Key) -> None:
        """A key that is no scan's, delivered so that the keys behind it land where it leaves the focus."""
        if event.key in ("tab", "shift+tab") and self.app.screen.focus_chain:
            # At once, so the next key of a burst already lands in the next field.
            (self.app.screen.focus_next if event.key == "tab" else self.app.screen.focus_previous)()
        elif event.key in ("enter", "escape") or self.keys_queued():
            await self.deliver_and_settle(event)
        else:
            await self.deliver(event)

    async def add(self, event: events.Key) -> None:
        focused = self.app.focused
        before = (focused, focused.value) if isinstance(focused, Input) else None
        typing = before is not None
        held = not typing or any(t.held for t in self.phrase)  # a key never overtakes a held one
        self.phrase.append(Typed(event, held, before))
        del self.phrase[:-MAX_PHRASE]
        if held:
            self.idle.clear()
            self.start_timer(min(self.isolation(), self.timings.quiet_end))
        else:  # typed into a box: nothing to wait for, unless it came in a burst (a scan with no suffix?)
            await self.deliver(event)
            if self.in_burst():
                self.idle.clear()
                self.start_timer(self.timings.quiet_end)
            elif not any(t.held for t in self.phrase):
                self.idle.set()

    def in_burst(self) -> bool:
        """The phrase ends in keys that came together (a scan, ended or still arriving), not a person's key."""
        times = [t.key.time for t in self.phrase]
        return bool(times) and (self.clumps(times)[-1] >= 2 or self.scanned(times, None) > 0)

    def isolation(self) -> float:
        screen = self.app.screen
        own = screen.KEY_ISOLATION if isinstance(screen, OwnScreen) else None
        return self.timings.key_isolation if own is None else own

    def start_timer(self, seconds: float, waited: float = 0.0) -> None:
        generation = self.generation

        def fire() -> None:
            # Queued behind the keys already waiting for the app, so a timer never splits a burst.
            self.app.call_later(self.timed_out, generation, waited + seconds)

        self.app.set_timer(seconds, fire)

    async def timed_out(self, generation: int, waited: float) -> None:
        """No key for `waited` seconds: a burst this quiet is a whole scan; a held letter this alone is a command."""
        if generation != self.generation or not self.phrase:
            return
        burst = self.in_burst()
        if not burst and not self.phrase[-1].held:
            self.idle.set()
            return  # a person typing into a box
        wait = self.timings.quiet_end if burst else self.isolation()
        if waited < wait:
            self.start_timer(wait - waited, waited)
            return
        if burst and await self.scan_ended(None):
            return
        if self.phrase[-1].held:
            await self.settle_phrase()
        else:
            self.phrase.clear()  # a burst typed into a box that was no scan stays typed
            self.idle.set()

    async def settle_phrase(self) -> None:
        """The phrase ended without a scan: deliver what a person typed, drop what came in bursts."""
        phrase, self.phrase = self.phrase, []
        held = [t for t in phrase if t.held]
        if held:
            times = [t.key.time for t in phrase]
            alone = [a for t, a in zip(phrase, self.alone(times)) if t.held]
            if all(alone):
                for typed in held:
                    await self.deliver(typed.key)
            else:
                text = "".join(t.key.character or "" for t in held)
                why = ("on a confirmation, a key counts only when pressed on its own" if self.isolation() > self.timings.key_isolation
                       else "keys that arrive together are never taken as commands (a badge scan, a laggy link)")
                self.app.notify(f"Ignored “{text[:40]}”: {why}. Press one key at a time.", severity="warning")
        self.idle.set()

    def clumps(self, times: list[float]) -> list[int]:
        return clumps(times, self.timings.clump_gap)

    def scanned(self, times: list[float], end: float | None) -> int:
        return scan_length(times, end, gap=self.timings.clump_gap, isolation=self.timings.key_isolation,
                           min_scan=self.timings.min_scan)

    def alone(self, times: list[float]) -> list[bool]:
        """Per key: no other key within the screen's isolation before or after it."""
        isolation = self.isolation()
        last = len(times) - 1
        return [(i == 0 or moment - times[i - 1] > isolation) and (i == last or times[i + 1] - moment > isolation)
                for i, moment in enumerate(times)]

    async def scan_ended(self, suffix: events.Key | None) -> bool:
        """True when the keys before this suffix key (None: before a pause) were a scan, now handed over."""
        times = [t.key.time for t in self.phrase]
        if suffix is not None and suffix.time - times[-1] > self.timings.phrase_gap:
            return False
        if self.phrase[0].held:  # nothing went into a box: all of it arrived in bursts, or it is no scan
            scanned = len(times) if len(times) >= self.timings.min_scan and max(self.clumps(times)) >= 2 else 0
        else:
            scanned = self.scanned(times, suffix.time if suffix is not None else None)
        screen = self.scan_screen()
        typed = self.without_a_typed_first_key(self.phrase[-scanned:], screen) if scanned else []
        text = "".join(t.key.character or "" for t in typed)
        # Six keys or more inside 30 ms of each other: no person types that, even on a laggy link.
        scanner = bool(typed) and max(self.clumps([t.key.time for t in typed])) >= self.timings.min_scan
        first = typed[0].before if typed else None
        if not typed or (not typed[0].held and first is not None and not screen.is_scan(text, first[0], scanner)):
            return False  # a person typing fast into a box: the suffix as usual
        self.phrase.clear()
        self.idle.set()
        self.scan_ended_at = suffix.time if suffix is not None else times[-1]
        box = typed[0].before if not typed[0].held else None
        if box is None:
            screen.take_scan(text, scanner)
            self.hold_keys_until_handled(self.app.screen)
            return True

        def restore_then_scan() -> None:
            box[0].value = box[1]  # the box gets back what it held before the burst
            screen.take_scan(text, scanner)

        box[0].call_later(restore_then_scan)  # after the box has taken the burst's last keys
        self.hold_keys_until_handled(box[0])  # the next keys (another scan) go where the scan left the focus
        return True

    def without_a_typed_first_key(self, typed: list[Typed], screen) -> list[Typed]:
        """A key alone just before a burst is its first key sent alone by a slow link, or a person's key (a letter
        typed into a filter) just before a scan: the timing cannot tell. The badge does: when the burst without
        that key names a registration by its QR or code and with it does not, a person typed it — it stays in
        its box (a held letter is dropped, as keys that came with a scan always are)."""
        if len(typed) <= self.timings.min_scan or typed[1].key.time - typed[0].key.time <= self.timings.clump_gap:
            return typed
        text = "".join(t.key.character or "" for t in typed)
        if screen is None or not screen.names_badge(text[1:]) or screen.names_badge(text):
            return typed
        person, scan = typed[0], typed[1:]
        if person.before is not None and scan[0].before is not None:  # the box keeps the letter (it may not be in yet)
            box, held = person.before
            scan[0] = Typed(scan[0].key, scan[0].held, (box, held + (person.key.character or "")))
        return scan

    async def deliver(self, event: events.Key) -> None:
        """A key, as Textual delivers it (priority bindings, then the focused widget)."""
        await App.on_event(self.app, event)

    def keys_queued(self) -> bool:
        """More keys already waiting for the app: a burst, whose next key must wait for this one's binding."""
        return keys_queued(self.app)

    async def deliver_and_settle(self, event: events.Key) -> None:
        """Deliver a key that is a binding (Enter, arrows, Home…), then hold the keys after it until it has
        been handled: bindings run only once the key has bubbled up to the app, while a letter goes
        straight into a text box, so without this `Aa⏎Bb` or `Aa←B` arrive out of order."""
        target = self.app.focused or self.app.screen
        await self.deliver(event)
        self.hold_keys_until_handled(target)

    def hold_keys_until_handled(self, target) -> None:
        """The next keys wait in `waiting` until what was just handed to `target` has been handled."""
        self.settling = True
        self.idle.clear()
        self.settle_task = asyncio.create_task(self.settle_after(target))

    async def settle_after(self, target) -> None:
        """Wait, hop by hop, until the key and the messages it caused have bubbled up to the app."""
        try:
            chain = [target, target, *target.ancestors_with_self[1:]]
            async with asyncio.timeout(SETTLE_TIMEOUT):
                for widget in chain:
                    done = asyncio.Event()
                    if not widget.call_later(done.set):
                        continue
                    await done.wait()
        except Exception as error:  # a widget taken down on the way (a card closed by the scan), or the timeout
            self.app.log.debug("scan gate: settled without a hop", error=error)
        finally:
            # Always: while `settling`, every key waits for this drain (the desk would stop taking keys).
            self.app.call_later(self.drain)

    async def drain(self) -> None:
        self.settling = False
        waiting, self.waiting = self.waiting, []
        for position, event in enumerate(waiting):
            if self.settling:
                self.waiting.extend(waiting[position:])
                return
            await self.key(event)
        if not self.settling and not any(t.held for t in self.phrase):
            self.idle.set()

    async def wait_idle(self) -> None:
        """Until no key is held back or waiting (tests: after keys typed like a person)."""
        await self.idle.wait()
