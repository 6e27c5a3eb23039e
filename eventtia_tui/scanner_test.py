"""`eventtia-tui scanner-test`: scan a badge and see what the app received and how the scan gate reads it.

Each burst of keys (ended by a pause) is reported: the text, the suffix, the gaps between keys, and the gate's
reading of it (eventtia_tui.scanner.read_keys, the rule the gate applies), with the [scanner] settings in force.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import RichLog, Static

from .badge import looks_like_badge
from .config import ScannerSettings
from .scanner import read_keys
from .text import clean_text

QUIT_KEYS = ("ctrl+q", "ctrl+c")


def describe(keys: list[tuple[str, str | None, float]], timings: ScannerSettings) -> list[str]:
    """The report on one burst, line by line."""
    reading = read_keys(keys, gap=timings.clump_gap, isolation=timings.key_isolation, min_scan=timings.min_scan)
    gaps = reading.gaps_ms
    lines = [f"Received {len(keys)} keys: {len(reading.text)} printable, then suffix {reading.suffix}",
             f"Text: {clean_text(reading.text)}",
             f"Gaps between keys (ms): {' '.join(map(str, gaps[:60]))}{' …' if len(gaps) > 60 else ''}",
             f"Longest gap: {max(gaps, default=0)} ms; keys closer than {timings.clump_gap * 1000:.0f} ms count as "
             "arriving together",
             f"Read as: {reading.verdict(timings.min_scan)}"
             + ("; badge-shaped (code|name|email…)" if looks_like_badge(reading.text) else "")]
    if reading.scanned and reading.suffix == "none" and timings.suffix != "none":
        lines.append(f"This scanner sends no suffix: set suffix = \"none\" under [scanner] (a scan then ends after "
                     f"{timings.end_pause * 1000:.0f} ms of quiet instead of {timings.quiet_end * 1000:.0f} ms).")
    return lines


class ScannerTestApp(App[None]):
    CSS = "#help { padding: 1 2; } RichLog { padding: 0 2; }"

    def __init__(self, timings: ScannerSettings) -> None:
        super().__init__()
        self.timings = timings
        self.keys: list[tuple[str, str | None, float]] = []
        self.bursts = 0

    def compose(self) -> ComposeResult:
        settings = ", ".join(f"{name} = {value!r}" for name, value in self.timings.model_dump().items())
        yield Static(Text(f"Scan a badge. Each burst is shown below once the keys stop. Ctrl+Q quits.\n"
                          f"[scanner] in force: {settings}"), id="help")
        yield RichLog(id="report", wrap=True)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and event.key not in QUIT_KEYS:
            event.prevent_default()  # no key reaches a binding: Tab and Enter are only recorded
            self.keys.append((event.key, event.character, event.time))
            keys = len(self.keys)
            self.set_timer(max(self.timings.quiet_end, 0.1), lambda: self.report(keys))
            return
        await super().on_event(event)

    def report(self, keys: int) -> None:
        if keys != len(self.keys):
            return  # more keys came: the burst goes on
        burst, self.keys = self.keys, []
        self.bursts += 1
        log = self.query_one(RichLog)
        log.write(Text(f"Burst {self.bursts}", style="bold"))
        for line in describe(burst, self.timings):
            log.write(Text(line))


def run_scanner_test(timings: ScannerSettings) -> int:
    from .terminal import NO_TERMINAL, has_terminal

    if not has_terminal():
        import sys

        print(NO_TERMINAL, file=sys.stderr)
        return 2
    ScannerTestApp(timings).run()
    return 0
