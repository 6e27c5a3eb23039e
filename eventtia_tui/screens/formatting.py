"""Small text helpers shared by the screens: dates, bars, counts, and data shown as plain text."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text

from eventtia_tui.text import ELLIPSIS, LINE_BREAK, shown  # noqa: F401 (the screens import them from here)
from eventtia_tui.zones import local, zone  # noqa: F401 (the screens import them from here)

CELL_WIDTH = 40  # the widest a table shows one value: one very long name must not widen its column for good


def one_line(value: object, width: int | None = None) -> str:
    """`value` as one display line (eventtia_tui.text.shown, the one rule for the terminal): line breaks shown
    as ⏎, tabs as a space, control and format characters visible, marks capped, at most `width` cells."""
    return shown(value, width)


def clip(value: object, length: int) -> str:
    """`value` at most `length` cells ('…' last when clipped), line breaks kept (eventtia_tui.text.shown)."""
    return shown(value, length, multiline=True)


def plain(value: object, width: int | None = None, style: str = "") -> Text:
    """Data (from Eventtia, the cache, the operator or a server message) as literal text: never parsed as
    markup, so `[/]` shows as typed and `[@click=…]` is inert; one line, clipped to `width` cells."""
    return Text(one_line(value, width), style=style, end="", no_wrap=width is not None)


def table_cell(value: object, width: int = CELL_WIDTH) -> object:
    """A table cell as shown: a str as plain text (`plain`); a Text on one line and at most `width` cells,
    its styles kept; anything else (a bar, a number) as it is."""
    if isinstance(value, str):
        return plain(value, width)
    if isinstance(value, Text):
        cleaned = one_line(value.plain, width)
        if cleaned == value.plain:
            return value
        shown_text = value.copy()
        shown_text.plain = cleaned  # the styles of what is kept stay where they were
        shown_text.no_wrap = True
        return shown_text
    return value


def date_range(start: datetime | None, end: datetime | None, tz: ZoneInfo | None = None) -> str:
    """'Tue 24 – Wed 25 Nov 2026' / 'Tue 24 Nov 2026' / '—'."""
    start, end = local(start, tz), local(end, tz)
    if start is None:
        return "—"
    if end is None or end.date() == start.date():
        return start.strftime("%a %d %b %Y")
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.strftime('%a %d')} – {end.strftime('%a %d %b %Y')}"
    return f"{start.strftime('%a %d %b')} – {end.strftime('%a %d %b %Y')}"


def time_range(start: datetime | None, end: datetime | None, tz: ZoneInfo | None = None) -> str:
    """'Tue 24 09:00–10:30'; across days 'Fri 10 09:00 – Mon 13 12:25' (the end date is never dropped)."""
    start, end = local(start, tz), local(end, tz)
    if start is None:
        return "—"
    text = start.strftime("%a %d %H:%M")
    if end is None:
        return text
    if end.date() == start.date():
        return f"{text}–{end.strftime('%H:%M')}"
    same_month = (start.year, start.month) == (end.year, end.month)
    return f"{text} – {end.strftime('%a %d %H:%M' if same_month else '%a %d %b %H:%M')}"


def bar(used: int, limit: int | None, width: int = 20) -> Text:
    """A seats bar: '████████░░░░ 40/50', red when full, '∞' when there is no limit; width 0: the numbers
    alone ('40/50', coloured as the bar would be), where a narrow terminal has no room for the bar."""
    if limit is None:
        return Text.assemble(("─" * width, "dim"), f" {used:,}/∞") if width > 0 else Text(f"{used:,}/∞")
    ratio = 1.0 if limit <= 0 else min(1.0, used / limit)
    filled = round(ratio * width)
    style = "bold red" if used >= limit else "yellow" if ratio >= 0.9 else "green"
    if width <= 0:
        return Text(f"{used:,}/{limit:,}", style=style)
    return Text.assemble(("█" * filled, style), ("░" * (width - filled), "dim"), f" {used:,}/{limit:,}")


def clock_time(epoch: float, tz: ZoneInfo | None = None) -> str:
    return datetime.fromtimestamp(epoch, tz).strftime("%H:%M")

