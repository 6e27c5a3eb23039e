"""Small text helpers shared by the screens: dates, bars, counts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text


def zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (KeyError, ValueError):
        return None


def local(moment: datetime | None, tz: ZoneInfo | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(tz) if tz is not None and moment.tzinfo is not None else moment


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
    """'Tue 24 09:00–10:30'."""
    start, end = local(start, tz), local(end, tz)
    if start is None:
        return "—"
    text = start.strftime("%a %d %H:%M")
    return f"{text}–{end.strftime('%H:%M')}" if end is not None else text


def bar(used: int, limit: int | None, width: int = 20) -> Text:
    """A seats bar: '████████░░░░ 40/50', red when full, '∞' when there is no limit."""
    if limit is None:
        return Text.assemble(("─" * width, "dim"), f" {used:,}/∞")
    ratio = 1.0 if limit <= 0 else min(1.0, used / limit)
    filled = round(ratio * width)
    style = "bold red" if used >= limit else "yellow" if ratio >= 0.9 else "green"
    return Text.assemble(("█" * filled, style), ("░" * (width - filled), "dim"), f" {used:,}/{limit:,}")


def clock_time(epoch: float, tz: ZoneInfo | None = None) -> str:
    return datetime.fromtimestamp(epoch, tz).strftime("%H:%M")

