"""Arrivals over time (F4): check-ins per 15 minutes (+/- for wider or narrower bars), drawn with block
characters from the synced copy."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from eventtia_tui.arrivals import BUCKET_CHOICES, DEFAULT_BUCKET, bar_rows, describe_bucket, histogram

CHART_HEIGHT = 6
AXIS_WIDTH = 6  # the y axis: a count, then "┤"
LABEL_EVERY = 8  # columns between time labels


def time_label(epoch: float, bucket: int, tz) -> str:
    moment = datetime.fromtimestamp(epoch, tz)
    if bucket >= 86400:
        return moment.strftime("%d %b")
    return moment.strftime("%H:%M" if bucket < 3600 else "%d %Hh")


class ArrivalsChart(Widget):
    """Needs `times` (sorted epoch seconds of check-ins), `now` and the event's `tz`; redraws at its width."""

    DEFAULT_CSS = "ArrivalsChart { height: auto; }"
    bucket: reactive[int] = reactive(DEFAULT_BUCKET, layout=True)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.times: list[float] = []
        self.undated = 0
        self.now = 0.0
        self.tz = None
        self.checked_in = 0  # with `from_ledger`: Eventtia's check-ins, named beside the admissions
        self.from_ledger = False  # the times are the ledger's admissions, not Eventtia's check-ins

    def show(self, times: list[float], undated: int, now: float, tz, *, checked_in: int | None = None) -> None:
        """`checked_in` given: `times` are the ledger's admissions, and Eventtia's check-ins are only counted."""
        self.times, self.undated, self.now, self.tz = times, undated, now, tz
        self.from_ledger, self.checked_in = checked_in is not None, checked_in or 0
        self.refresh(layout=True)

    def step(self, direction: int) -> None:
        """Wider (+1) or narrower (-1) bars."""
        position = BUCKET_CHOICES.index(self.bucket) if self.bucket in BUCKET_CHOICES else 1
        self.bucket = BUCKET_CHOICES[max(0, min(len(BUCKET_CHOICES) - 1, position + direction))]

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Text:
        width = self.size.width
        lines = self.lines(width)
        for line in lines:  # one screen line each, as get_content_height counts them
            line.truncate(width, overflow="ellipsis")
        return Text("\n").join(lines)

    def lines(self, width: int) -> list[Text]:
        what = (f"admissions per {describe_bucket(self.bucket)} from the ledger (Eventtia's check-ins: "
                f"{self.checked_in:,})" if self.from_ledger else
                f"check-ins per {describe_bucket(self.bucket)} from the synced copy")
        title = Text.assemble(("Arrivals", "bold"), f" · {what} · + wider, - narrower bars", no_wrap=True,
                              overflow="ellipsis")
        columns = max(1, width - AXIS_WIDTH - 1)
        offset = self.tz.utcoffset(datetime.fromtimestamp(self.now, self.tz)).total_seconds() if self.tz else 0
        found = histogram(self.times, self.bucket, columns, self.now, offset)
        if found is None:
            note = "Nobody has checked in yet" + (f" ({self.undated} check-ins carry no time)." if self.undated else ".")
            return [title, Text(note, style="dim")]
        top = max(found.counts)
        lines = [title]
        for position, bars in enumerate(bar_rows(found.counts, CHART_HEIGHT)):
            scale = f"{top:>{AXIS_WIDTH - 1}}┤" if position == 0 else f"{'':>{AXIS_WIDTH - 1}}│"
            lines.append(Text.assemble((scale, "dim"), (bars, "green"), no_wrap=True))
        axis = Text(f"{0:>{AXIS_WIDTH - 1}}└" + "─" * len(found.counts), style="dim", no_wrap=True)
        lines.append(axis)
        labels = [" "] * (AXIS_WIDTH + len(found.counts) + 8)
        for column in range(0, len(found.counts), LABEL_EVERY):
            label = time_label(found.start + column * found.bucket, found.bucket, self.tz)
            start = AXIS_WIDTH + column
            labels[start:start + len(label)] = label
        lines.append(Text("".join(labels).rstrip()[:width], style="dim", no_wrap=True))
        notes = [f"{len(self.times):,} {'admissions' if self.from_ledger else 'check-ins with a time'}, "
                 f"the busiest bar {top:,}"]
        if found.before:
            notes.append(f"{found.before:,} earlier ones not shown (+ for wider bars)")
        if self.undated:
            notes.append(f"{self.undated:,} without a time")
        lines.append(Text(" · ".join(notes) + ".", style="dim", no_wrap=True, overflow="ellipsis"))
        return lines
